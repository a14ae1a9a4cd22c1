"""Published weights and checkpoint files: download, safe loading, fit.

Weights are cached in torch.hub's folder and always loaded with
``weights_only=True``. A checkpoint must fit its model outside the
classifier's head; a head changed for fine-tuning keeps what fits, and a
backbone's stages not built leave their tensors out.
"""
import http.client
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple, Union
from urllib.parse import urlparse

import torch
from torch import nn

from mmshuffle.compat import download_to_cache

from ..checkpoint import compare_shapes, load_state_dict
from ..errors import ModelZooError, WeightsDownloadError
from .model_index import ModelZooEntry

# Listed in an error, at most this many keys of each kind.
MAX_KEYS_SHOWN = 5
# The classifier head's keys, which fine-tuning for new classes replaces.
HEAD_PREFIX = 'head.'


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


def _in_mmshuffle_layout(state_dict: dict) -> bool:
    return any(key.startswith(('backbone.', 'head.')) for key in state_dict)


def read_checkpoint(path: Union[str, Path],
                    converter: Optional[str] = None) -> dict:
    """Load a checkpoint file safely and give its state dict and meta.

    The state dict is found as :func:`mmshuffle.checkpoint.load_state_dict`
    finds it.

    Args:
        path (str | Path): A full checkpoint or a bare state dict.
        converter (str, optional): The layout of the model's published
            weights; a file in that layout (not already in mmshuffle's) is
            converted. Defaults to None.

    Returns:
        dict: ``{'state_dict': ..., 'meta': ...}``.

    Raises:
        MissingDataError: If the file does not exist.
        UnsafeCheckpointError: If the file holds arbitrary objects.
        NoStateDictError: If it holds no state dict (a
            :class:`ModelZooError`).
    """
    state_dict, meta = load_state_dict(path)
    if converter == 'torchvision' and not _in_mmshuffle_layout(state_dict):
        from mmshuffle.converters import convert_torchvision_state_dict
        state_dict, meta = convert_torchvision_state_dict(state_dict)
    return dict(state_dict=state_dict, meta=meta)


def _listed(keys: List[str], separator: str = ', ') -> str:
    shown = separator.join(keys[:MAX_KEYS_SHOWN])
    more = len(keys) - MAX_KEYS_SHOWN
    return shown + (f' and {more} more' if more > 0 else '')


def _unbuilt_stage_prefixes(model: nn.Module) -> Tuple[str, ...]:
    """The state-dict prefixes of the backbone stages a model does not
    build (after the last of their ``out_indices``): a whole checkpoint's
    tensors there are left out on load, not unexpected."""
    from mmshuffle.models.backbones.base_backbone import EfficientBackbone
    return tuple(
        prefix for name, module in model.named_modules()
        if isinstance(module, EfficientBackbone) for prefix in
        module.unbuilt_stage_prefixes(f'{name}.' if name else ''))


def state_dict_mismatch(model: nn.Module,
                        state_dict: Dict[str, torch.Tensor],
                        keys: Callable[[str], bool] = lambda key: True
                        ) -> str:
    """Say, in one line, how a state dict differs from a model's.

    The tensors of backbone stages the model does not build (past the last
    of ``out_indices``) are left out on load, so they are not unexpected.

    Args:
        model (nn.Module): The model.
        state_dict (dict[str, Tensor]): The weights.
        keys (callable): Which keys to compare. Defaults to every key.

    Returns:
        str: The keys whose shape differs (with both shapes), then the
        missing and the unexpected keys, at most :data:`MAX_KEYS_SHOWN` of
        each kind; empty if the weights fit.
    """
    mismatch = compare_shapes(
        {k: v for k, v in state_dict.items() if keys(k)},
        {k: v.shape for k, v in model.state_dict().items() if keys(k)},
        _unbuilt_stage_prefixes(model))
    problems = []
    if mismatch.wrong_shape:
        problems.append(
            _listed([
                f'{key} has shape {got} in the checkpoint but {want} in the '
                'model' for key, got, want in mismatch.wrong_shape
            ], '; '))
    if mismatch.missing:
        problems.append(f'missing keys: {_listed(mismatch.missing)}')
    if mismatch.unexpected:
        problems.append(f'unexpected keys: {_listed(mismatch.unexpected)}')
    return '; '.join(problems)


def _in_head(key: str) -> bool:
    return key.startswith(HEAD_PREFIX)


def load_for_fine_tuning(model: nn.Module,
                         state_dict: Dict[str, torch.Tensor],
                         source: str) -> str:
    """Load weights into a model whose head may differ from theirs (new
    classes): everything outside the head must fit; the head's tensors that
    fit are loaded, the others left out and initialised by the model's
    ``init_weights``, as timm's ``create_model(..., num_classes=N)`` and
    mmpretrain's ``get_model(..., head=...)`` do.

    Args:
        model (nn.Module): The model, its weights not yet initialised.
        state_dict (dict[str, Tensor]): The weights.
        source (str): Where they come from (named in messages).

    Returns:
        str: One line saying which tensors of the head were left out and
        why; empty when the weights fit exactly.

    Raises:
        ModelZooError: If anything outside the head does not fit, naming
            each key, with both shapes where they differ.
    """
    outside_head = state_dict_mismatch(model, state_dict,
                                       lambda key: not _in_head(key))
    if outside_head:
        raise ModelZooError(
            f'the weights in {source} do not fit the model: {outside_head}')
    head = state_dict_mismatch(model, state_dict, _in_head)
    if not head:
        model.load_state_dict(state_dict, strict=True)
        return ''
    init_weights_quietly(model)
    expected = model.state_dict()
    model.load_state_dict(
        {
            key: value
            for key, value in state_dict.items() if not _in_head(key) or (
                key in expected and value.shape == expected[key].shape)
        },
        strict=False)
    return (f'the head of {source} does not fit the model ({head}): those '
            'tensors are left out and initialised anew; everything else is '
            'loaded')


def init_weights_quietly(model: nn.Module) -> None:
    """``init_weights`` without MMEngine's log line per parameter."""
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel('WARNING')
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
