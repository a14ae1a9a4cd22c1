"""The deploy steps: changes to a copy of a model made for inference,
each exact to float rounding, and :func:`prepare`, which takes them.

- ``fold_bn`` (:func:`fold_bn`): every batch norm folded into the
  convolution before it.
- ``pad_channels`` (:func:`pad_branch_channels`): ShuffleNet V2 branches
  whose inner channels are not a multiple of 4 (58 in the first stage of
  1x) get zero channels. ONNX Runtime runs a convolution in its fast
  blocked layout (NCHWc) only where the channels suit the block; padding a
  branch's inner channels (the output of its first 1x1 convolution, its
  depthwise convolution, the input of its last 1x1 convolution) with
  channels whose weights and biases are zero computes the same: the extra
  channels hold zeros (``ReLU(0) = 0``) and the last convolution gives them
  zero weight.
- ``fold_shuffles``
  (:func:`~mmshuffle.deploy.fold_shuffles.fold_channel_shuffles`):
  ShuffleNet V2 without its channel shuffles, their order carried by the
  weights of the layers that read the channels.
- ``pool_as_conv`` (:func:`avg_pools_as_convs`): the 3x3 average pool of
  each ShuffleNet V1 unit at stride 2 becomes a depthwise convolution whose
  weights are all ``1 / 9`` (zero padding counted, as the pool counts it).
  ONNX Runtime runs the pool in the plain layout, with reorders around it;
  the convolution stays blocked.
- ``plain_shuffles`` (:class:`PlainShuffles`): the channel shuffles of
  ShuffleNet V1 and V2 exported (``torch.export``, so the ONNX export) in
  their plain reshape-transpose-reshape form, which OpenVINO runs as its
  ``ShuffleChannels``, instead of as a gather (V1) or a stack (V2's
  interleave) (:func:`~mmshuffle.models.utils.plain_shuffles`); the eager
  forward takes the plain form too. Which form OpenVINO runs faster
  changed with the thread count (docs/deployment.md): ``optimize``'s
  ``auto`` times both.
- ``channels_last``: weights in the channels-last layout.
"""
import copy
from typing import Sequence

import torch
from mmcv.cnn import ConvModule, fuse_conv_bn
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from ..models.backbones.shufflenet_v1 import ShuffleUnit
from ..models.backbones.shufflenet_v2 import InvertedResidual, ShuffleNetV2
from ..models.utils import plain_shuffles
from .fold_shuffles import fold_channel_shuffles
from .runtime import Outputs, inference_module


def count_batch_norms(model: nn.Module) -> int:
    """Count the batch norm layers of a model.

    Args:
        model (nn.Module): The model.

    Returns:
        int: How many ``_BatchNorm`` modules (BN, SyncBN, ...) it holds.
    """
    return sum(isinstance(m, _BatchNorm) for m in model.modules())


def fold_bn(model: nn.Module) -> nn.Module:
    """Fold every batch norm that follows a convolution into it, in place.

    In eval mode a batch norm is a per-channel scale and shift, which the
    convolution before it can apply itself: its weight is scaled and its
    bias shifted (:func:`mmcv.cnn.fuse_conv_bn`), and the norm becomes an
    ``nn.Identity``. The outputs stay those of the model in eval mode, to
    float rounding. A norm that follows no convolution stays, and still
    computes the same.

    Args:
        model (nn.Module): The model, in eval mode (a batch norm in training
            mode would normalise with the batch's statistics, which no
            folding reproduces).

    Returns:
        nn.Module: ``model``, changed in place.

    Raises:
        ValueError: If the model is in training mode.
    """
    if model.training:
        raise ValueError('fold_bn: the model must be in eval mode (call '
                         '.eval() first): in training mode its batch norms '
                         "use each batch's statistics, which cannot be "
                         'folded')
    with torch.no_grad():
        fuse_conv_bn(model)
    for param in model.parameters():
        param.requires_grad_(False)
    return model


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


def has_channel_shuffles(model: nn.Module) -> bool:
    """Tell whether a model shuffles channels: it holds a ShuffleNet V1
    unit of more than one group, or a ShuffleNet V2 unit that
    ``fold_shuffles`` has not folded.

    Args:
        model (nn.Module): The model.

    Returns:
        bool: True where it holds such a unit.
    """
    return any(
        isinstance(m, InvertedResidual) or (isinstance(m, ShuffleUnit)
                                            and m.groups > 1)
        for m in model.modules())


class PlainShuffles(nn.Module):
    """A model whose forward runs within
    :func:`~mmshuffle.models.utils.plain_shuffles`, so that an export of it
    (``torch.export``, so the ONNX export) writes each channel shuffle in
    the plain form.

    Args:
        module (nn.Module): The model; its outputs stay the same. Its
            ``single_image`` (a detector's graph: the export keeps a batch
            of 1) is kept.
    """

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module
        self.single_image = getattr(module, 'single_image', False)

    def forward(self, x: torch.Tensor) -> Outputs:
        """The model's outputs for ``x``."""
        with plain_shuffles():
            return self.module(x)


# The steps, in the order prepare() takes them.
STEPS = ('fold_bn', 'pad_channels', 'fold_shuffles', 'pool_as_conv',
         'plain_shuffles', 'channels_last')


def check_steps(steps: Sequence[str]) -> None:
    """Check that every step is one of :data:`STEPS`.

    Args:
        steps (Sequence[str]): The steps.

    Raises:
        ValueError: If a step is unknown.
    """
    unknown = [step for step in steps if step not in STEPS]
    if unknown:
        raise ValueError(f'unknown steps {unknown}: the steps are {STEPS}')


def prepare(model: nn.Module, steps: Sequence[str] = STEPS) -> nn.Module:
    """Copy a model for inference and apply steps to the copy.

    Args:
        model (nn.Module): An MMEngine model (its ``mode='tensor'`` forward
            is taken) or a plain module such as a backbone. It is not
            changed.
        steps (Sequence[str]): Steps of :data:`STEPS`, applied in that
            order: ``fold_bn`` (:func:`fold_bn`), ``pad_channels``
            (:func:`pad_branch_channels`), ``fold_shuffles``
            (:func:`~mmshuffle.deploy.fold_shuffles.fold_channel_shuffles`),
            ``pool_as_conv`` (:func:`avg_pools_as_convs`),
            ``plain_shuffles`` (a :class:`PlainShuffles` around the model,
            where it has channel shuffles: :func:`has_channel_shuffles`),
            ``channels_last`` (weights in the channels-last layout; give
            the module channels-last input). Defaults to all.

    Returns:
        nn.Module: The prepared copy, in eval mode, whose ``forward(x)``
        returns the model's tensor outputs.

    Raises:
        ValueError: If a step is unknown.
    """
    check_steps(steps)
    module = inference_module(copy.deepcopy(model)).eval()
    if 'fold_bn' in steps:
        fold_bn(module)
    if 'pad_channels' in steps:
        pad_branch_channels(module)
    if 'fold_shuffles' in steps:
        fold_channel_shuffles(module)
    if 'pool_as_conv' in steps:
        avg_pools_as_convs(module)
    if 'plain_shuffles' in steps and has_channel_shuffles(module):
        module = PlainShuffles(module)
    if 'channels_last' in steps:
        module = module.to(memory_format=torch.channels_last)
    for param in module.parameters():
        param.requires_grad_(False)
    return module
