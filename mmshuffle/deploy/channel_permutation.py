"""Reorder the channels a convolution takes or makes, by moving weights.

A permutation of the channels a layer receives can be undone inside the
layer: a dense convolution takes its input columns in the new order, a
depthwise convolution (and the batch norm after it) moves its per-channel
weights, and then makes its output in the new order too. Both compute the
same products; a dense convolution sums them in another order, which
changes the result by float rounding only.

``source`` below always says where each channel of the expected input
comes from: ``expected[:, j] == received[:, source[j]]``.
"""
from mmcv.cnn import ConvModule
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm


def _scatter(tensor: Tensor, source: Tensor, dim: int) -> Tensor:
    """Return ``new`` with ``new.index_select(dim, source) == tensor``."""
    new = tensor.new_empty(tensor.shape)
    new.index_copy_(dim, source, tensor)
    return new


def permute_dense_input(conv: nn.Conv2d, source: Tensor) -> None:
    """Make a dense convolution take its input channels in another order.

    Args:
        conv (nn.Conv2d): A convolution with ``groups=1``; changed in place.
        source (Tensor): Where each expected input channel comes from.

    Raises:
        ValueError: If the convolution is grouped or ``source`` does not
            have one entry per input channel.
    """
    if conv.groups != 1 or len(source) != conv.in_channels:
        raise ValueError(
            f'permute_dense_input: needs a dense convolution with '
            f'{len(source)} input channels, got {conv}')
    conv.weight.data = _scatter(conv.weight.data, source, 1)


def can_permute_depthwise(module: nn.Module) -> bool:
    """Tell whether :func:`permute_depthwise` can reorder a module.

    Args:
        module (nn.Module): The module.

    Returns:
        bool: True for a :class:`ConvModule` around a depthwise
        convolution, followed by no norm or by a batch norm.
    """
    if not isinstance(module, ConvModule):
        return False
    conv = module.conv
    depthwise = (isinstance(conv, nn.Conv2d)
                 and conv.groups == conv.in_channels == conv.out_channels)
    norm = module.norm if module.with_norm else None
    return depthwise and (norm is None or isinstance(norm, (_BatchNorm,
                                                             nn.Identity)))


def permute_depthwise(module: ConvModule, source: Tensor) -> None:
    """Make a depthwise :class:`ConvModule` run on reordered channels.

    Its per-channel weights (convolution and batch norm) move with their
    channels, so it takes its input, and makes its output, in the received
    order.

    Args:
        module (ConvModule): See :func:`can_permute_depthwise`; changed in
            place.
        source (Tensor): Where each expected input channel comes from.

    Raises:
        ValueError: If the module cannot be reordered.
    """
    if not can_permute_depthwise(module) or \
            len(source) != module.conv.in_channels:
        raise ValueError('permute_depthwise: needs a depthwise ConvModule '
                         f'with {len(source)} channels and a batch norm or '
                         f'none, got {module}')
    tensors = [module.conv.weight, module.conv.bias]
    if module.with_norm and isinstance(module.norm, _BatchNorm):
        norm = module.norm
        tensors += [norm.weight, norm.bias, norm.running_mean,
                    norm.running_var]
    for tensor in tensors:
        if tensor is not None:
            tensor.data = _scatter(tensor.data, source, 0)
