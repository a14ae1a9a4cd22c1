"""Training and testing hooks and the CPU mixed-precision optimizer
wrapper, registered in :mod:`mmshuffle.registry`."""
from .channels_last_hook import ChannelsLastHook
from .cpu_amp_optim_wrapper import CPUAmpOptimWrapper, cpu_has_bf16
from .epoch_seed_hook import EpochSeedHook
from .progress_bar_hook import ProgressBarHook

__all__ = [
    'ChannelsLastHook', 'CPUAmpOptimWrapper', 'cpu_has_bf16', 'EpochSeedHook',
    'ProgressBarHook'
]
