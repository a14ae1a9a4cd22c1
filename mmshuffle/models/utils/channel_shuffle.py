"""Channel shuffle, the operation that lets grouped convolutions talk.

Both functions copy once and keep the memory layout of their input: on a
map whose channels are innermost (channels-last) they shuffle the
``(N, H, W, C)`` view. The plain view-transpose-flatten form would copy a
channels-last map into the default layout, and the next convolution would
convert it back (forward and backward), which made channels-last training
of ShuffleNet V2 slower than it needs to be.

Traced (``torch.jit.trace``) or exported (``torch.export``, under which
the ONNX export runs), :func:`channel_shuffle` gathers the channels in
their shuffled order instead.

Inside :func:`plain_shuffles`, both take the plain form instead: the
concatenation, then the reshape-transpose-reshape that converters such as
pnnx recognise as one channel-shuffle layer (ncnn's ``ShuffleChannel``).
"""
import contextlib
from typing import Iterator

import torch
from torch import Tensor

# Whether the shuffles take the plain form (see plain_shuffles).
_plain = False


@contextlib.contextmanager
def plain_shuffles() -> Iterator[None]:
    """Within the block, :func:`channel_shuffle` and :func:`interleave`
    concatenate and shuffle in the plain form, for an export whose
    converter maps it to one channel-shuffle layer.

    Yields:
        None
    """
    global _plain
    before, _plain = _plain, True
    try:
        yield
    finally:
        _plain = before


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
        Tensor: The shuffled tensor, of the same shape and layout.

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
    if torch.jit.is_tracing() or (torch.compiler.is_exporting()
                                  and not _plain):
        # A gather of the channels in their shuffled order. TorchScript's
        # tracer (torch.jit.trace, and the TorchScript-based ONNX exporter,
        # dynamo=False) records the reshape below with the traced batch,
        # height and width wherever it can tell them, and the graph then
        # fails at any other size; the gather reads no size at all. In
        # torch.export's graphs (the ONNX export) ONNX Runtime and OpenVINO
        # ran the gather faster than the reshape-transpose-reshape, which
        # OpenVINO makes its ShuffleChannels.
        order = torch.arange(channels, device=x.device).view(groups, -1)
        return x.index_select(1, order.t().flatten())
    if channels_innermost(x) and not _plain:
        nhwc = x.permute(0, 2, 3, 1).unflatten(3, (groups, -1))
        return nhwc.transpose(3, 4).flatten(3).permute(0, 3, 1, 2)
    return x.unflatten(1, (groups, -1)).transpose(1, 2).flatten(1, 2)


def interleave(a: Tensor, b: Tensor) -> Tensor:
    """Interleave the channels of two maps: ``a0, b0, a1, b1, ...``.

    Equals ``channel_shuffle(torch.cat((a, b), 1), 2)``, the end of a
    ShuffleNet V2 unit, in one copy instead of two.

    Args:
        a (Tensor): An ``(N, C, H, W)`` map.
        b (Tensor): A map of the same shape.

    Returns:
        Tensor: The ``(N, 2C, H, W)`` map, channels-last if ``a`` keeps its
        channels innermost.
    """
    if _plain:
        return channel_shuffle(torch.cat((a, b), 1), 2)
    if channels_innermost(a):
        nhwc = torch.stack((a.permute(0, 2, 3, 1), b.permute(0, 2, 3, 1)), 4)
        return nhwc.flatten(3).permute(0, 3, 1, 2)
    return torch.stack((a, b), 2).flatten(1, 2)

