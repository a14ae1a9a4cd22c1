"""Quantise a trained classifier to INT8 and check its accuracy.

What ``tools/deployment/quantize.py`` and the digits demo run: calibrate on
a random sample of training images (through the test pipeline, so no
augmentation), then compare the fp32 model's and the INT8 model's top-1 on
the validation set.
"""
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import torch
from mmengine.config import Config
from torch import Tensor, nn

from ..errors import UserInputError
from .data_checks import check_data_roots

# Batch size of the calibration and evaluation passes.
BATCH_SIZE = 32


def _dataset(cfg: Config, split: str):
    """Build a split's dataset with the test pipeline."""
    from mmengine.registry import DATASETS, DefaultScope
    loader = cfg.get(f'{split}_dataloader')
    if not loader or 'dataset' not in loader:
        raise UserInputError(f'the config has no {split}_dataloader.dataset '
                             'to take images from')
    dataset_cfg = loader['dataset'].copy()
    if 'pipeline' not in dataset_cfg:
        raise UserInputError(
            f'{split}_dataloader.dataset ({dataset_cfg.get("type")}) has no '
            'pipeline; quantisation takes a plain dataset, not a wrapper')
    dataset_cfg['pipeline'] = cfg.test_dataloader.dataset.pipeline
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope') or 'mmpretrain'):
        return DATASETS.build(dataset_cfg)


def labelled_batches(cfg: Config,
                     model: nn.Module,
                     split: str,
                     max_images: Optional[int] = None,
                     seed: int = 0) -> Iterator[Tuple[Tensor, Tensor]]:
    """Yield a split's images, preprocessed as the model takes them.

    Args:
        cfg (Config): The config.
        model (nn.Module): The classifier; its ``data_preprocessor``
            normalises the images.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        max_images (int, optional): Take this many images, drawn at random
            (``seed``), rather than all in order. Defaults to None.
        seed (int): The seed of the draw. Defaults to 0.

    Yields:
        tuple[Tensor, Tensor]: ``(N, C, H, W)`` float inputs and their
        ``(N,)`` class labels.

    Raises:
        MissingDataError: If the split's data is not there.
        UserInputError: If the config has no such split.
    """
    from mmengine.dataset import pseudo_collate
    check_data_roots(cfg, (split, ))
    dataset = _dataset(cfg, split)
    if max_images is not None and max_images < len(dataset):
        generator = torch.Generator().manual_seed(seed)
        order = torch.randperm(len(dataset), generator=generator)
        dataset = torch.utils.data.Subset(dataset,
                                          order[:max_images].tolist())
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=BATCH_SIZE, collate_fn=pseudo_collate)
    with torch.no_grad():
        for data in loader:
            data = model.data_preprocessor(data, False)
            labels = torch.cat([s.gt_label for s in data['data_samples']])
            yield data['inputs'], labels


def top1(predict: Callable[[Tensor], Tensor],
         batches: List[Tuple[Tensor, Tensor]]) -> float:
    """Top-1 accuracy, in percent, of a function from images to scores.

    Args:
        predict (Callable): Images to ``(N, num_classes)`` scores.
        batches (list[tuple[Tensor, Tensor]]): Inputs and labels.

    Returns:
        float: The percentage of images whose best score is their label.
    """
    correct = total = 0
    with torch.no_grad():
        for inputs, labels in batches:
            correct += (predict(inputs).argmax(1) == labels).sum().item()
            total += len(labels)
    return 100.0 * correct / total


def quantize_and_check(cfg: Config,
                       model: nn.Module,
                       calibration_images: int = 256) -> Dict[str, object]:
    """Quantise a classifier to INT8 and measure both models' top-1.

    Args:
        cfg (Config): The config the model was trained with.
        model (nn.Module): The trained classifier, eval mode.
        calibration_images (int): Training images to calibrate on, drawn
            at random. Defaults to 256.

    Returns:
        dict: ``int8`` (the :class:`~mmshuffle.deploy.OptimizedModel`;
        its ``onnx`` is the INT8 model), ``fp32_top1``, ``int8_top1``,
        ``drop`` (fp32 minus INT8, points), ``val_images`` and
        ``calibration_images`` (how many were used), and ``example`` (one
        validation image, ``(1, C, H, W)``, e.g. to time with).

    Raises:
        MissingDataError: If the data is not there.
        UserInputError: If ``calibration_images`` is below 1 or the config
            has no train or val dataset.
    """
    from mmshuffle.deploy import quantize
    if calibration_images < 1:
        raise UserInputError('the number of calibration images must be at '
                             f'least 1, got {calibration_images}')
    calibration = [
        inputs for inputs, _ in labelled_batches(cfg, model, 'train',
                                                 calibration_images)
    ]
    int8 = quantize(model, calibration)
    val = list(labelled_batches(cfg, model, 'val'))
    fp32_top1 = top1(lambda x: model(x, mode='tensor'), val)
    int8_top1 = top1(int8, val)
    return dict(
        int8=int8,
        fp32_top1=fp32_top1,
        int8_top1=int8_top1,
        drop=fp32_top1 - int8_top1,
        val_images=sum(len(labels) for _, labels in val),
        calibration_images=sum(len(x) for x in calibration),
        example=val[0][0][:1])
