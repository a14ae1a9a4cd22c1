"""Test set-up shared by every test."""
import pytest
from mmengine.logging import MMLogger


@pytest.fixture(autouse=True, scope='session')
def quiet_mmengine():
    """Keep MMEngine's per-parameter init logs out of test output."""
    MMLogger.get_instance('mmengine').setLevel('WARNING')
