"""The matrix-multiply rate at each precision: a positive number, and
clear errors."""
import pytest

from mmshuffle.benchmark.gemm import PRECISIONS, gemm_gops


@pytest.mark.parametrize('precision', PRECISIONS)
def test_each_precision_gives_a_rate(precision):
    assert gemm_gops(precision, size=64, repeats=2) > 0


@pytest.mark.parametrize('kwargs, message', [
    (dict(size=0), 'size and repeats must be at least 1'),
    (dict(repeats=0), 'size and repeats must be at least 1'),
    (dict(precision='fp8'), "precision must be one of .*'fp8'"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gemm_gops(**kwargs)
