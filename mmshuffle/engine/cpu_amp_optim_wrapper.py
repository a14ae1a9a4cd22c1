"""Mixed precision training on a CPU: bfloat16 autocast."""
from contextlib import contextmanager
from typing import Iterator

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from ..registry import OPTIM_WRAPPERS


def cpu_has_bf16() -> bool:
    """Tell whether this CPU computes in bfloat16 natively (AVX-512 BF16 or
    AMX), which mixed precision on a CPU needs to be of any use.

    Returns:
        bool: Whether PyTorch sees either instruction set.
    """
    return (torch.cpu._is_avx512_bf16_supported()
            or torch.cpu._is_amx_tile_supported())


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """MMEngine's ``AmpOptimWrapper`` for a CPU: the forward and the loss run
    under ``torch.autocast('cpu', dtype=torch.bfloat16)``.

    MMEngine's ``AmpOptimWrapper`` refuses to start without a GPU, NPU, MLU
    or MUSA. On a CPU the low precision is bfloat16, whose exponent range is
    float32's, so no loss scaling is needed: the parameters, their gradients
    and the optimizer's state stay in float32, as with AMP on a GPU.
    ``tools/train.py --amp`` picks this wrapper on a machine without CUDA.

    Args:
        **kwargs: As for MMEngine's ``OptimWrapper``.
    """

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """Run the forward and the loss in bfloat16 autocast.

        Args:
            model (nn.Module): The model being trained.

        Yields:
            None: Inside the autocast.
        """
        with super().optim_context(model), torch.autocast(
                'cpu', dtype=torch.bfloat16):
            yield
