"""The model zoo: models by name, with their published weights.

``model-index.yml`` at the repository root lists the metafiles of the
families (``configs/<family>/metafile.yml``); each model there names its
config and, where published, the URL of its weights. :func:`list_models`
lists the names and :func:`get_model` builds a model from its config and
loads its weights, from torch.hub's cache, the URL or a local file, always
with ``weights_only=True``.
"""
import difflib
import fnmatch
import http.client
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Union
from urllib.parse import urlparse

import torch
import yaml
from torch import nn

from mmshuffle.compat import load_from_local_safely

from .errors import MissingDataError, UserInputError

REPO_ROOT = Path(__file__).resolve().parents[2]
MODEL_INDEX = REPO_ROOT / 'model-index.yml'
# The layouts a metafile's `Converter` may name.
CONVERTERS = ('torchvision', )
# The hash prefix in a published file name, as torch.hub reads it.
HASH_PREFIX = re.compile(r'-([a-f0-9]*)\.')
# Listed in an error, at most this many keys of each kind.
MAX_KEYS_SHOWN = 5
# libyaml's loader where PyYAML was built with it: five times faster.
YAML_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)


class ModelZooError(UserInputError, ValueError):
    """An unknown model name, or weights that do not fit the model."""


class WeightsDownloadError(UserInputError, OSError):
    """Published weights that could not be downloaded."""


@dataclass(frozen=True)
class ModelZooEntry:
    """A model of the zoo, as its metafile lists it.

    Args:
        name (str): The name :func:`get_model` takes.
        config (Path): The config that builds the model.
        metafile (Path): The metafile that lists it.
        weights (str, optional): The URL of its published weights.
            Defaults to None.
        converter (str, optional): The layout of those weights when it is
            not mmshuffle's, one of :data:`CONVERTERS`. Defaults to None.
    """

    name: str
    config: Path
    metafile: Path
    weights: Optional[str] = None
    converter: Optional[str] = None


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise MissingDataError(
            f'{path} not found: the model zoo is read from the mmshuffle '
            f'repository ({MODEL_INDEX.name} and configs/*/metafile.yml), '
            'which an install from a wheel does not ship. Install mmshuffle '
            'from a checkout with `pip install -e .`, or build the model '
            'from a config file.')
    with open(path, encoding='utf-8') as file:
        return yaml.load(file, Loader=YAML_LOADER) or {}


def _entry(model: dict, metafile: Path, root: Path) -> ModelZooEntry:
    name, config = model.get('Name'), model.get('Config')
    if not name or not config:
        raise ModelZooError(f'{metafile}: every model needs a Name and a '
                            f'Config, got Name={name!r}, Config={config!r}')
    converter = model.get('Converter')
    if converter is not None and converter not in CONVERTERS:
        raise ModelZooError(
            f'{metafile}: model {name!r} has Converter {converter!r}; '
            f'allowed: {", ".join(map(repr, CONVERTERS))}')
    return ModelZooEntry(name.lower(), root / config, metafile,
                         model.get('Weights'), converter)


def load_model_index(
        index_file: Union[str, Path] = MODEL_INDEX
) -> Dict[str, ModelZooEntry]:
    """Read the model index and the metafiles it imports.

    Args:
        index_file (str | Path): The model index; the paths in it and in
            its metafiles are relative to its folder. Defaults to the
            repository's ``model-index.yml``.

    Returns:
        dict[str, ModelZooEntry]: The models by lower-case name, in the
        order of the metafiles.

    Raises:
        MissingDataError: If the index or a metafile does not exist.
        ModelZooError: If a model lacks its Name or Config, names an unknown
            Converter, or has a name another model has.
    """
    index_file = Path(index_file)
    root = index_file.parent
    entries: Dict[str, ModelZooEntry] = {}
    for metafile in _read_yaml(index_file).get('Import', []):
        metafile = root / metafile
        for model in _read_yaml(metafile).get('Models', []):
            entry = _entry(model, metafile, root)
            if entry.name in entries:
                raise ModelZooError(
                    f'model name {entry.name!r} is listed twice: in '
                    f'{entries[entry.name].metafile} and {metafile}')
            entries[entry.name] = entry
    return entries


