"""Interleaved timing: the fair way to compare on a shared machine.

Run one after the other, candidates see different loads; interleaved in
rounds, each sees the same drift, and the median over rounds ignores the
rounds another process spoiled.
"""
import statistics
import time
from typing import Callable, Dict, Mapping

import torch
from torch import Tensor


def interleaved_medians(candidates: Mapping[str, Callable[[Tensor], object]],
                        x: Tensor,
                        rounds: int = 15,
                        calls: int = 5,
                        warmup: int = 3) -> Dict[str, float]:
    """Time callables on one input, interleaved, and take medians.

    Each round calls every candidate ``calls`` times in a row and records
    the mean time per call; the order of the candidates rotates from round
    to round.

    Args:
        candidates (Mapping[str, Callable]): The callables, by name.
        x (Tensor): The input each is called with.
        rounds (int): How many rounds. Defaults to 15.
        calls (int): Calls per candidate and round. Defaults to 5.
        warmup (int): Untimed calls of each first. Defaults to 3.

    Returns:
        dict[str, float]: The median seconds per call of each candidate.

    Raises:
        ValueError: If ``rounds`` or ``calls`` is below 1.
    """
    if rounds < 1 or calls < 1:
        raise ValueError(f'rounds and calls must be at least 1, got '
                         f'rounds={rounds}, calls={calls}')
    names = list(candidates)
    samples: Dict[str, list] = {name: [] for name in names}
    with torch.no_grad():
        for name in names:
            for _ in range(warmup):
                candidates[name](x)
        for index in range(rounds):
            shift = index % len(names)
            for name in names[shift:] + names[:shift]:
                function = candidates[name]
                start = time.perf_counter()
                for _ in range(calls):
                    function(x)
                samples[name].append((time.perf_counter() - start) / calls)
    return {name: statistics.median(times) for name, times in samples.items()}
