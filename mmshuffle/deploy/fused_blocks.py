"""Inference forms of the ShuffleNet units with a cheaper channel shuffle.

They hold the modules of the units they replace, unchanged, and compute
the same outputs in eval mode; they drop ``with_cp``, which only matters in
training.
"""
from typing import Sequence

import torch
from torch import Tensor, nn

from ..models.backbones.shufflenet_v1 import ShuffleUnit
from ..models.backbones.shufflenet_v2 import InvertedResidual
from .shuffle_ops import interleave, interleave_halves, shuffle_channels


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


class FusedShuffleUnitV1(nn.Module):
    """A ShuffleNet V1 unit whose channel shuffle keeps the layout.

    The shuffle sits between grouped convolutions, so no weight permutation
    can take its place; :func:`shuffle_channels` makes it one copy that
    stays channels-last on a channels-last map.

    Args:
        unit (ShuffleUnit): The unit to replace.
    """

    def __init__(self, unit: ShuffleUnit) -> None:
        super().__init__()
        self.groups = unit.groups
        self.combine = unit.combine
        self.g_conv_1x1_compress = unit.g_conv_1x1_compress
        self.depthwise_conv3x3_bn = unit.depthwise_conv3x3_bn
        self.g_conv_1x1_expand = unit.g_conv_1x1_expand
        self.act = unit.act
        if self.combine == 'concat':
            self.avgpool = unit.avgpool

    def forward(self, x: Tensor) -> Tensor:
        """Run the unit.

        Args:
            x (Tensor): The input.

        Returns:
            Tensor: The output.
        """
        out = self.depthwise_conv3x3_bn(self.g_conv_1x1_compress(x))
        if self.groups > 1:
            out = shuffle_channels(out, self.groups)
        out = self.g_conv_1x1_expand(out)
        if self.combine == 'concat':
            return torch.cat((self.avgpool(x), self.act(out)), dim=1)
        return self.act(x + out)
