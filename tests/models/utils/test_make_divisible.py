import pytest

from mmshuffle.models.utils import make_divisible


@pytest.mark.parametrize('value, divisor, expected', [
    (11.2, 8, 16),  # rounding down to 8 would lose more than 10%
    (12, 8, 16),
    (60, 8, 64),
    (3, 8, 8),  # never below the divisor
    (100, 8, 104),
    (60, 12, 60),
])
def test_make_divisible(value, divisor, expected):
    assert make_divisible(value, divisor) == expected


def test_make_divisible_agrees_with_mmpretrain():
    from mmpretrain.models.utils import make_divisible as reference
    for tenths in range(1, 3000):
        for divisor in (4, 8, 12, 16):
            assert make_divisible(tenths / 10, divisor) == reference(
                tenths / 10, divisor)
