"""Score a detector's fast callables (its fp32 export, its INT8 model) with
the config's own test metric, as ``tools/test.py`` scores the PyTorch
detector, and time them on the same images."""
import copy
import time
from typing import Callable, Dict, List, Sequence

import torch
from mmengine.config import Config
from torch import Tensor, nn

from .data_checks import check_data_roots
from .split_images import preprocessed_batches, split_dataset

# A callable from one normalised image (1, 3, H, W) to boxes (in its
# pixels), scores and labels, as a DetectorGraph and its exports give them.
Detect = Callable[[Tensor], Sequence[Tensor]]


def _in_original_pixels(boxes: Tensor, sample) -> Tensor:
    """Boxes of the preprocessed image in the original image's pixels, as
    mmdet's ``rescale=True`` gives them: clipped to the resized image (not
    its padding), divided by the resize's scale factor."""
    height, width = sample.img_shape
    boxes = boxes.clone()
    boxes[:, 0::2] = boxes[:, 0::2].clamp(0, width)
    boxes[:, 1::2] = boxes[:, 1::2].clamp(0, height)
    scale_w, scale_h = sample.get('scale_factor', (1.0, 1.0))
    return boxes / boxes.new_tensor([scale_w, scale_h, scale_w, scale_h])


def detection_metrics(cfg: Config,
                      model: nn.Module,
                      detectors: Dict[str, Detect],
                      split: str = 'test') -> Dict[str, Dict[str, float]]:
    """Run detectors over a split's images, one image at a time, and score
    each with the config's ``test_evaluator`` (e.g. mmdet's ``CocoMetric``).

    The detectors run in turn on each image, so that their times are
    measured side by side.

    Args:
        cfg (Config): The detection config.
        model (nn.Module): The detector, for its data preprocessor.
        detectors (dict[str, Callable]): By name, callables from one
            normalised image to boxes, scores and labels (e.g.
            :func:`~mmshuffle.deploy.detector.mmdet_detections`, an
            :class:`~mmshuffle.deploy.OptimizedModel` of the detector).
        split (str): The split to score on. Defaults to 'test'.

    Returns:
        dict: By detector, its metrics (the evaluator's keys) and ``ms``,
        its median milliseconds per image.

    Raises:
        MissingDataError: If the split's data is not there.
    """
    from mmengine.evaluator import Evaluator
    from mmengine.registry import DefaultScope
    from mmengine.structures import InstanceData
    check_data_roots(cfg, (split, ))
    dataset = split_dataset(cfg, split)
    evaluator_cfg = cfg.get(f'{split}_evaluator')
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope') or 'mmdet'):
        evaluators = {name: Evaluator(copy.deepcopy(evaluator_cfg))
                      for name in detectors}
    for evaluator in evaluators.values():
        evaluator.dataset_meta = dataset.metainfo
    seconds: Dict[str, List[float]] = {name: [] for name in detectors}
    for data in preprocessed_batches(cfg, model, split, dataset=dataset):
        image, sample = data['inputs'], data['data_samples'][0]
        for name, detect in detectors.items():
            start = time.perf_counter()
            with torch.no_grad():
                boxes, scores, labels = (torch.as_tensor(t)
                                         for t in detect(image))
            seconds[name].append(time.perf_counter() - start)
            result = sample.clone()
            result.pred_instances = InstanceData(
                bboxes=_in_original_pixels(boxes, sample), scores=scores,
                labels=labels)
            evaluators[name].process([result], data)
    return {
        name: dict(evaluator.evaluate(len(dataset)),
                   ms=1e3 * torch.tensor(seconds[name]).median().item())
        for name, evaluator in evaluators.items()
    }
