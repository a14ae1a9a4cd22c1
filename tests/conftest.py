"""Test set-up shared by every test."""
import importlib
import os
from typing import Callable, Dict, FrozenSet, Iterator, List

import pytest
import torch
from mmengine.logging import MMLogger

from .helpers import torch_threads

# The folders whose modules take the longest (they train, export and run
# the tools), run first: with a worker per core, the many short tests
# then fill the end instead of one long module running alone.
LONG_FIRST = ('tests/tools/', 'tests/test_wheel.py', 'tests/deploy/',
              'tests/apis/', 'tests/configs/',
              'tests/models/backbones/test_export.py', 'tests/converters/')


def pytest_sessionstart(session):
    """With pytest-xdist workers, train and test the shared digits model
    before they start, on every core (:mod:`tests.tools.tiny_digits`):
    otherwise one worker trains it on one core while the other waits for
    it."""
    config = session.config
    if getattr(config.option, 'numprocesses', None) and not hasattr(
            config, 'workerinput'):
        from .tools.tiny_digits import make_tested_digits, make_trained_digits
        base = config._tmp_path_factory.getbasetemp()
        make_trained_digits(base, threads=len(os.sched_getaffinity(0)))
        make_tested_digits(base)


def pytest_configure(config):
    """In a pytest-xdist worker, run torch on the worker's share of the
    cores: on these 2-core machines, two workers of two threads each wait
    for cores far longer than the tests' small forwards take."""
    workerinput = getattr(config, 'workerinput', None)
    if workerinput:
        cores = len(os.sched_getaffinity(0))
        torch.set_num_threads(max(1, cores // workerinput['workercount']))


def pytest_collection_modifyitems(items):
    """Order the modules: :data:`LONG_FIRST`, then the rest, each group in
    its usual order."""
    def rank(item) -> int:
        path = item.nodeid
        return next((i for i, prefix in enumerate(LONG_FIRST)
                     if path.startswith(prefix)), len(LONG_FIRST))
    items.sort(key=rank)


@pytest.fixture(autouse=True, scope='session')
def backend_cache(tmp_path_factory):
    """Keep the backends that ``optimize`` chooses (and the tools it runs in
    subprocesses) in the test run's own folder, not the user's cache."""
    os.environ['MMSHUFFLE_CACHE_DIR'] = str(
        tmp_path_factory.mktemp('mmshuffle-cache'))


@pytest.fixture(autouse=True, scope='session')
def quiet_mmengine():
    """Keep MMEngine's per-parameter init logs out of test output."""
    MMLogger.get_instance('mmengine').setLevel('WARNING')


# Where backends, forms and precisions are timed and chosen.
choice_module = importlib.import_module('mmshuffle.deploy.backend_choice')


class TimedChoices:
    """Records every choice timed (its candidates' names, sorted, and the
    timing asked for: ``timed``, ``timing``) and, for
    the sets of names in ``winners``, makes the named one the fastest
    without timing, and for those in ``times`` gives the times there;
    other choices are timed for real.

    Args:
        medians (Callable): The real timing function.
    """

    def __init__(self, medians: Callable) -> None:
        self.real_medians = medians
        self.timed: List[List[str]] = []
        self.timing: List[Dict[str, int]] = []
        self.winners: Dict[FrozenSet[str], str] = {}
        self.times: Dict[FrozenSet[str], Dict[str, float]] = {}

    def medians(self, candidates, x, **timing) -> Dict[str, float]:
        """Stands in for ``interleaved_medians``."""
        self.timed.append(sorted(candidates))
        self.timing.append(timing)
        if frozenset(candidates) in self.times:
            return dict(self.times[frozenset(candidates)])
        winner = self.winners.get(frozenset(candidates))
        if winner is None:
            return self.real_medians(candidates, x, **timing)
        return {name: 1.0 if name == winner else 2.0 for name in candidates}


@pytest.fixture
def choices(monkeypatch, tmp_path) -> Iterator[TimedChoices]:
    """The choices made in the test, in a cache of its own, with torch on
    one thread: what is timed depends on the thread count (OpenVINO's
    shuffle forms on more than one), and a test run without workers has
    a thread per core. A test that wants more sets them."""
    monkeypatch.setenv('MMSHUFFLE_CACHE_DIR', str(tmp_path))
    timed = TimedChoices(choice_module.interleaved_medians)
    monkeypatch.setattr(choice_module, 'interleaved_medians', timed.medians)
    with torch_threads(1):
        yield timed


# The digits and a model trained on them, made once per test run, for the
# tests that run the tools.
from .tools.tiny_digits import (  # noqa: E402,F401
    digits_root,
    tested_digits,
    trained_digits,
)
