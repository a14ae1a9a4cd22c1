"""Channel shuffles that copy once and keep the memory layout.

:func:`mmshuffle.models.utils.channel_shuffle` is a view, a transpose and a
``flatten``: after a concatenation that is two copies, and on a
channels-last tensor the ``flatten`` copies into the default layout, so the
next convolution converts it back. The functions here give the same values
in one copy, in the layout of their input: on a tensor whose channels are
innermost (channels-last) they shuffle the ``(N, H, W, C)`` view.
"""
from typing import Tuple

import torch
from torch import Tensor


def channels_innermost(x: Tensor) -> bool:
    """Tell whether a 4-D tensor keeps its channels innermost in memory.

    That is the channels-last layout, or a channel slice of it.

    Args:
        x (Tensor): An ``(N, C, H, W)`` tensor.

    Returns:
        bool: True when the channel stride is 1 and there is more than one
        channel (a single-channel or 1x1 map is both layouts at once: the
        default form is taken).
    """
    return x.stride(1) == 1 and x.shape[1] > 1 and x.shape[2] * x.shape[3] > 1


def interleave(a: Tensor, b: Tensor) -> Tensor:
    """Interleave the channels of two maps: ``a0, b0, a1, b1, ...``.

    Equals ``channel_shuffle(torch.cat((a, b), 1), 2)``, in one copy.

    Args:
        a (Tensor): An ``(N, C, H, W)`` map.
        b (Tensor): A map of the same shape.

    Returns:
        Tensor: The ``(N, 2C, H, W)`` map, channels-last if ``a`` keeps its
        channels innermost.
    """
    if channels_innermost(a):
        nhwc = torch.stack((a.permute(0, 2, 3, 1), b.permute(0, 2, 3, 1)), 4)
        return nhwc.flatten(3).permute(0, 3, 1, 2)
    return torch.stack((a, b), 2).flatten(1, 2)


def interleave_halves(a: Tensor, b: Tensor) -> Tuple[Tensor, Tensor]:
    """The two channel halves of :func:`interleave`, each a dense map.

    ``interleave(a, b).chunk(2, 1)`` gives the same values, but its halves
    are slices: in the channels-last layout neither is dense, and the
    convolution that takes one copies it first. Needs an even number of
    channels in ``a`` (a half must not split a pair).

    Args:
        a (Tensor): An ``(N, C, H, W)`` map, ``C`` even.
        b (Tensor): A map of the same shape.

    Returns:
        tuple[Tensor, Tensor]: The first and second ``C`` channels of
        ``interleave(a, b)``.
    """
    half = a.shape[1] // 2
    return (interleave(a[:, :half], b[:, :half]),
            interleave(a[:, half:], b[:, half:]))


def shuffle_channels(x: Tensor, groups: int) -> Tensor:
    """Channel shuffle that keeps the layout of its input.

    Same values as :func:`mmshuffle.models.utils.channel_shuffle`: channel
    ``g * (C // groups) + i`` becomes channel ``i * groups + g``.

    Args:
        x (Tensor): An ``(N, C, H, W)`` map; ``groups`` divides ``C``.
        groups (int): The number of groups.

    Returns:
        Tensor: The shuffled map, channels-last if ``x`` keeps its channels
        innermost.
    """
    if channels_innermost(x):
        nhwc = x.permute(0, 2, 3, 1).unflatten(3, (groups, -1))
        return nhwc.transpose(3, 4).flatten(3).permute(0, 3, 1, 2)
    return x.unflatten(1, (groups, -1)).transpose(1, 2).flatten(1, 2)


def shuffle_source_channels(channels: int, groups: int) -> Tensor:
    """Where each channel of a shuffled map comes from.

    Args:
        channels (int): The number of channels; ``groups`` divides it.
        groups (int): The number of groups of the shuffle.

    Returns:
        Tensor: ``source`` such that ``shuffled[:, j] == x[:, source[j]]``.
    """
    per_group = channels // groups
    index = torch.arange(channels)
    return (index % groups) * per_group + index // groups
