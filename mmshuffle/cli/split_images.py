"""A config's images of one split, through its test pipeline and the
model's data preprocessor: what calibration, accuracy checks and export
verification feed the models."""
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from torch import Tensor, nn

from ..errors import MissingDataError, UserInputError
from .data_checks import check_data_roots


def split_dataset(cfg: Config, split: str):
    """Build a split's dataset with the test pipeline (no augmentation).

    Args:
        cfg (Config): The config.
        split (str): ``'train'``, ``'val'`` or ``'test'``.

    Returns:
        Dataset: The split's dataset, under the config's default scope.

    Raises:
        UserInputError: If the config has no such split, or its dataset is
            a wrapper without a pipeline.
    """
    from mmengine.registry import DATASETS, DefaultScope
    loader = cfg.get(f'{split}_dataloader')
    if not loader or 'dataset' not in loader:
        raise UserInputError(f'the config has no {split}_dataloader.dataset '
                             'to take images from')
    dataset_cfg = loader['dataset'].copy()
    if 'pipeline' not in dataset_cfg:
        raise UserInputError(
            f'{split}_dataloader.dataset ({dataset_cfg.get("type")}) has no '
            'pipeline: take the images of a plain dataset, not a wrapper')
    dataset_cfg['pipeline'] = cfg.test_dataloader.dataset.pipeline
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope') or 'mmpretrain'):
        return DATASETS.build(dataset_cfg)


def preprocessed_batches(cfg: Config,
                         model: nn.Module,
                         split: str,
                         max_images: Optional[int] = None,
                         seed: int = 0,
                         batch_size: int = 1,
                         dataset=None) -> Iterator[Dict]:
    """Yield a split's images, preprocessed as the model takes them.

    Args:
        cfg (Config): The config.
        model (nn.Module): The classifier or detector; its
            ``data_preprocessor`` normalises (and pads) the images.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        max_images (int, optional): Take this many images, drawn at random
            (``seed``), rather than all in order. Defaults to None.
        seed (int): The seed of the draw. Defaults to 0.
        batch_size (int): Images a batch. Defaults to 1.
        dataset (Dataset, optional): The split's dataset, where the caller
            has built it already. Defaults to None: built here.

    Yields:
        dict: The data preprocessor's output: ``inputs``, ``(N, C, H, W)``
        float, and ``data_samples``, with the labels or boxes and the
        images' meta information.

    Raises:
        MissingDataError: If the split's data is not there.
        UserInputError: If the config has no such split.
    """
    from mmengine.dataset import pseudo_collate
    if dataset is None:
        check_data_roots(cfg, (split, ))
        dataset = split_dataset(cfg, split)
    if max_images is not None and max_images < len(dataset):
        generator = torch.Generator().manual_seed(seed)
        order = torch.randperm(len(dataset), generator=generator)
        dataset = torch.utils.data.Subset(dataset,
                                          order[:max_images].tolist())
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=batch_size, collate_fn=pseudo_collate)
    with torch.no_grad():
        for data in loader:
            yield model.data_preprocessor(data, False)


def detector_check_images(
        cfg: Config,
        model: nn.Module,
        fallback_size: Tuple[int, int],
        count: int = 2,
        scales: Sequence[Tuple[float, float]] = ((0.75, 1.25), (1.25, 0.75))
) -> Tuple[List[Tensor], str]:
    """Images to check a detector's export on, at several sizes: the first
    ``count`` test images as the pipeline makes them, then the first again,
    resized by each of ``scales`` (rounded to the data preprocessor's
    ``pad_size_divisor``). Without the test data, random images of
    ``fallback_size`` and its rescaled sizes.

    Args:
        cfg (Config): The detection config.
        model (nn.Module): The detector (its ``data_preprocessor``).
        fallback_size (tuple[int, int]): Height and width of the random
            image used when the test data is not there.
        count (int): Test images at their own size. Defaults to 2.
        scales (Sequence[tuple[float, float]]): Height and width factors of
            the resized copies. Defaults to ((0.75, 1.25), (1.25, 0.75)).

    Returns:
        tuple[list[Tensor], str]: ``(1, 3, H, W)`` normalised images, and
        what they are: ``'test image'`` or ``'random image'``.
    """
    import torch.nn.functional as F
    try:
        images = [data['inputs'] for data, _ in zip(
            preprocessed_batches(cfg, model, 'test'), range(count))]
        source = 'test image'
    except MissingDataError:
        generator = torch.Generator().manual_seed(0)
        images = [torch.randn(1, 3, *fallback_size, generator=generator)]
        source = 'random image'
    divisor = getattr(model.data_preprocessor, 'pad_size_divisor', 1) or 1
    height, width = images[0].shape[2:]
    for scale_h, scale_w in scales:
        size = [max(divisor, round(side * scale / divisor) * divisor)
                for side, scale in ((height, scale_h), (width, scale_w))]
        images.append(F.interpolate(images[0], size=size, mode='bilinear',
                                    align_corners=False))
    return images, source
