"""Interleaved timing: the fair way to compare on a shared machine.

Run one after the other, candidates see different loads; interleaved in
rounds, each sees the same drift, and the median over rounds ignores the
rounds another process spoiled. With several threads, a runtime's workers
can still hold the cores when the next one starts (PyTorch's OpenMP
threads spin for a while after a call): each candidate's calls in a round
start with one untimed call, which pays for its neighbour, and each round
takes the candidates in a new order, so that no candidate always follows
the same one. Without the untimed call, on two threads, ONNX Runtime and
OpenVINO timed beside PyTorch's backends ran slower than beside each
other alone, OpenVINO the more, which turned the choice between them
(docs/benchmarks.md).
"""
import functools
import random
import statistics
import time
from typing import Callable, Dict, Hashable, List, Mapping, TypeVar

import torch
from torch import Tensor

Key = TypeVar('Key', bound=Hashable)


def interleaved_rounds(candidates: Mapping[Key, Callable[[], object]],
                       rounds: int,
                       calls: int = 1,
                       warmup: int = 1) -> Dict[Key, List[float]]:
    """Time functions of no argument, interleaved, round by round.

    Each round calls every candidate once untimed, then ``calls`` times in
    a row, and records the mean time per timed call; each round takes the
    candidates in an order of its own (shuffled, the same from run to
    run). Two candidates' times in the same round saw the same load: their
    ratio round by round shows how far a comparison is from the noise.

    Args:
        candidates (Mapping[Hashable, Callable]): The functions, by key.
        rounds (int): How many rounds.
        calls (int): Timed calls per candidate and round. Defaults to 1.
        warmup (int): Untimed calls of each first. Defaults to 1.

    Returns:
        dict: Each candidate's seconds per call, one per round, in the
        order of the rounds.

    Raises:
        ValueError: If ``rounds`` or ``calls`` is below 1.
    """
    if rounds < 1 or calls < 1:
        raise ValueError(f'rounds and calls must be at least 1, got '
                         f'rounds={rounds}, calls={calls}')
    keys = list(candidates)
    samples: Dict[Key, list] = {key: [] for key in keys}
    for key in keys:
        for _ in range(warmup):
            candidates[key]()
    orders = random.Random(0)
    for _ in range(rounds):
        order = list(keys)
        orders.shuffle(order)
        for key in order:
            function = candidates[key]
            function()  # pays for the last candidate's lingering workers
            start = time.perf_counter()
            for _ in range(calls):
                function()
            samples[key].append((time.perf_counter() - start) / calls)
    return samples


def medians(rounds: Mapping[Key, List[float]]) -> Dict[Key, float]:
    """Each candidate's median over its rounds.

    Args:
        rounds (Mapping[Hashable, list[float]]): Times by candidate, as
            :func:`interleaved_rounds` gives them.

    Returns:
        dict: The median of each.
    """
    return {key: statistics.median(times) for key, times in rounds.items()}


def interleaved(candidates: Mapping[Key, Callable[[], object]],
                rounds: int,
                calls: int = 1,
                warmup: int = 1) -> Dict[Key, float]:
    """Time functions of no argument, interleaved, and take medians: the
    arguments, defaults and errors of :func:`interleaved_rounds`.

    Returns:
        dict: The median seconds per call of each candidate.
    """
    return medians(interleaved_rounds(candidates, rounds, calls, warmup))


def inference_rounds(candidates: Mapping[str, Callable[[Tensor], object]],
                     x: Tensor,
                     rounds: int = 15,
                     calls: int = 5,
                     warmup: int = 3) -> Dict[str, List[float]]:
    """Time inference callables on one input, without autograd,
    interleaved, round by round (:func:`interleaved_rounds`).

    Args:
        candidates (Mapping[str, Callable]): The callables, by name.
        x (Tensor): The input each is called with.
        rounds (int): How many rounds. Defaults to 15.
        calls (int): Calls per candidate and round. Defaults to 5.
        warmup (int): Untimed calls of each first. Defaults to 3.

    Returns:
        dict[str, list[float]]: Each candidate's seconds per call, one per
        round.

    Raises:
        ValueError: If ``rounds`` or ``calls`` is below 1.
    """
    with torch.no_grad():
        return interleaved_rounds(
            {name: functools.partial(function, x)
             for name, function in candidates.items()}, rounds, calls,
            warmup)


def interleaved_medians(candidates: Mapping[str, Callable[[Tensor], object]],
                        x: Tensor,
                        rounds: int = 15,
                        calls: int = 5,
                        warmup: int = 3) -> Dict[str, float]:
    """Time inference callables on one input, without autograd,
    interleaved, and take medians: the arguments, defaults and errors of
    :func:`inference_rounds`.

    Returns:
        dict[str, float]: The median seconds per call of each candidate.
    """
    return medians(inference_rounds(candidates, x, rounds, calls, warmup))
