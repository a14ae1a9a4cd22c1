"""The ``fold_shuffles`` deploy step: ShuffleNet V2 without its channel
shuffles.

A ShuffleNet V2 unit ends by interleaving the channels of its two branches
(the channel shuffle), and the next unit splits its input in halves. The
interleave moves every value once more, and OpenVINO runs it outside the
layouts its convolutions use, with reorders around it. Here no unit
interleaves: each keeps its output channels in whatever order they come,
and the layers that read them take their weights in that order instead.

- A unit at stride 2 reads its whole input, first with a depthwise
  convolution (branch 1: its filters are reordered) and a 1x1 convolution
  (branch 2: its weight columns are), and concatenates the two branches'
  outputs as they come.
- A unit at stride 1 passes half of its input channels through (those the
  shuffle would have put in the first half) and transforms the other half.
  Its first 1x1 convolution reads the whole input, with zero weights for the
  passed channels (a copy saved for twice that convolution's
  multiply-adds); the passed channels are copied out in the runs in which
  they lie, and concatenated with the branch's output.
- The 1x1 convolution of the last stage reads its weight columns in the
  order the last unit left.
- A unit stage that the backbone returns (an MMDetection neck reads it),
  and every stage before it, keeps its shuffles: its output leaves in
  order. Putting it back in order with a gather instead computed the same
  at fp32, but NNCF's INT8 of such a detector for OpenVINO lost its
  accuracy.

The outputs are those of the model to float rounding.
"""
from typing import List, Tuple

import torch
from mmcv.cnn import ConvModule
from torch import Tensor, nn

from ..models.backbones.shufflenet_v2 import InvertedResidual, ShuffleNetV2


def _frozen(tensor: Tensor) -> nn.Parameter:
    return nn.Parameter(tensor.contiguous(), requires_grad=False)


def _read_in_order(module: ConvModule, order: Tensor) -> None:
    """Make a dense convolution read input channel ``order[j]`` at
    position ``j``."""
    conv = module.conv
    conv.weight = _frozen(conv.weight.data[:, order])


def _reorder_depthwise(module: ConvModule, order: Tensor) -> None:
    """Make a depthwise convolution (and its norm) compute channel
    ``order[j]`` at position ``j``."""
    conv = module.conv
    conv.weight = _frozen(conv.weight.data[order])
    if conv.bias is not None:
        conv.bias = _frozen(conv.bias.data[order])
    norm = module.norm if module.with_norm else None
    if norm is not None:
        for name in ('weight', 'bias'):
            if getattr(norm, name, None) is not None:
                setattr(norm, name, _frozen(getattr(norm, name).data[order]))
        for name in ('running_mean', 'running_var'):
            if getattr(norm, name, None) is not None:
                setattr(norm, name, getattr(norm, name)[order].clone())


def _runs(positions: Tensor) -> List[Tuple[int, int]]:
    """The ``(start, end)`` runs of consecutive integers in ascending
    ``positions``."""
    runs: List[List[int]] = []
    for position in positions.tolist():
        if runs and runs[-1][1] == position:
            runs[-1][1] += 1
        else:
            runs.append([position, position + 1])
    return [(start, end) for start, end in runs]


class FoldedUnit(nn.Module):
    """A ShuffleNet V2 unit that reads its input channels in a given order
    and leaves its output channels in another, without a channel shuffle.

    Args:
        unit (InvertedResidual): The unit; its branches are taken over and
            their weights reordered.
        order (Tensor): ``order[j]`` is the channel of the shuffled model
            that position ``j`` of the input holds.

    Attributes:
        order (Tensor): The same for the output.
    """

    def __init__(self, unit: InvertedResidual, order: Tensor) -> None:
        super().__init__()
        self.stride = unit.stride
        branch = unit.branch2
        channels = branch[2].conv.out_channels
        odd = 2 * torch.arange(channels) + 1
        if self.stride > 1:
            _reorder_depthwise(unit.branch1[0], order)
            _read_in_order(unit.branch1[1], order)
            _read_in_order(branch[0], order)
            self.branch1 = unit.branch1
            self.order = torch.cat((odd - 1, odd))
        else:
            half = order.numel() // 2
            transformed = order >= half
            first = branch[0].conv
            weight = first.weight.data.new_zeros(first.out_channels,
                                                 order.numel(),
                                                 *first.kernel_size)
            weight[:, transformed] = first.weight.data[:, order[transformed]
                                                       - half]
            first.weight = _frozen(weight)
            first.in_channels = order.numel()
            positions = torch.nonzero(~transformed).flatten()
            self.passed: List[Tuple[int, int]] = _runs(positions)
            self.order = torch.cat((2 * order[positions], odd))
        self.branch2 = branch

    def forward(self, x: Tensor) -> Tensor:
        """Compute the unit's output, its channels in :attr:`order`.

        Args:
            x (Tensor): The input, its channels in the order given.

        Returns:
            Tensor: The output.
        """
        if self.stride > 1:
            return torch.cat((self.branch1(x), self.branch2(x)), 1)
        passed = [x[:, start:end] for start, end in self.passed]
        return torch.cat((*passed, self.branch2(x)), 1)


def _fold_backbone(backbone: ShuffleNetV2) -> None:
    """Fold the shuffles of one backbone, in place: those of the unit
    stages after the last one it returns."""
    returned = [index for index in backbone.out_indices
                if not isinstance(backbone.layers[index], ConvModule)]
    first = max(returned, default=-1) + 1
    order = None
    for index, stage in enumerate(backbone.layers):
        if index < first:
            continue
        if isinstance(stage, ConvModule):  # the last 1x1 convolution
            if order is not None:
                _read_in_order(stage, order)
            continue
        if order is None:  # the first stage folded: its input is in order
            order = torch.arange(stage[0].branch2[0].conv.in_channels)
        units = []
        for unit in stage:
            units.append(FoldedUnit(unit, order))
            order = units[-1].order
        backbone.layers[index] = nn.Sequential(*units)


def fold_channel_shuffles(model: nn.Module) -> nn.Module:
    """Fold the channel shuffles of every ShuffleNet V2 backbone in a
    model, in place (see the module's docstring).

    Args:
        model (nn.Module): The model, in eval mode; for inference only (its
            units are replaced and their weights reordered).

    Returns:
        nn.Module: ``model``.
    """
    with torch.no_grad():
        for backbone in [m for m in model.modules()
                         if isinstance(m, ShuffleNetV2)]:
            _fold_backbone(backbone)
    return model
