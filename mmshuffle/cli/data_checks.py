"""Check, before a run starts, that the data its config names is there."""
from pathlib import Path
from typing import Iterator, Tuple

from mmengine.config import Config

from ..errors import MissingDataError

# How to get the data, by dataset type.
DATA_HINTS = {
    'ImageNet': 'Download ILSVRC-2012 from https://image-net.org and lay '
    'out train/ and val/ as mmpretrain documents for its ImageNet dataset.',
    'CIFAR10': 'Get "CIFAR-10 python version" from '
    'https://www.cs.toronto.edu/~kriz/cifar.html and unpack it there '
    '(cifar-10-batches-py/), or set download=True on a machine online.',
    'CustomDataset': 'Point data_root at a folder of class sub-folders or '
    'at images plus annotation lists.',
}


def iter_data_roots(cfg: Config,
                    splits: Tuple[str, ...]) -> Iterator[Tuple[str, dict]]:
    """Yield the config key and dict of each dataset with a ``data_root``.

    Dataset wrappers (``dataset=`` or ``datasets=[...]``) are followed.

    Args:
        cfg (Config): The config.
        splits (tuple[str]): Dataloader names, e.g. ``('train', 'val')``.

    Yields:
        tuple[str, dict]: The dotted key of the dataset, and the dataset.
    """
    stack = []
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if loader and loader.get('dataset'):
            stack.append((f'{split}_dataloader.dataset', loader['dataset']))
    while stack:
        key, dataset = stack.pop(0)
        if dataset.get('data_root'):
            yield key, dataset
        if isinstance(dataset.get('dataset'), dict):
            stack.append((f'{key}.dataset', dataset['dataset']))
        for index, inner in enumerate(dataset.get('datasets') or []):
            stack.append((f'{key}.datasets.{index}', inner))


def check_data_roots(cfg: Config, splits: Tuple[str, ...]) -> None:
    """Raise a clear error for a ``data_root`` that does not exist.

    A dataset that downloads itself (``download=True``) is not checked. The
    remedy comes from the config's ``data_preparation`` (a command, with
    ``{data_root}`` standing for the missing folder), else from the dataset
    type.

    Args:
        cfg (Config): The config.
        splits (tuple[str]): Dataloader names to check.

    Raises:
        MissingDataError: Naming the path, the config key and how to get
            the data.
    """
    for key, dataset in iter_data_roots(cfg, splits):
        path = Path(dataset['data_root'])
        if path.exists() or dataset.get('download'):
            continue
        dataset_type = str(dataset.get('type', ''))
        if cfg.get('data_preparation'):
            hint = 'Make it with `{}`.'.format(
                cfg.data_preparation.format(data_root=path))
        else:
            hint = DATA_HINTS.get(dataset_type.split('.')[-1], '')
        raise MissingDataError(
            f'{key}.data_root: the folder {str(path)!r} does not exist '
            f'(dataset type {dataset_type!r}). {hint} Or point the config '
            f'at your copy: --cfg-options {key}.data_root=PATH')
