"""Training and testing hooks, registered in
:data:`mmshuffle.registry.HOOKS`."""
from .epoch_seed_hook import EpochSeedHook
from .progress_bar_hook import ProgressBarHook

__all__ = ['EpochSeedHook', 'ProgressBarHook']
