"""The model zoo: models by name, with their published weights.

:func:`get_model` builds a model of the zoo's index
(:mod:`mmshuffle.apis.model_index`, where :func:`list_models` lives) from
its config and loads its weights from torch.hub's cache, the URL or a local
file (:mod:`mmshuffle.apis.checkpoints`), always with
``weights_only=True``.
"""
import logging
import os
from pathlib import Path
from typing import Union

from mmengine.logging import print_log
from torch import nn

from ..errors import MissingDataError
from .checkpoints import (
    fetch_weights,
    init_weights_quietly,
    load_for_fine_tuning,
    read_checkpoint,
)
from .model_index import (
    ModelZooEntry,
    ModelZooError,
    find_model,
    load_model_index,
)


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


def get_model(name: str,
              pretrained: Union[bool, str, os.PathLike] = False,
              **kwargs) -> nn.Module:
    """Build a model of the zoo by name, as mmpretrain's ``get_model`` and
    timm's ``create_model`` do.

    The model is built from its config under mmpretrain's default scope.
    Weights load with ``weights_only=True`` (a file holding arbitrary
    objects is refused). Everything outside the classifier's head must fit
    them exactly; a head changed for fine-tuning, e.g.
    ``head=dict(num_classes=10)``, keeps the tensors that fit and
    initialises the others, and the log says which in one line. Weights
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
            outside the head (naming each key, with both shapes where they
            differ).
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
    meta, left_out = {}, ''
    if path is None:
        init_weights_quietly(model)
    else:
        checkpoint = read_checkpoint(path, entry.converter)
        left_out = load_for_fine_tuning(model, checkpoint['state_dict'],
                                        str(path))
        meta = checkpoint['meta']
        if left_out:
            print_log(f'get_model: {left_out}', logger='current',
                      level=logging.WARNING)
    # What mmpretrain's get_model attaches, for its inferencers.
    model._config = cfg
    # A new head's classes are neither the checkpoint's nor the config's.
    model._dataset_meta = {} if left_out else _dataset_meta(cfg, meta)
    return model.eval()
