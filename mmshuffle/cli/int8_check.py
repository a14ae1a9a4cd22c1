"""Quantise a trained classifier or detector to INT8 (or run a classifier
in bf16) and check its accuracy.

What ``tools/deployment/quantize.py`` and the demos run: calibrate on a
random sample of training images (through the test pipeline, so no
augmentation), then compare the fp32 model's and the INT8 model's top-1 on
the validation set (a classifier) or the config's test metric on the test
set (a detector: bbox mAP).
"""
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import torch
from mmengine.config import Config
from torch import Tensor, nn

from ..errors import UserInputError
from .split_images import preprocessed_batches

# Batch size of the calibration and evaluation passes.
BATCH_SIZE = 32
# The reduced precisions the check runs: INT8 (calibrated), bf16.
PRECISIONS = ('int8', 'bf16')


def slower_than_fp32(ms: Dict[str, float], precision: str) -> Optional[str]:
    """The line to print where a reduced-precision model ran slower than
    the fp32 deploy path on this CPU (bf16 on bf16 units without AMX,
    say): it keeps the accuracy check's verdict, but fp32 is the faster
    choice here.

    Args:
        ms (dict[str, float]): Milliseconds per call by model, with
            ``'fp32 deploy'`` and ``precision``.
        precision (str): ``'int8'`` or ``'bf16'`` (:data:`PRECISIONS`).

    Returns:
        str | None: The line, or None where ``precision`` was the faster.
    """
    reduced, fp32 = ms[precision], ms['fp32 deploy']
    if reduced <= fp32:
        return None
    return (f'note: {precision.upper()} ran slower here than the fp32 '
            f'deploy path ({reduced:.2f} ms against {fp32:.2f} ms): on '
            "this CPU, optimize(model, x) with precision='fp32' is faster")


