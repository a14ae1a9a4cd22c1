"""Test set-up shared by every test."""
import pytest
from mmengine.logging import MMLogger


@pytest.fixture(autouse=True, scope='session')
def quiet_mmengine():
    """Keep MMEngine's per-parameter init logs out of test output."""
    MMLogger.get_instance('mmengine').setLevel('WARNING')


# The digits, written once per session, for the tests that run the tools.
from .tools.tiny_digits import digits_root  # noqa: E402,F401
