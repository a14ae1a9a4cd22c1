"""mmshuffle: ShuffleNet V1/V2 and MobileNetV2 backbones for OpenMMLab.

Importing the package is cheap; the backbones live in
:mod:`mmshuffle.models` and are registered in
:data:`mmshuffle.registry.MODELS`. ``mmshuffle.get_model`` and
``mmshuffle.list_models`` (the model zoo, :mod:`mmshuffle.apis.model_zoo`
and :mod:`mmshuffle.apis.model_index`) and ``mmshuffle.inference_model``
(:mod:`mmshuffle.apis.inference`) are imported on first use.
"""
from .version import __version__

# Served by __getattr__ from mmshuffle.apis, imported on first use.
_MODEL_ZOO_NAMES = ('get_model', 'list_models', 'inference_model')

__all__ = ['__version__', *_MODEL_ZOO_NAMES]


def __getattr__(name: str):
    if name in _MODEL_ZOO_NAMES:
        from . import apis
        return getattr(apis, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
