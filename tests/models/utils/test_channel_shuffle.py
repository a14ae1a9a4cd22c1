import pytest
import torch

from mmshuffle.models.utils import (
    channel_shuffle,
    channels_innermost,
    interleave,
    plain_shuffles,
)

LAYOUTS = [torch.contiguous_format, torch.channels_last]


def channels_of(x):
    return x[0, :, 0, 0].long().tolist()


@pytest.mark.parametrize('channels, groups, expected', [
    (6, 2, [0, 3, 1, 4, 2, 5]),
    (6, 3, [0, 2, 4, 1, 3, 5]),
    (4, 1, [0, 1, 2, 3]),
])
def test_channel_shuffle_interleaves_groups(channels, groups, expected):
    x = torch.arange(channels, dtype=torch.float).view(1, -1, 1, 1)
    assert channels_of(channel_shuffle(x.expand(2, -1, 3, 3), groups)) == \
        expected


def test_channel_shuffle_is_undone_by_the_transposed_shuffle():
    x = torch.randn(2, 12, 5, 5)
    assert torch.equal(channel_shuffle(channel_shuffle(x, 3), 4), x)


def test_channel_shuffle_rejects_channels_not_divisible_by_groups():
    with pytest.raises(ValueError, match=r'\(10\).*groups \(3\)'):
        channel_shuffle(torch.zeros(1, 10, 2, 2), 3)


@pytest.mark.parametrize('layout', LAYOUTS)
@pytest.mark.parametrize('groups', [2, 3])
def test_channel_shuffle_keeps_the_layout(layout, groups):
    x = torch.randn(2, 12, 5, 6)
    expected = x.unflatten(1, (groups, -1)).transpose(1, 2).flatten(1, 2)
    out = channel_shuffle(x.contiguous(memory_format=layout), groups)
    assert torch.equal(out, expected)
    assert out.is_contiguous(memory_format=layout)


@pytest.mark.parametrize('layout', LAYOUTS)
def test_interleave_is_cat_then_shuffle(layout):
    a, b = (torch.randn(2, 6, 5, 6).contiguous(memory_format=layout)
            for _ in range(2))
    out = interleave(a, b)
    assert torch.equal(out, channel_shuffle(torch.cat((a, b), 1), 2))
    assert out.is_contiguous(memory_format=layout)


class Shuffle(torch.nn.Module):

    def forward(self, x):
        return channel_shuffle(x, 3)


def exported_ops(x):
    program = torch.export.export(Shuffle(), (x, ))
    return program, {
        str(node.target).split('.')[1]
        for node in program.graph.nodes if node.op == 'call_function'
    }


def test_an_export_gathers_the_channels_unless_plain_shuffles():
    x = torch.randn(2, 12, 5, 6)
    program, ops = exported_ops(x)
    assert 'index_select' in ops and 'permute' not in ops, ops
    assert 'transpose' not in ops, ops
    assert torch.equal(program.module()(x), channel_shuffle(x, 3))
    with plain_shuffles():
        _, ops = exported_ops(x)
    assert 'index_select' not in ops, ops


def test_interleave_backpropagates_to_both_maps():
    a, b = (torch.randn(1, 4, 3, 3, requires_grad=True) for _ in range(2))
    weights = torch.randn(1, 8, 3, 3)
    (interleave(a, b) * weights).sum().backward()
    assert torch.equal(a.grad, weights[:, 0::2])
    assert torch.equal(b.grad, weights[:, 1::2])


def test_channels_innermost():
    x = torch.randn(1, 4, 3, 3)
    assert not channels_innermost(x)
    assert channels_innermost(x.contiguous(memory_format=torch.channels_last))
    assert channels_innermost(
        x.contiguous(memory_format=torch.channels_last)[:, 1:3])
    assert not channels_innermost(torch.randn(1, 4, 1, 1))