def list_models(pattern: Optional[str] = None) -> List[str]:
    """List the names of the zoo's models, as mmpretrain's ``list_models``.

    Args:
        pattern (str, optional): A wildcard pattern (``fnmatch``, case
            insensitive); without a wildcard, the names that contain it.
            Defaults to None: every name.

    Returns:
        list[str]: The names, sorted.
    """
    names = sorted(load_model_index())
    if pattern is None:
        return names
    pattern = pattern.lower()
    if not any(char in pattern for char in '*?['):
        pattern = f'*{pattern}*'
    return fnmatch.filter(names, pattern)


def find_model(name: str) -> ModelZooEntry:
    """Look a model up by name (case insensitive).

    Args:
        name (str): The model's name, as :func:`list_models` gives it.

    Returns:
        ModelZooEntry: Its entry.

    Raises:
        ModelZooError: If no model has that name; the message lists close
            matches.
    """
    entries = load_model_index()
    key = str(name).lower()
    if key in entries:
        return entries[key]
    matches = difflib.get_close_matches(key, list(entries), n=5, cutoff=0.6)
    matches += [known for known in entries if key in known][:5]
    matches = list(dict.fromkeys(matches))
    if matches:
        listed = 'Close matches: ' + ', '.join(map(repr, matches))
    else:
        listed = 'Known models: ' + ', '.join(map(repr, sorted(entries)))
    raise ModelZooError(f'unknown model name {name!r}. {listed}. '
                        f'mmshuffle.list_models() lists all {len(entries)}.')


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
    filename = Path(urlparse(url).path).name
    cached = Path(torch.hub.get_dir()) / 'checkpoints' / filename
    if cached.is_file():
        return cached
    cached.parent.mkdir(parents=True, exist_ok=True)
    found = HASH_PREFIX.search(filename)
    try:
        torch.hub.download_url_to_file(url, str(cached),
                                       found.group(1) if found else None)
    except (OSError, http.client.HTTPException, RuntimeError) as error:
        raise WeightsDownloadError(
            f'could not download the weights of {entry.name!r} from {url}: '
            f'{error}.' + _download_hint(entry, filename)) from error
    return cached


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


def _listed(keys: List[str]) -> str:
    shown = ', '.join(keys[:MAX_KEYS_SHOWN])
    more = len(keys) - MAX_KEYS_SHOWN
    return shown + (f' and {more} more' if more > 0 else '')


def check_state_dict(model: nn.Module, state_dict: Dict[str, torch.Tensor],
                     source: str) -> None:
    """Check that a state dict fits a model exactly, before loading it.

    Args:
        model (nn.Module): The model.
        state_dict (dict[str, Tensor]): The weights.
        source (str): Where they come from (named in the error).

    Raises:
        ModelZooError: Naming every key whose shape differs, with both
            shapes, and the missing and unexpected keys.
    """
    expected = model.state_dict()
    problems = []
    wrong_shape = [
        f'{key} has shape {tuple(value.shape)} in the checkpoint but '
        f'{tuple(expected[key].shape)} in the model'
        for key, value in state_dict.items()
        if key in expected and value.shape != expected[key].shape
    ]
    if wrong_shape:
        problems.append('; '.join(wrong_shape))
    # BatchNorm fills in a missing num_batches_tracked itself.
    missing = [
        key for key in expected if key not in state_dict
        and not key.endswith('num_batches_tracked')
    ]
    if missing:
        problems.append(f'missing keys: {_listed(missing)}')
    unexpected = [key for key in state_dict if key not in expected]
    if unexpected:
        problems.append(f'unexpected keys: {_listed(unexpected)}')
    if problems:
        raise ModelZooError(f'the weights in {source} do not fit the model: '
                            f'{"; ".join(problems)}')


