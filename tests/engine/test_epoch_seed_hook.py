import random
from types import SimpleNamespace

import numpy as np
import torch

from mmshuffle.engine import EpochSeedHook


def draws():
    return random.random(), np.random.rand(), torch.rand(1).item()


def test_each_epoch_starts_from_the_same_random_state():
    hook = EpochSeedHook()
    runner = SimpleNamespace(seed=3, epoch=2, cfg={})
    hook.before_train_epoch(runner)
    first = draws()
    draws()  # whatever happened since, e.g. an interrupted epoch
    hook.before_train_epoch(runner)
    assert draws() == first
    runner.epoch = 3
    hook.before_train_epoch(runner)
    assert draws() != first
