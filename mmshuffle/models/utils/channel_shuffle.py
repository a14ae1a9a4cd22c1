"""Channel shuffle, the operation that lets grouped convolutions talk."""
import torch
from torch import Tensor


def channel_shuffle(x: Tensor, groups: int) -> Tensor:
    """Interleave the channels of ``groups`` equal channel groups.

    Channel ``g * (C // groups) + i`` of the input becomes channel
    ``i * groups + g`` of the output (ShuffleNet, arXiv 1707.01083, Fig. 1c).

    Modules that call it inside a forward declare it a ``torch.fx`` leaf with
    ``torch.fx.wrap('channel_shuffle')``, so that a symbolic trace keeps it as
    one node, and its check, which reads the shape, runs at call time.

    Args:
        x (Tensor): An ``(N, C, H, W)`` tensor.
        groups (int): The number of groups; must divide ``C``.

    Returns:
        Tensor: The shuffled tensor, of the same shape.

    Raises:
        ValueError: If ``groups`` does not divide the number of channels.
    """
    channels = x.shape[1]
    # Under torch.jit.trace shapes are tensors and the check would be baked
    # into the trace as a constant: the traced convolutions check instead.
    if not torch.jit.is_tracing() and channels % groups != 0:
        raise ValueError(
            f'channel_shuffle: the number of channels ({channels}) must be '
            f'divisible by groups ({groups})')
    return x.unflatten(1, (groups, -1)).transpose(1, 2).flatten(1, 2)

