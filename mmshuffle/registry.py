"""Registries of mmshuffle.

``MODELS`` is a direct child of MMEngine's root registry with the scope
``mmshuffle``. Configs whose default scope is ``mmengine``, ``mmpretrain`` or
``mmdet`` reach our classes as ``type='mmshuffle.ShuffleNetV2'``: MMEngine
imports this module on seeing the ``mmshuffle.`` prefix, and the registry
imports ``mmshuffle.models`` (its ``locations``) on the first look-up. Nothing
of ours is registered into mmpretrain's or mmdet's registries, whose own
``ShuffleNetV1``/``ShuffleNetV2``/``MobileNetV2`` would clash with ours.

``HOOKS`` and ``OPTIM_WRAPPERS`` hold the training hooks and the CPU mixed
precision wrapper of :mod:`mmshuffle.engine`, reached the same way
(``type='mmshuffle.EpochSeedHook'``, ``type='mmshuffle.CPUAmpOptimWrapper'``).

This module imports nothing but MMEngine, so that the look-up stays cheap.
"""
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import Registry

MODELS = Registry(
    'model',
    parent=MMENGINE_MODELS,
    scope='mmshuffle',
    locations=['mmshuffle.models'])

HOOKS = Registry(
    'hook',
    parent=MMENGINE_HOOKS,
    scope='mmshuffle',
    locations=['mmshuffle.engine'])

OPTIM_WRAPPERS = Registry(
    'optim_wrapper',
    parent=MMENGINE_OPTIM_WRAPPERS,
    scope='mmshuffle',
    locations=['mmshuffle.engine'])
