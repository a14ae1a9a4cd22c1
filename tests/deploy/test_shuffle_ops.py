"""The deploy path's shuffle helpers agree with the backbones' shuffles."""
import pytest
import torch

from mmshuffle.deploy.shuffle_ops import (
    interleave_halves,
    shuffle_source_channels,
)
from mmshuffle.models.utils import channel_shuffle, interleave

LAYOUTS = [torch.contiguous_format, torch.channels_last]


def maps(channels, layout, batch=2):
    torch.manual_seed(0)
    return [torch.randn(batch, channels, 5, 6).contiguous(memory_format=layout)
            for _ in range(2)]


@pytest.mark.parametrize('layout', LAYOUTS)
def test_interleave_halves_are_dense_chunks(layout):
    a, b = maps(6, layout)
    first, second = interleave_halves(a, b)
    expected = interleave(a, b).chunk(2, 1)
    assert torch.equal(first, expected[0])
    assert torch.equal(second, expected[1])
    assert first.is_contiguous(memory_format=layout)
    assert second.is_contiguous(memory_format=layout)


@pytest.mark.parametrize('groups', [2, 3])
def test_source_channels_say_where_each_channel_comes_from(groups):
    x = maps(12, torch.contiguous_format)[0]
    source = shuffle_source_channels(12, groups)
    assert torch.equal(channel_shuffle(x, groups), x[:, source])
