import pytest

from mmshuffle.models.utils import (
    check_choice,
    check_int_in_range,
    check_out_indices,
    check_positive_number,
)


def test_check_choice_accepts_ints_for_floats():
    check_choice('widen_factor', 1, (0.5, 1.0))


@pytest.mark.parametrize('check, exception, pattern', [
    (lambda: check_choice('g', 5, (1, 2)), ValueError,
     r'g must be one of \(1, 2\), got 5'),
    (lambda: check_choice('g', '1', (1, 2)), TypeError, r"got '1' of type"),
    (lambda: check_choice('g', True, (1, 2)), TypeError, r'type bool'),
    (lambda: check_positive_number('w', 0), ValueError, r'w must be a '
     r'positive number, got 0'),
    (lambda: check_positive_number('w', None), TypeError, r'NoneType'),
    (lambda: check_int_in_range('k', 4, -1, 3), ValueError,
     r'k must be an int from -1 to 3, got 4'),
    (lambda: check_int_in_range('k', 1.0, -1, 3), TypeError, r'float'),
    (lambda: check_out_indices([], 3), ValueError, r'at least one stage'),
    (lambda: check_out_indices(2, 3), TypeError, r'sequence'),
    (lambda: check_out_indices((0, 3), 3), ValueError, r'from 0 to 2, got 3'),
])
def test_checks_name_argument_value_and_allowed(check, exception, pattern):
    with pytest.raises(exception, match=pattern):
        check()
