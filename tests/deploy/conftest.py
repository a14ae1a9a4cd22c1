"""Set-up of the deploy tests."""
import pytest


@pytest.fixture(autouse=True)
def deploy_on_one_thread(one_thread):
    """Every deploy test runs on one thread (see ``one_thread``)."""
