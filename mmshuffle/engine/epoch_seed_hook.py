"""Reseed every random generator at the start of each training epoch."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.runner import set_random_seed

from ..registry import HOOKS


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Make each epoch's randomness a function of the seed and the epoch.

    MMEngine seeds the generators once, when the runner starts, and does not
    save their states in checkpoints. A run resumed from the checkpoint of
    epoch ``k`` therefore draws other random numbers (augmentations, data
    loader seeds, dropout) than the run that was interrupted, and ends with
    other weights. Reseeding Python's, NumPy's and torch's generators with
    ``runner.seed + epoch`` before every epoch makes a resumed run repeat the
    uninterrupted one exactly (with ``persistent_workers=False``: persistent
    workers keep their own generators across epochs).

    Args:
        deterministic (bool, optional): Passed to MMEngine's
            ``set_random_seed``; None keeps the runner's setting.
            Defaults to None.
    """

    priority = 'VERY_HIGH'

    def __init__(self, deterministic: Optional[bool] = None) -> None:
        self.deterministic = deterministic

    def before_train_epoch(self, runner) -> None:
        """Reseed with ``runner.seed + runner.epoch``.

        Args:
            runner (Runner): The runner.
        """
        deterministic = self.deterministic
        if deterministic is None:
            deterministic = bool(
                runner.cfg.get('randomness', {}).get('deterministic', False))
        set_random_seed(runner.seed + runner.epoch, deterministic)
