"""Interleaved timing: every candidate is timed in every round, in an order
of the round's own, after an untimed call; the rounds are kept, and each
one's median taken."""
import time

import pytest
import torch

from mmshuffle.deploy.timing import (
    inference_rounds,
    interleaved,
    interleaved_medians,
    interleaved_rounds,
    medians,
)


def test_each_round_takes_its_own_order_and_medians_are_taken():
    calls = []
    candidates = {name: (lambda name=name: calls.append(name))
                  for name in 'abc'}
    times = interleaved(candidates, rounds=12, warmup=1)
    assert set(times) == set('abc')
    assert all(seconds >= 0 for seconds in times.values())
    assert calls[:3] == list('abc')  # the warm-up
    # Each round: every candidate twice in a row (untimed, then timed).
    rounds = [''.join(calls[start:start + 6:2])
              for start in range(3, len(calls), 6)]
    assert calls[3:] == [name for order in rounds for name in order
                         for _ in range(2)]
    assert all(sorted(order) == list('abc') for order in rounds)
    # No candidate always follows the same one.
    for name in 'abc':
        before = {order[order.index(name) - 1] for order in rounds
                  if order.index(name) > 0}
        assert len(before) == 2
    # The orders are the same from run to run.
    calls.clear()
    interleaved(candidates, rounds=12, warmup=1)
    assert [''.join(calls[start:start + 6:2])
            for start in range(3, len(calls), 6)] == rounds


def test_the_rounds_are_kept_in_order_and_medians_taken_from_them():
    # A candidate that gets slower every call (the warm-up, then an untimed
    # and a timed call a round): its rounds rise in order, the last timed
    # call sleeping 12 ms.
    delays = iter([0.0, 0.0] + [0.002 * n for n in range(7)])

    def slower():
        time.sleep(next(delays))

    rounds = interleaved_rounds({'slower': slower, 'other': lambda: None},
                                rounds=4, warmup=1)
    assert [len(times) for times in rounds.values()] == [4, 4]
    assert rounds['slower'] == sorted(rounds['slower'])
    assert rounds['slower'][-1] >= 0.012 > rounds['slower'][0]
    assert medians({'a': [3.0, 1.0, 2.0], 'b': [1.0]}) == {'a': 2.0,
                                                            'b': 1.0}


def test_a_candidate_does_not_pay_for_the_one_before():
    # Each call right after another candidate's is slow, as a runtime's is
    # while PyTorch's OpenMP threads still spin: only that untimed call.
    last = []

    def candidate(name):
        def call():
            if last[-1:] != [name]:
                time.sleep(0.05)
            last.append(name)
        return call

    times = interleaved({name: candidate(name) for name in 'ab'},
                        rounds=3, calls=1, warmup=0)
    assert all(seconds < 0.025 for seconds in times.values()), times


@pytest.mark.parametrize('timing', [interleaved_medians, inference_rounds])
def test_inference_runs_without_autograd(timing):
    x = torch.ones(1, requires_grad=True)
    seen = []
    timing({'f': lambda t: seen.append((t * 2).requires_grad)}, x,
           rounds=1, calls=1, warmup=0)
    assert seen == [False, False]  # the untimed call and the timed one


@pytest.mark.parametrize('rounds, calls', [(0, 1), (1, 0)])
def test_at_least_one_round_and_call(rounds, calls):
    with pytest.raises(ValueError, match='must be at least 1'):
        interleaved({'f': lambda: None}, rounds=rounds, calls=calls)
