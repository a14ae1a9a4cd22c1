"""Shuffle helpers of the deploy path: dense halves of an interleave, and
where each channel of a shuffle comes from (to fold it into weights)."""
from typing import Tuple

import torch
from torch import Tensor

from ..models.utils import interleave


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
