"""Pad the inner channels of ShuffleNet V2 branches with zero channels.

ONNX Runtime runs a convolution in its fast blocked layout (NCHWc) only
where the channels suit the block: here, a depthwise convolution needs a
multiple of 4 channels. ShuffleNet V2 1x has 58-channel branches in its
first stage, whose convolutions fall back to the slow plain path. Padding
a branch's inner channels (the output of its first 1x1 convolution, its
depthwise convolution, the input of its last 1x1 convolution) with
channels whose weights and biases are zero computes exactly the same: the
extra channels hold zeros (``ReLU(0) = 0``) and the last convolution gives
them zero weight.
"""
import torch
from mmcv.cnn import ConvModule
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from ..models.backbones.shufflenet_v2 import InvertedResidual, ShuffleNetV2


def _pad(tensor: torch.Tensor, dim: int, extra: int,
         value: float = 0.0) -> torch.Tensor:
    """Append ``extra`` entries of ``value`` along ``dim``."""
    shape = list(tensor.shape)
    shape[dim] = extra
    return torch.cat((tensor, tensor.new_full(shape, value)), dim)


def _pad_outputs(module: ConvModule, extra: int) -> None:
    """Give a :class:`ConvModule` ``extra`` output channels that are zero."""
    conv = module.conv
    depthwise = conv.groups == conv.in_channels and conv.groups > 1
    conv.weight = nn.Parameter(_pad(conv.weight.data, 0, extra),
                               requires_grad=False)
    if conv.bias is not None:
        conv.bias = nn.Parameter(_pad(conv.bias.data, 0, extra),
                                 requires_grad=False)
    conv.out_channels += extra
    if depthwise:
        conv.in_channels += extra
        conv.groups += extra
    if module.with_norm and isinstance(module.norm, _BatchNorm):
        norm = module.norm
        # Zero in, zero out: weight and bias 0 (mean 0 and variance 1 keep
        # the arithmetic finite).
        norm.weight = nn.Parameter(_pad(norm.weight.data, 0, extra),
                                   requires_grad=False)
        norm.bias = nn.Parameter(_pad(norm.bias.data, 0, extra),
                                 requires_grad=False)
        norm.running_mean = _pad(norm.running_mean, 0, extra)
        norm.running_var = _pad(norm.running_var, 0, extra, 1.0)
        norm.num_features += extra


def _pad_inputs(module: ConvModule, extra: int) -> None:
    """Give a dense :class:`ConvModule` ``extra`` input channels it ignores."""
    conv = module.conv
    conv.weight = nn.Parameter(_pad(conv.weight.data, 1, extra),
                               requires_grad=False)
    conv.in_channels += extra


def pad_branch_channels(model: nn.Module, multiple: int = 4) -> nn.Module:
    """Pad the branches of every ShuffleNet V2 unit in a model, in place.

    Args:
        model (nn.Module): The model; for inference only (its state dict
            changes).
        multiple (int): Round the inner channels up to a multiple of this.
            Defaults to 4, what ONNX Runtime's blocked depthwise
            convolution needs here.

    Returns:
        nn.Module: ``model``, changed in place.

    Raises:
        ValueError: If ``multiple`` is below 1.
    """
    if multiple < 1:
        raise ValueError(f'multiple must be at least 1, got {multiple}')
    units = [m for backbone in model.modules()
             if isinstance(backbone, ShuffleNetV2)
             for m in backbone.modules() if isinstance(m, InvertedResidual)]
    for unit in units:
        first, depthwise, last = unit.branch2
        channels = depthwise.conv.out_channels
        extra = -channels % multiple
        if extra == 0 or first.conv.groups != 1 or last.conv.groups != 1:
            continue
        _pad_outputs(first, extra)
        _pad_outputs(depthwise, extra)
        _pad_inputs(last, extra)
    return model
