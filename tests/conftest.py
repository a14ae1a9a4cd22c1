"""Test set-up shared by every test."""
import pytest
import torch
from mmengine.logging import MMLogger


@pytest.fixture(autouse=True, scope='session')
def quiet_mmengine():
    """Keep MMEngine's per-parameter init logs out of test output."""
    MMLogger.get_instance('mmengine').setLevel('WARNING')


@pytest.fixture(scope='module')
def one_thread():
    """Run a module's tests on one torch thread: on these shared 2-core
    machines a second thread waits for a core far longer than the tiny
    forwards take. Modules ask for it with
    ``pytestmark = pytest.mark.usefixtures('one_thread')``."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# The digits and a model trained on them, made once per test run, for the
# tests that run the tools.
from .tools.tiny_digits import (  # noqa: E402,F401
    digits_root,
    tested_digits,
    trained_digits,
)
