"""Models of mmshuffle; importing this registers them in
:data:`mmshuffle.registry.MODELS`.

Needs torch, mmengine and ``mmcv.cnn`` (from mmcv or mmcv-lite) alone.
"""
from .backbones import MobileNetV2, ShuffleNetV1, ShuffleNetV2

__all__ = ['ShuffleNetV1', 'ShuffleNetV2', 'MobileNetV2']
