"""Make the average pools of ShuffleNet V1's shortcuts depthwise
convolutions, in place.

A unit at stride 2 concatenates a 3x3 average pool of its input. ONNX
Runtime runs that pool in the plain layout, with reorders from and back to
its blocked layout (NCHWc) around it; a depthwise convolution whose weights
are all ``1 / 9`` computes the same (zero padding counted, as the pool
counts it) and stays blocked, which saves the two reorders.
"""
import torch
from torch import nn

from ..models.backbones.shufflenet_v1 import ShuffleUnit


def _equivalent_conv(pool: nn.AvgPool2d, channels: int) -> nn.Conv2d:
    """The depthwise convolution that computes ``pool`` on ``channels``."""
    conv = nn.Conv2d(channels, channels, pool.kernel_size, pool.stride,
                     pool.padding, groups=channels, bias=False)
    conv.weight.data.fill_(1.0 / conv.weight[0].numel())
    conv.weight.requires_grad_(False)
    return conv


def _convertible(pool: nn.Module) -> bool:
    """Whether a depthwise convolution computes the pool exactly."""
    return (isinstance(pool, nn.AvgPool2d) and pool.count_include_pad
            and not pool.ceil_mode and pool.divisor_override is None)


def avg_pools_as_convs(model: nn.Module) -> nn.Module:
    """Replace the shortcut pools of every ShuffleNet V1 unit in a model.

    Args:
        model (nn.Module): The model; changed in place (its state dict
            gains the convolutions' weights), so convert a copy made for
            inference.

    Returns:
        nn.Module: ``model``.
    """
    for unit in model.modules():
        if (isinstance(unit, ShuffleUnit) and unit.combine == 'concat'
                and _convertible(unit.avgpool)):
            channels = unit.g_conv_1x1_compress.conv.in_channels
            with torch.no_grad():
                unit.avgpool = _equivalent_conv(unit.avgpool, channels)
    return model
