"""mmshuffle.cli.int8_check: the line printed where a reduced precision ran
slower than the fp32 deploy path (the accuracy checks run in
tests/tools/test_quantize.py)."""
import pytest

from mmshuffle.cli.int8_check import PRECISIONS, slower_than_fp32


@pytest.mark.parametrize('precision', PRECISIONS)
def test_a_slower_reduced_precision_names_the_faster_fp32_path(precision):
    assert slower_than_fp32({'fp32 deploy': 3.7, precision: 2.3},
                            precision) is None
    note = slower_than_fp32({'fp32 deploy': 3.74, precision: 6.1},
                            precision)
    assert note == (f'note: {precision.upper()} ran slower here than the '
                    'fp32 deploy path (6.10 ms against 3.74 ms): on this '
                    "CPU, optimize(model, x) with precision='fp32' is "
                    'faster')
