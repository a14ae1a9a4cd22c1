"""The user API, as mmpretrain's ``apis``: the model zoo (`get_model`,
`list_models`) with its checkpoint loading, and `inference_model`."""
from ..errors import ModelZooError, WeightsDownloadError
from .inference import inference_model, list_images
from .model_index import list_models
from .model_zoo import get_model

__all__ = [
    'get_model', 'list_models', 'inference_model', 'list_images',
    'ModelZooError', 'WeightsDownloadError'
]
