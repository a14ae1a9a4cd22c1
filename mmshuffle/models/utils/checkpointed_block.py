"""A block base class that can trade compute for memory in training."""
from typing import Optional, Union

import torch.utils.checkpoint as cp
from mmengine.model import BaseModule
from torch import Tensor


class CheckpointedBlock(BaseModule):
    """A block whose forward can be recomputed in the backward pass.

    Subclasses implement :meth:`inner_forward`. With ``with_cp`` and an input
    that requires grad, the activations inside the block are not stored but
    recomputed during the backward pass (``torch.utils.checkpoint``), which
    saves memory at the cost of a second forward.

    Args:
        with_cp (bool): Whether to checkpoint the block. Defaults to False.
        init_cfg (dict | list[dict], optional): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 with_cp: bool = False,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg)
        self.with_cp = with_cp

    def inner_forward(self, x: Tensor) -> Tensor:
        """Compute the block's output.

        Args:
            x (Tensor): The input.

        Returns:
            Tensor: The output.
        """
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        """Run :meth:`inner_forward`, checkpointed where asked.

        Args:
            x (Tensor): The input.

        Returns:
            Tensor: The output.
        """
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self.inner_forward, x, use_reentrant=False)
        return self.inner_forward(x)