def _checkpoint_path(entry: ModelZooEntry,
                     pretrained: Union[bool, str, os.PathLike]) -> Path:
    if pretrained is True:
        if entry.weights is None:
            with_weights = [
                other.name for other in load_model_index().values()
                if other.config == entry.config and other.weights
            ]
            alternative = (', or take a model with the same config that '
                           'has weights: ' + ', '.join(map(repr, with_weights))
                           if with_weights else '')
            raise ModelZooError(
                f'model {entry.name!r} has no published weights. Build it '
                'with pretrained=False or pass a checkpoint file as '
                f'pretrained=PATH{alternative}.')
        return fetch_weights(entry.weights, entry)
    if isinstance(pretrained, str) and pretrained.startswith(
            ('http://', 'https://')):
        return fetch_weights(pretrained, entry)
    if isinstance(pretrained, (str, os.PathLike)):
        return Path(pretrained).expanduser()
    raise TypeError('pretrained must be True, False, a URL or a path, got '
                    f'{pretrained!r} ({type(pretrained).__name__})')


def _dataset_meta(cfg, checkpoint_meta: dict) -> dict:
    """The class names, as mmpretrain's inferencers read them."""
    if 'dataset_meta' in checkpoint_meta:
        return checkpoint_meta['dataset_meta']
    if 'CLASSES' in checkpoint_meta:  # mmcls 0.x
        return dict(classes=checkpoint_meta['CLASSES'])
    if 'test_dataloader' not in cfg:
        return {}
    from mmpretrain.registry import DATASETS
    dataset = DATASETS.get(cfg.test_dataloader.dataset.type)
    return dict(getattr(dataset, 'METAINFO', {}))


def _init_weights_quietly(model: nn.Module) -> None:
    """``init_weights`` without MMEngine's log line per parameter."""
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel('WARNING')
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)


def get_model(name: str,
              pretrained: Union[bool, str, os.PathLike] = False,
              **kwargs) -> nn.Module:
    """Build a model of the zoo by name, as mmpretrain's ``get_model`` and
    timm's ``create_model`` do.

    The model is built from its config under mmpretrain's default scope.
    Weights load with ``weights_only=True`` (a file holding arbitrary
    objects is refused) and must fit exactly (``strict=True``). Weights
    published in torchvision's layout are converted on load.

    Args:
        name (str): The model, one of :func:`list_models`.
        pretrained (bool | str | Path): False: random initialisation
            (``init_weights``). True: the published weights, from
            torch.hub's cache, downloaded there if missing. A URL: those
            weights, through the same cache. A path: that checkpoint file,
            a full checkpoint or a bare state dict. Defaults to False.
        **kwargs: Overrides merged into the config's ``model``, e.g.
            ``backbone=dict(out_indices=(0, 1, 2))``.

    Returns:
        nn.Module: The model, in eval mode.

    Raises:
        ModelZooError: For an unknown name (with close matches), True for a
            model without published weights, or weights that do not fit
            (naming each key, with both shapes where they differ).
        WeightsDownloadError: If the weights cannot be downloaded.
        UnsafeCheckpointError: If the file holds arbitrary objects.
        FileNotFoundError: If the file does not exist.
    """
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS

    entry = find_model(name)
    if not entry.config.is_file():
        raise MissingDataError(f'config of model {entry.name!r} not found: '
                               f'{entry.config} (listed in {entry.metafile})')
    if pretrained is None:
        pretrained = False
    path = None if pretrained is False else _checkpoint_path(
        entry, pretrained)
    cfg = Config.fromfile(str(entry.config))
    if kwargs:
        cfg.merge_from_dict(dict(model=kwargs))
    cfg.model.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    meta = {}
    if path is None:
        _init_weights_quietly(model)
    else:
        checkpoint = read_checkpoint(path, entry.converter)
        check_state_dict(model, checkpoint['state_dict'], str(path))
        model.load_state_dict(checkpoint['state_dict'], strict=True)
        meta = checkpoint['meta']
    # What mmpretrain's get_model attaches, for its inferencers.
    model._config = cfg
    model._dataset_meta = _dataset_meta(cfg, meta)
    return model.eval()