def labelled_batches(cfg: Config,
                     model: nn.Module,
                     split: str,
                     max_images: Optional[int] = None,
                     seed: int = 0) -> Iterator[Tuple[Tensor, Tensor]]:
    """Yield a split's images, preprocessed as the classifier takes them,
    with their labels.

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
    for data in preprocessed_batches(cfg, model, split, max_images, seed,
                                     BATCH_SIZE):
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


def _reduce(cfg: Config, model: nn.Module, precision: str,
            calibration_images: int, batch_size: int,
            int8_backend: str = 'auto') -> Tuple[int, object, object]:
    """The fp32 deploy path and the model at ``precision``: INT8
    calibrated on a random sample of training images and quantised from the
    fp32 path's export (by ``int8_backend``, see
    :func:`mmshuffle.deploy.quantize`), or bf16 (no calibration). Also how
    many images were calibrated on."""
    from mmshuffle.deploy import optimize, quantize
    if precision not in PRECISIONS:
        raise UserInputError(f'--precision must be one of {PRECISIONS}, '
                             f'got {precision!r}')
    if calibration_images < 1:
        raise UserInputError('the number of calibration images must be at '
                             f'least 1, got {calibration_images}')
    if precision == 'bf16':
        example = next(preprocessed_batches(cfg, model, 'train', 1,
                                            batch_size=1))['inputs']
        return 0, optimize(model, example), optimize(model, example,
                                                     precision='bf16')
    calibration = [
        data['inputs'] for data in preprocessed_batches(
            cfg, model, 'train', calibration_images, batch_size=batch_size)
    ]
    fp32 = optimize(model, calibration[0][:1])
    return sum(len(x) for x in calibration), fp32, quantize(
        model, calibration, fp32_onnx=fp32.onnx, backend=int8_backend)


def quantize_and_check(cfg: Config,
                       model: nn.Module,
                       calibration_images: int = 256,
                       precision: str = 'int8',
                       int8_backend: str = 'auto') -> Dict[str, object]:
    """Quantise a classifier to INT8 (or run it in bf16) and measure both
    models' top-1.

    Args:
        cfg (Config): The config the model was trained with.
        model (nn.Module): The trained classifier, eval mode.
        calibration_images (int): Training images to calibrate INT8 on,
            drawn at random. Defaults to 256.
        precision (str): ``'int8'`` or ``'bf16'`` (:data:`PRECISIONS`).
            Defaults to ``'int8'``.
        int8_backend (str): ``'auto'``, ``'onnxruntime'`` or
            ``'openvino'``: see :func:`mmshuffle.deploy.quantize`. Defaults
            to ``'auto'``.

    Returns:
        dict: By the precision's name (``int8`` here):
        ``int8`` (the :class:`~mmshuffle.deploy.OptimizedModel`: its
        ``backend`` says what runs it; its ``onnx`` or ``openvino_model``
        is the INT8 model, its ``onnx`` the fp32 model that bf16 runs),
        ``int8_top1``; and ``fp32_deploy`` (the fp32 deploy path),
        ``fp32_top1``, ``drop`` (fp32 minus the other, points),
        ``precision``, ``backend`` and ``float_precision`` (what runs it,
        the precision of its float layers), ``val_images`` and
        ``calibration_images`` (how many were used: 0 for bf16), and
        ``example`` (one validation image, ``(1, C, H, W)``, e.g. to time
        with).

    Raises:
        MissingDataError: If the data is not there.
        UserInputError: If ``calibration_images`` is below 1, the precision
            is unknown or the config has no train or val dataset.
        UnsupportedPrecisionError: If the CPU has no bf16 units.
    """
    calibrated, fp32, reduced = _reduce(cfg, model, precision,
                                        calibration_images, BATCH_SIZE,
                                        int8_backend)
    val = list(labelled_batches(cfg, model, 'val'))
    fp32_top1 = top1(lambda x: model(x, mode='tensor'), val)
    reduced_top1 = top1(reduced, val)
    return {
        precision: reduced,
        'fp32_deploy': fp32,
        'fp32_top1': fp32_top1,
        f'{precision}_top1': reduced_top1,
        'drop': fp32_top1 - reduced_top1,
        'precision': precision,
        'backend': reduced.backend,
        'float_precision': reduced.float_precision,
        'val_images': sum(len(labels) for _, labels in val),
        'calibration_images': calibrated,
        'example': val[0][0][:1],
    }


def quantize_and_check_detector(cfg: Config,
                                model: nn.Module,
                                calibration_images: int = 64,
                                int8_backend: str = 'auto'
                                ) -> Dict[str, object]:
    """Quantise a detector to INT8 and score it, its fp32 deploy path and
    the PyTorch detector with the config's test metric.

    Args:
        cfg (Config): The detection config the model was trained with.
        model (nn.Module): The trained detector, eval mode.
        calibration_images (int): Training images to calibrate on, drawn
            at random, one a batch. Defaults to 64.
        int8_backend (str): See :func:`quantize_and_check`. Defaults to
            ``'auto'``.

    Returns:
        dict: ``int8`` (the :class:`~mmshuffle.deploy.OptimizedModel`;
        its ``onnx`` or ``openvino_model`` is the INT8 model), ``backend``
        (what runs it), ``float_precision`` (that of its float layers),
        ``metric`` (the first key of the
        evaluator, e.g. ``'coco/bbox_mAP'``), ``scores`` (by model:
        ``'fp32 eager'``, mmdet's own ``predict``; ``'fp32 deploy'``; and
        ``'int8'``: its metrics and median ``ms`` per image), ``drop``
        (fp32 deploy minus INT8 in points, 100 x the metric) and
        ``calibration_images``.

    Raises:
        MissingDataError: If the data is not there.
        UserInputError: If ``calibration_images`` is below 1 or the config
            has no train or test dataset.
    """
    from mmshuffle.deploy.detector import mmdet_detections

    from .detection_check import detection_metrics
    calibrated, fp32, int8 = _reduce(cfg, model, 'int8', calibration_images,
                                     1, int8_backend)
    scores = detection_metrics(
        cfg, model, {
            'fp32 eager': lambda x: mmdet_detections(model, x),
            'fp32 deploy': fp32,
            'int8': int8,
        })
    metric = next(iter(scores['int8']))
    return dict(
        int8=int8,
        backend=int8.backend,
        float_precision=int8.float_precision,
        metric=metric,
        scores=scores,
        drop=100 * (scores['fp32 deploy'][metric] - scores['int8'][metric]),
        calibration_images=calibrated)
