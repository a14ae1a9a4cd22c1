"""The one-copy shuffles equal the backbones' channel_shuffle."""
import pytest
import torch

from mmshuffle.deploy.shuffle_ops import (channels_innermost, interleave,
                                          interleave_halves, shuffle_channels,
                                          shuffle_source_channels)
from mmshuffle.models.utils import channel_shuffle

LAYOUTS = [torch.contiguous_format, torch.channels_last]


def maps(channels, layout, batch=2):
    torch.manual_seed(0)
    return [torch.randn(batch, channels, 5, 6).contiguous(memory_format=layout)
            for _ in range(2)]


@pytest.mark.parametrize('layout', LAYOUTS)
def test_interleave_is_cat_then_shuffle(layout):
    a, b = maps(6, layout)
    out = interleave(a, b)
    assert torch.equal(out, channel_shuffle(torch.cat((a, b), 1), 2))
    assert out.is_contiguous(memory_format=layout)


@pytest.mark.parametrize('layout', LAYOUTS)
def test_interleave_halves_are_dense_chunks(layout):
    a, b = maps(6, layout)
    first, second = interleave_halves(a, b)
    expected = interleave(a, b).chunk(2, 1)
    assert torch.equal(first, expected[0])
    assert torch.equal(second, expected[1])
    assert first.is_contiguous(memory_format=layout)
    assert second.is_contiguous(memory_format=layout)


@pytest.mark.parametrize('layout', LAYOUTS)
@pytest.mark.parametrize('groups', [2, 3])
def test_shuffle_channels_keeps_the_layout(layout, groups):
    x = maps(12, layout)[0]
    out = shuffle_channels(x, groups)
    assert torch.equal(out, channel_shuffle(x, groups))
    assert out.is_contiguous(memory_format=layout)


@pytest.mark.parametrize('groups', [2, 3])
def test_source_channels_say_where_each_channel_comes_from(groups):
    x = maps(12, torch.contiguous_format)[0]
    source = shuffle_source_channels(12, groups)
    assert torch.equal(channel_shuffle(x, groups), x[:, source])


def test_channels_innermost():
    x = torch.randn(1, 4, 3, 3)
    assert not channels_innermost(x)
    assert channels_innermost(x.contiguous(memory_format=torch.channels_last))
    assert channels_innermost(
        x.contiguous(memory_format=torch.channels_last)[:, 1:3])
    assert not channels_innermost(torch.randn(1, 4, 1, 1))
