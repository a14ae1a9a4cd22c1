"""mmshuffle: ShuffleNet V1/V2 and MobileNetV2 backbones for OpenMMLab.

Importing the package is cheap; the backbones live in
:mod:`mmshuffle.models` and are registered in
:data:`mmshuffle.registry.MODELS`.
"""
from .version import __version__

__all__ = ['__version__']
