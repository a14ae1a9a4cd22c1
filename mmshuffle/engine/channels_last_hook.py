"""Train and evaluate in the channels-last memory layout."""
from typing import Any, Dict, Tuple

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import Tensor, nn

from ..registry import HOOKS


def _images_to_channels_last(module: nn.Module, args: Tuple,
                             kwargs: Dict[str, Any]) -> Tuple[Tuple, Dict]:
    """Forward pre-hook: give the model its images channels-last."""

    def convert(value: Any) -> Any:
        if isinstance(value, Tensor) and value.dim() == 4:
            return value.contiguous(memory_format=torch.channels_last)
        return value

    if args:
        args = (convert(args[0]), ) + tuple(args[1:])
    if 'inputs' in kwargs:
        kwargs = dict(kwargs, inputs=convert(kwargs['inputs']))
    return args, kwargs


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Run the model in the channels-last (NHWC) memory layout.

    Before the run, the model's weights are converted to channels-last, and
    the images reach its ``forward`` channels-last (the ``inputs`` the data
    preprocessor hands it). On a CPU, PyTorch's convolutions are faster in
    this layout, and mmshuffle's channel shuffles keep it (docs/benchmarks.md
    times a training step with and without it,
    ``tools/analysis_tools/benchmark.py``). The values computed are the
    same, to float rounding.

    Add it to a config::

        custom_hooks = [dict(type='mmshuffle.ChannelsLastHook')]
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        """Convert the model and make its forward take channels-last images.

        Args:
            runner (Runner): The runner.
        """
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        # In place: the parameters stay the objects the optimiser holds.
        model.to(memory_format=torch.channels_last)
        model.register_forward_pre_hook(_images_to_channels_last,
                                        with_kwargs=True)
