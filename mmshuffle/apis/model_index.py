"""The model zoo's index: which models exist, and their configs and weights.

``model-index.yml`` (at the repository's root, or in an installed wheel's
``mmshuffle/.mim``: :func:`mmshuffle.resources.resource_root`) lists the
metafiles of the families (``configs/<family>/metafile.yml``); each model
there names its config and, where published, the URL of its weights.
"""
import difflib
import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Union

import yaml

from ..errors import MissingDataError, ModelZooError
from ..resources import resource_root

MODEL_INDEX = resource_root() / 'model-index.yml'
# The layouts a metafile's `Converter` may name.
CONVERTERS = ('torchvision', )
# libyaml's loader where PyYAML was built with it: five times faster.
YAML_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)


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


def read_yaml(path: Path) -> dict:
    """Read a model index or a metafile.

    Args:
        path (Path): The file.

    Returns:
        dict: Its contents (empty for an empty file).

    Raises:
        MissingDataError: If the file does not exist (a package copied
            without its configs).
    """
    if not path.is_file():
        raise MissingDataError(
            f'{path} not found: the model zoo is read from '
            f'{MODEL_INDEX.name} and configs/*/metafile.yml, which a '
            'checkout holds and a wheel ships in mmshuffle/.mim. Reinstall '
            'mmshuffle (pip install mmshuffle-*.whl, or pip install -e . '
            'in a checkout), or build the model from a config file.')
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
    for metafile in read_yaml(index_file).get('Import', []):
        metafile = root / metafile
        for model in read_yaml(metafile).get('Models', []):
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
