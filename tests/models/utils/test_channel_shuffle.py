import pytest
import torch

from mmshuffle.models.utils import channel_shuffle


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
