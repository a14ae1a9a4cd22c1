"""Fixtures of the deploy tests."""
import importlib
from typing import Callable, Dict, FrozenSet, List

import pytest

# Where backends, forms and precisions are timed and chosen.
choice_module = importlib.import_module('mmshuffle.deploy.backend_choice')


class TimedChoices:
    """Records every choice timed (its candidates' names, sorted) and, for
    the sets of names in ``winners``, makes the named one the fastest
    without timing; other choices are timed for real.

    Args:
        medians (Callable): The real timing function.
    """

    def __init__(self, medians: Callable) -> None:
        self.real_medians = medians
        self.timed: List[List[str]] = []
        self.winners: Dict[FrozenSet[str], str] = {}

    def medians(self, candidates, x, **timing) -> Dict[str, float]:
        """Stands in for ``interleaved_medians``."""
        self.timed.append(sorted(candidates))
        winner = self.winners.get(frozenset(candidates))
        if winner is None:
            return self.real_medians(candidates, x, **timing)
        return {name: 1.0 if name == winner else 2.0 for name in candidates}


@pytest.fixture
def choices(monkeypatch, tmp_path) -> TimedChoices:
    """The choices made in the test, in a cache of its own."""
    monkeypatch.setenv('MMSHUFFLE_CACHE_DIR', str(tmp_path))
    timed = TimedChoices(choice_module.interleaved_medians)
    monkeypatch.setattr(choice_module, 'interleaved_medians', timed.medians)
    return timed
