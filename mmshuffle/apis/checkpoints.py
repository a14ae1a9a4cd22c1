"""Published weights and checkpoint files: download, safe loading, fit.

Weights are cached in torch.hub's folder and always loaded with
``weights_only=True``; a checkpoint must fit its model exactly.
"""
import http.client
from pathlib import Path
from typing import Dict, List, Optional, Union
from urllib.parse import urlparse

import torch
from torch import nn

from mmshuffle.compat import download_to_cache, load_from_local_safely

from .errors import UserInputError
from .model_index import ModelZooEntry, ModelZooError

# Listed in an error, at most this many keys of each kind.
MAX_KEYS_SHOWN = 5


class WeightsDownloadError(UserInputError, OSError):
    """Published weights that could not be downloaded."""


def _download_hint(entry: ModelZooEntry, filename: str) -> str:
    hint = (' Download it yourself and pass the file: get_model('
            f"{entry.name!r}, pretrained='/path/to/{filename}'), or put it "
            f'in the cache, {Path(torch.hub.get_dir()) / "checkpoints"}.')
    if entry.converter is not None:
        hint += (f' It is a {entry.converter} checkpoint: it is converted '
                 "to mmshuffle's layout when it is loaded.")
    return hint


def fetch_weights(url: str, entry: ModelZooEntry) -> Path:
    """Give the local copy of published weights, downloading it into
    torch.hub's cache (``torch.hub.get_dir()/checkpoints``) if it is not
    there. A cached file is used without touching the network.

    Args:
        url (str): The weights' URL.
        entry (ModelZooEntry): The model they are for (named in errors).

    Returns:
        Path: The cached file.

    Raises:
        WeightsDownloadError: If the URL cannot be reached or the file
            does not match the hash in its name; the message says how to
            pass a local file instead.
    """
    try:
        return download_to_cache(url)
    except (OSError, http.client.HTTPException, RuntimeError) as error:
        raise WeightsDownloadError(
            f'could not download the weights of {entry.name!r} from {url}: '
            f'{error}.' +
            _download_hint(entry, Path(urlparse(url).path).name)) from error


def _in_mmshuffle_layout(checkpoint: dict) -> bool:
    return 'state_dict' in checkpoint or any(
        str(key).removeprefix('module.').startswith(('backbone.', 'head.'))
        for key in checkpoint)


def read_checkpoint(path: Union[str, Path],
                    converter: Optional[str] = None) -> dict:
    """Load a checkpoint file safely and give its state dict and meta.

    Args:
        path (str | Path): A full checkpoint (a ``state_dict`` key) or a
            bare state dict.
        converter (str, optional): The layout of the model's published
            weights; a file in that layout (not already in mmshuffle's) is
            converted. Defaults to None.

    Returns:
        dict: ``{'state_dict': ..., 'meta': ...}``.

    Raises:
        UnsafeCheckpointError: If the file holds arbitrary objects.
        ModelZooError: If it holds no state dict.
    """
    checkpoint = load_from_local_safely(path, map_location='cpu')
    if not isinstance(checkpoint, dict):
        raise ModelZooError(f'{path} holds a {type(checkpoint).__name__}, '
                            'not a checkpoint or a state dict')
    if converter == 'torchvision' and not _in_mmshuffle_layout(checkpoint):
        from mmshuffle.converters import convert_torchvision_state_dict
        state_dict, meta = convert_torchvision_state_dict(checkpoint)
        checkpoint = dict(state_dict=state_dict, meta=meta)
    state_dict = checkpoint.get('state_dict', checkpoint)
    not_tensors = [
        key for key, value in state_dict.items()
        if not isinstance(value, torch.Tensor)
    ]
    if not_tensors:
        raise ModelZooError(
            f'{path} is not a state dict: {not_tensors[0]!r} holds a '
            f'{type(state_dict[not_tensors[0]]).__name__}, not a tensor')
    # Saved from a DistributedDataParallel wrapper, as MMEngine also reads.
    if state_dict and all(key.startswith('module.') for key in state_dict):
        state_dict = {
            key.removeprefix('module.'): value
            for key, value in state_dict.items()
        }
    return dict(state_dict=state_dict, meta=checkpoint.get('meta', {}))


def _listed(keys: List[str], separator: str = ', ') -> str:
    shown = separator.join(keys[:MAX_KEYS_SHOWN])
    more = len(keys) - MAX_KEYS_SHOWN
    return shown + (f' and {more} more' if more > 0 else '')


def state_dict_mismatch(model: nn.Module,
                        state_dict: Dict[str, torch.Tensor]) -> str:
    """Say, in one line, how a state dict differs from a model's.

    Args:
        model (nn.Module): The model.
        state_dict (dict[str, Tensor]): The weights.

    Returns:
        str: The keys whose shape differs (with both shapes), then the
        missing and the unexpected keys, at most :data:`MAX_KEYS_SHOWN` of
        each kind; empty if the weights fit.
    """
    expected = model.state_dict()
    wrong_shape = [
        f'{key} has shape {tuple(value.shape)} in the checkpoint but '
        f'{tuple(expected[key].shape)} in the model'
        for key, value in state_dict.items()
        if key in expected and value.shape != expected[key].shape
    ]
    # BatchNorm fills in a missing num_batches_tracked itself.
    missing = [
        key for key in expected if key not in state_dict
        and not key.endswith('num_batches_tracked')
    ]
    unexpected = [key for key in state_dict if key not in expected]
    problems = []
    if wrong_shape:
        problems.append(_listed(wrong_shape, '; '))
    if missing:
        problems.append(f'missing keys: {_listed(missing)}')
    if unexpected:
        problems.append(f'unexpected keys: {_listed(unexpected)}')
    return '; '.join(problems)


def check_state_dict(model: nn.Module, state_dict: Dict[str, torch.Tensor],
                     source: str) -> None:
    """Check that a state dict fits a model exactly, before loading it.

    Args:
        model (nn.Module): The model.
        state_dict (dict[str, Tensor]): The weights.
        source (str): Where they come from (named in the error).

    Raises:
        ModelZooError: If they do not fit, saying how
            (:func:`state_dict_mismatch`).
    """
    mismatch = state_dict_mismatch(model, state_dict)
    if mismatch:
        raise ModelZooError(
            f'the weights in {source} do not fit the model: {mismatch}')
