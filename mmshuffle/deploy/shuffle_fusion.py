"""Make the channel shuffles of ShuffleNet V2 cheaper, in place.

Each stage becomes a :class:`FusedShuffleV2Stage`, whose units hand their
two halves along (dense halves for the convolutions, rather than slices of
the interleaved map). A stage whose output feeds only the next stage (it
is not in ``out_indices``) ends with a plain concatenation: its shuffle is
folded into the weights of the next stage's first convolutions, or of the
final 1x1 convolution, which take their input channels in the unshuffled
order.

ShuffleNet V1 is left as it is: its shuffle sits between two grouped
convolutions, which no weight permutation can absorb, and the model's own
:func:`~mmshuffle.models.utils.channel_shuffle` is already one copy that
keeps the layout. MobileNetV2 has no shuffle.
"""
from typing import List, Tuple

from mmcv.cnn import ConvModule
from torch import nn

from ..models.backbones.shufflenet_v2 import InvertedResidual, ShuffleNetV2
from .channel_permutation import (
    can_permute_depthwise,
    permute_dense_input,
    permute_depthwise,
)
from .fused_blocks import FusedShuffleV2Stage, can_fuse_v2_stage
from .shuffle_ops import shuffle_source_channels


def fuse_shuffles(model: nn.Module) -> nn.Module:
    """Replace the shuffles of every ShuffleNet V2 in a model, in place.

    The model (a backbone, or a classifier or detector holding one) computes
    the same outputs afterwards, to float rounding; its state dict changes,
    so fuse a copy made for inference.

    Args:
        model (nn.Module): The model.

    Returns:
        nn.Module: ``model``, changed in place.
    """
    for module in list(model.modules()):
        if isinstance(module, ShuffleNetV2):
            _fuse_v2(module)
    return model


def _fuse_v2(backbone: ShuffleNetV2) -> None:
    """Replace the stages of a ShuffleNet V2 and fold what can be folded.

    Args:
        backbone (ShuffleNetV2): The backbone; changed in place.
    """
    layers = backbone.layers
    returned = set(backbone.out_indices)
    last = max(returned)
    for index, stage in enumerate(layers):
        units = list(stage) if isinstance(stage, nn.Sequential) else []
        if not can_fuse_v2_stage(units):
            continue
        fold = (index not in returned and index < last
                and _fold_shuffle_into(layers[index + 1],
                                       units[-1].branch2[-1].conv.out_channels
                                       * 2))
        layers[index] = FusedShuffleV2Stage(units, shuffle_output=not fold)


def _consumers(stage: nn.Module) -> Tuple[List[ConvModule], List[nn.Conv2d]]:
    """Find the convolutions that read a stage's input.

    Args:
        stage (nn.Module): The next stage: a ``Sequential`` of units whose
            first has stride 2, or the final :class:`ConvModule`.

    Returns:
        tuple[list, list]: The depthwise :class:`ConvModule` s that read it
        (then their outputs are read by the first dense convolution listed
        after them) and the dense convolutions that read it or them. Two
        empty lists when the stage is of another kind.
    """
    if isinstance(stage, ConvModule) and stage.conv.groups == 1:
        return [], [stage.conv]
    first = stage[0] if isinstance(stage, nn.Sequential) and len(stage) \
        else None
    if not isinstance(first, InvertedResidual) or first.stride == 1:
        return [], []
    depthwise, after_depthwise = first.branch1[0], first.branch1[1]
    if not can_permute_depthwise(depthwise) or \
            after_depthwise.conv.groups != 1 or \
            first.branch2[0].conv.groups != 1:
        return [], []
    return [depthwise], [after_depthwise.conv, first.branch2[0].conv]


def _fold_shuffle_into(stage: nn.Module, channels: int) -> bool:
    """Make the next stage take its input unshuffled, if it can.

    Args:
        stage (nn.Module): The next stage (see :func:`_consumers`); changed
            in place when it can be.
        channels (int): The channels of its input.

    Returns:
        bool: Whether the stage now takes its input unshuffled.
    """
    depthwise, dense = _consumers(stage)
    if not dense:
        return False
    source = shuffle_source_channels(channels, 2)
    for module in depthwise:
        permute_depthwise(module, source)
    for conv in dense:
        permute_dense_input(conv, source)
    return True
