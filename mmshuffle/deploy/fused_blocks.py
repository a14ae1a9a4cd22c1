"""The inference form of a ShuffleNet V2 stage, with fewer shuffle copies.

It holds the modules of the units it replaces, unchanged, and computes the
same outputs in eval mode; it drops ``with_cp``, which only matters in
training.
"""
from typing import Sequence

import torch
from torch import Tensor, nn

from ..models.backbones.shufflenet_v2 import InvertedResidual
from ..models.utils import interleave
from .shuffle_ops import interleave_halves


class FusedShuffleV2Stage(nn.Module):
    """A ShuffleNet V2 stage whose units pass their two halves along.

    A unit ends with ``channel_shuffle(cat((a, b)), 2)``, which is
    :func:`interleave` of ``a`` and ``b``, and the next unit splits that in
    two halves. Here each unit hands its ``(a, b)`` on, the next one makes
    the two halves with :func:`interleave_halves` (a dense copy each, ready
    for its convolution), and only the stage's output is interleaved. With
    ``shuffle_output=False`` the stage returns ``cat((a, b))``, unshuffled:
    its consumers must take their input channels in that order (see
    :func:`mmshuffle.deploy.shuffle_fusion.fuse_shuffles`).

    Args:
        units (Sequence[InvertedResidual]): The stage's units; the first has
            stride 2, the others stride 1, and the branches have an even
            number of channels.
        shuffle_output (bool): Whether to shuffle the output as the stage
            does. Defaults to True.
    """

    def __init__(self,
                 units: Sequence[InvertedResidual],
                 shuffle_output: bool = True) -> None:
        super().__init__()
        if not can_fuse_v2_stage(units):
            raise ValueError(
                'FusedShuffleV2Stage needs a stride-2 unit followed by '
                'stride-1 units with an even number of branch channels')
        self.units = nn.ModuleList(units)
        self.shuffle_output = shuffle_output

    def forward(self, x: Tensor) -> Tensor:
        """Run the stage.

        Args:
            x (Tensor): The stage's input.

        Returns:
            Tensor: Its output, shuffled unless ``shuffle_output`` is False.
        """
        first = self.units[0]
        a, b = first.branch1(x), first.branch2(x)
        for unit in self.units[1:]:
            passed, transformed = interleave_halves(a, b)
            a, b = passed, unit.branch2(transformed)
        if self.shuffle_output:
            return interleave(a, b)
        return torch.cat((a, b), dim=1)


def can_fuse_v2_stage(units: Sequence[nn.Module]) -> bool:
    """Tell whether :class:`FusedShuffleV2Stage` can replace a stage.

    Args:
        units (Sequence[nn.Module]): The modules of the stage.

    Returns:
        bool: True for a stride-2 :class:`InvertedResidual` followed by
        stride-1 ones, all with an even number of branch channels.
    """
    if not units or not all(isinstance(u, InvertedResidual) for u in units):
        return False
    strides_fit = units[0].stride > 1 and all(u.stride == 1
                                              for u in units[1:])
    branch_channels = units[0].branch2[-1].conv.out_channels
    return strides_fit and branch_channels % 2 == 0
