"""Rounding of channel counts to hardware-friendly multiples."""
from typing import Optional


def make_divisible(value: float,
                   divisor: int,
                   min_value: Optional[int] = None,
                   min_ratio: float = 0.9) -> int:
    """Round a channel count to the nearest multiple of ``divisor``.

    The result is never below ``min_value`` and never more than
    ``1 - min_ratio`` below ``value`` (then it is raised by one ``divisor``).
    This is the rounding used by MobileNetV2 and by mmpretrain's backbones,
    so channel counts, and therefore checkpoints, agree with theirs.

    Args:
        value (float): The channel count before rounding.
        divisor (int): The multiple to round to.
        min_value (int, optional): The smallest result allowed.
            Defaults to None, meaning ``divisor``.
        min_ratio (float): The smallest allowed ratio of the result to
            ``value``. Defaults to 0.9.

    Returns:
        int: The rounded channel count.
    """
    if min_value is None:
        min_value = divisor
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if rounded < min_ratio * value:
        rounded += divisor
    return rounded
