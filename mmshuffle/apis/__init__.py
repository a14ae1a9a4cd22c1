"""The user API, as mmpretrain's ``apis``: the model zoo (`get_model`,
`list_models`) with its checkpoint loading, `inference_model`, and the zoo
in mmpretrain's model hub (`register_in_mmpretrain`, done on import when
mmpretrain's ``apis`` is already imported)."""
import sys

from ..errors import ModelZooError, WeightsDownloadError
from .inference import inference_model, list_images
from .mmpretrain_hub import register_in_mmpretrain
from .model_index import list_models
from .model_zoo import get_model

__all__ = [
    'get_model', 'list_models', 'inference_model', 'list_images',
    'register_in_mmpretrain', 'ModelZooError', 'WeightsDownloadError'
]

if 'mmpretrain.apis' in sys.modules:
    register_in_mmpretrain()
