"""Training and testing hooks, registered in
:data:`mmshuffle.registry.HOOKS`."""
from .channels_last_hook import ChannelsLastHook
from .epoch_seed_hook import EpochSeedHook
from .progress_bar_hook import ProgressBarHook

__all__ = ['ChannelsLastHook', 'EpochSeedHook', 'ProgressBarHook']
