"""The user API: the model zoo (`get_model`, `list_models`) and its
checkpoint loading, as mmpretrain's ``apis``."""
from ..errors import ModelZooError, WeightsDownloadError
from .model_index import list_models
from .model_zoo import get_model

__all__ = ['get_model', 'list_models', 'ModelZooError', 'WeightsDownloadError']
