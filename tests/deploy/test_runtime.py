"""OptimizedModel: what optimize returns, a batch in chunks."""
import pytest
import torch

from mmshuffle.deploy import OptimizedModel


def test_a_batch_in_chunks_gives_the_whole_batch_s_outputs():
    calls = []

    def runner(x):  # a backbone's two outputs, per image
        calls.append(len(x))
        return [x.sum((1, 2, 3)), x.mean(1)]

    whole = OptimizedModel(runner, 'eager', (), False, tuple_output=True)
    chunked = whole.in_chunks(2)
    assert whole.chunk_size is None and chunked.runner is runner
    x = torch.randn(5, 3, 8, 8)
    expected = whole(x)
    assert calls == [5]
    actual = chunked(x)
    assert calls[1:] == [2, 2, 1]  # the last chunk holds what is left
    assert len(actual) == 2
    for a, e in zip(actual, expected):
        torch.testing.assert_close(a, e)
    calls.clear()
    chunked(x[:2])  # no larger than a chunk: one call
    assert calls == [2]
    assert chunked.description == 'eager, chunks of 2'
    assert 'chunk_size=2' in repr(chunked)
    with pytest.raises(ValueError, match='chunk_size must be at least 1, '
                       'got 0'):
        whole.in_chunks(0)
