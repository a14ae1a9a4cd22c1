"""Interleaved timing: every candidate is timed in every round, in an order
that rotates, and the result is each one's median."""
import pytest
import torch

from mmshuffle.deploy.timing import interleaved, interleaved_medians


def test_rounds_rotate_the_order_and_take_medians():
    calls = []
    candidates = {name: (lambda name=name: calls.append(name))
                  for name in 'abc'}
    times = interleaved(candidates, rounds=3, warmup=1)
    assert set(times) == set('abc')
    assert all(seconds >= 0 for seconds in times.values())
    assert calls == list('abc') + list('abc') + list('bca') + list('cab')


def test_inference_runs_without_autograd():
    x = torch.ones(1, requires_grad=True)
    seen = []
    interleaved_medians({'f': lambda t: seen.append((t * 2).requires_grad)},
                        x, rounds=1, calls=1, warmup=0)
    assert seen == [False]


@pytest.mark.parametrize('rounds, calls', [(0, 1), (1, 0)])
def test_at_least_one_round_and_call(rounds, calls):
    with pytest.raises(ValueError, match='must be at least 1'):
        interleaved({'f': lambda: None}, rounds=rounds, calls=calls)
