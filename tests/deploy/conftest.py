"""Set-up of the deploy tests."""
import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    """Run on one thread: these 2-core machines are shared, and two threads
    competing with another process's are many times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
