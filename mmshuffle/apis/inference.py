"""Run a classifier or a detector on images: the model zoo's models by
name, or any config with its checkpoint.

Classification runs through mmpretrain's ``ImageClassificationInferencer``
and detection through MMDetection's ``DetInferencer``; both draw their
predictions with their own visualizers.
"""
import contextlib
import os
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Union

import numpy as np
from torch import nn

from ..errors import UserInputError

Image = Union[str, os.PathLike, np.ndarray]
Images = Union[Image, Sequence[Image]]
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')


def list_images(image_or_folder: Union[str, os.PathLike]) -> List[str]:
    """The image files a path names: the file itself, or a folder's images
    (any depth, sorted).

    Args:
        image_or_folder (str | PathLike): An image file or a folder.

    Returns:
        list[str]: The image paths.

    Raises:
        UserInputError: If the path does not exist or a folder holds no
            image.
    """
    path = Path(image_or_folder)
    if path.is_file():
        return [str(path)]
    if not path.is_dir():
        raise UserInputError(f'image {str(path)!r}: no such file or folder')
    images = sorted(str(p) for p in path.rglob('*')
                    if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise UserInputError(
            f'image {str(path)!r}: the folder holds no image '
            f'({", ".join(IMAGE_SUFFIXES)})')
    return images


def is_detection_config(config) -> bool:
    """Whether a config describes an MMDetection model (its default scope
    is ``mmdet``)."""
    return config.get('default_scope') == 'mmdet'


def _config_of(model: Union[str, os.PathLike, nn.Module]):
    """The config of a zoo name, a config file or a model built from one;
    None for a model without one."""
    from mmengine.config import Config
    if isinstance(model, nn.Module):
        return getattr(model, '_config', None) or getattr(model, 'cfg', None)
    if str(model).endswith('.py'):
        if not Path(model).is_file():
            raise UserInputError(f'model {str(model)!r}: no such config file')
        return Config.fromfile(str(model))
    from .model_index import find_model
    return Config.fromfile(str(find_model(str(model)).config))


def _classify(model, inputs: List, checkpoint, device, topk: int,
              out_dir, resize) -> List[Dict]:
    from mmpretrain.apis import ImageClassificationInferencer
    if not isinstance(model, nn.Module):
        if str(model).endswith('.py'):
            from mmpretrain.apis import get_model as mmpretrain_get_model
            model = mmpretrain_get_model(str(model), pretrained=checkpoint
                                         or False)
        else:
            from .model_zoo import get_model
            model = get_model(str(model), pretrained=checkpoint or True)
    inferencer = ImageClassificationInferencer(model, device=device)
    results = inferencer(inputs, show_dir=None if out_dir is None else
                         str(out_dir), resize=resize)
    classes = inferencer.classes
    for result in results:
        scores = result['pred_scores']
        order = np.argsort(-scores)[:topk]
        result['topk'] = [
            (classes[i] if classes else int(i), float(scores[i]))
            for i in order
        ]
    return results


def _detect(model, inputs: List, checkpoint, device, score_thr: float,
            out_dir) -> List[Dict]:
    from mmdet.apis import DetInferencer
    if isinstance(model, nn.Module):
        raise UserInputError('model: a detector is given by its config '
                             '(and --checkpoint), not as a built module')
    inferencer = DetInferencer(model=str(model), weights=checkpoint,
                               device=device, scope='mmdet',
                               show_progress=False)
    output = inferencer(inputs, pred_score_thr=score_thr,
                        out_dir='' if out_dir is None else str(out_dir),
                        no_save_vis=out_dir is None)
    classes = inferencer.model.dataset_meta.get('classes', ())
    results = []
    for prediction in output['predictions']:
        keep = [i for i, score in enumerate(prediction['scores'])
                if score >= score_thr]
        labels = [prediction['labels'][i] for i in keep]
        results.append(dict(
            labels=labels,
            classes=[classes[label] if classes else label
                     for label in labels],
            scores=[prediction['scores'][i] for i in keep],
            bboxes=[prediction['bboxes'][i] for i in keep]))
    return results


@contextlib.contextmanager
def _keep_default_scope() -> Iterator[None]:
    """Leave MMEngine's default scopes as they were: mmpretrain's and
    mmdet's inferencers make theirs the current one, which would then build
    the caller's next config in the wrong registry. (The scopes are kept in
    ``DefaultScope._instance_dict``, the latest current, as MMEngine's own
    ``overwrite_default_scope`` handles them.)"""
    from mmengine.registry import DefaultScope
    saved = DefaultScope._instance_dict.copy()
    try:
        yield
    finally:
        DefaultScope._instance_dict.clear()
        DefaultScope._instance_dict.update(saved)


def inference_model(model: Union[str, os.PathLike, nn.Module],
                    images: Images,
                    checkpoint: Optional[Union[str, os.PathLike]] = None,
                    device: Optional[str] = None,
                    topk: int = 5,
                    pred_score_thr: float = 0.3,
                    out_dir: Optional[Union[str, os.PathLike]] = None,
                    resize: Optional[int] = 224) -> List[Dict]:
    """Predict on images with a classifier or a detector.

    Args:
        model (str | PathLike | nn.Module): A model zoo name
            (:func:`mmshuffle.list_models`), a config file (classification
            or MMDetection), or a classifier built from a config (e.g. by
            :func:`mmshuffle.get_model`).
        images (str | PathLike | np.ndarray | Sequence): An image file, a
            folder of images, a ``(H, W, 3)`` BGR array, or a list of them.
        checkpoint (str | PathLike, optional): The weights; a zoo name
            without it takes its published weights, a config without it
            its initial ones. Defaults to None.
        device (str, optional): ``'cpu'``, ``'cuda'``, ``'cuda:1'``...
            Defaults to None: a GPU where there is one.
        topk (int): Classification: how many classes to list. Defaults to
            5.
        pred_score_thr (float): Detection: the least score of a box kept
            and drawn. Defaults to 0.3.
        out_dir (str | PathLike, optional): Write each image with its
            predictions drawn into this folder (classification:
            ``out_dir/NAME.png``; detection: ``out_dir/vis/NAME``).
            Defaults to None: draw nothing.
        resize (int, optional): Classification: draw on the image resized
            to this short edge, so that small images' labels can be read;
            None draws at the image's own size. Defaults to 224.

    Returns:
        list[dict]: One per image. Classification: ``pred_label``,
        ``pred_class``, ``pred_score``, ``pred_scores`` and ``topk``, a list
        of ``(class, score)``. Detection: ``labels``, ``classes``,
        ``scores`` and ``bboxes`` (``[x1, y1, x2, y2]`` in pixels) of the
        boxes scoring at least ``pred_score_thr``.

    Raises:
        UserInputError: If an image, a folder or a config does not exist,
            or ``topk`` or ``pred_score_thr`` is out of range.
    """
    if topk < 1:
        raise UserInputError(f'topk must be at least 1, got {topk}')
    if not 0 <= pred_score_thr <= 1:
        raise UserInputError(
            f'pred_score_thr must be in [0, 1], got {pred_score_thr}')
    if isinstance(images, (str, os.PathLike)):
        inputs = list_images(images)
    elif isinstance(images, np.ndarray):
        inputs = [images]
    else:
        inputs = [image if isinstance(image, np.ndarray) else
                  list_images(image)[0] for image in images]
    config = _config_of(model)
    with _keep_default_scope():
        if config is not None and is_detection_config(config):
            return _detect(model, inputs, checkpoint, device,
                           pred_score_thr, out_dir)
        return _classify(model, inputs, checkpoint, device, topk, out_dir,
                         resize)
