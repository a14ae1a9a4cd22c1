import pytest

from mmshuffle.benchmark.sgemm import sgemm_gflops


def test_measures_a_positive_rate():
    assert sgemm_gflops(size=64, repeats=2) > 0


@pytest.mark.parametrize('kwargs', [dict(size=0), dict(repeats=0)])
def test_rejects_sizes_below_one(kwargs):
    with pytest.raises(ValueError, match='must be at least 1'):
        sgemm_gflops(**kwargs)
