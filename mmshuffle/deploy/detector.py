"""An MMDetection detector as one exportable graph: an image tensor in;
boxes, scores and labels out, after the head's box decoding and NMS.

:class:`DetectorGraph` reproduces what ``detector.predict(...,
rescale=False)`` gives for one image, with operators that ``torch.export``
and ONNX know: ``torchvision.ops.nms`` (ONNX ``NonMaxSuppression``) and
``torchvision.ops.roi_align`` (ONNX ``RoiAlign``) in place of mmcv's compiled
ops, and the selection steps of mmdet's ``filter_scores_and_topk``,
``batched_nms`` and ``multiclass_nms`` written as tensor operations. It takes
single-stage detectors with a dense head (RetinaNet, FCOS, SSD/SSDLite: any
head with ``prior_generator`` and ``bbox_coder``) and two-stage ones with an
RPN and a ``StandardRoIHead`` whose box head is class-specific (Faster
R-CNN).

The input is one image, ``(1, 3, H, W)`` float32, normalised as the
config's ``data_preprocessor`` does (mean, std, channel order) and padded
as it pads; the outputs are ``boxes`` ``(K, 4)`` float32, ``(x1, y1, x2,
y2)`` in pixels of that input, clipped to it, ``scores`` ``(K, )`` float32
in decreasing order and ``labels`` ``(K, )`` int64, ``K <=
test_cfg.max_per_img``. Boxes of an image that was resized before it was fed
are divided by the resize's scale factor to land on the original image (what
``rescale=True`` does in mmdet).
"""
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor, nn

from ..compat.atomic_files import atomic_write
from ..errors import ExportError, ExportVerificationError
from .onnx_session import export_onnx, require_onnxruntime, session_runner
from .steps import prepare

# The names of the graph's input and outputs.
INPUT_NAME = 'image'
OUTPUT_NAMES = ('boxes', 'scores', 'labels')
Detections = Tuple[Tensor, Tensor, Tensor]
# An image's (height, width) and how many boxes were compared on it.
Checked = Tuple[Tuple[int, int], int]
# How far an export's boxes may be from mmdet's: a fraction of each
# coordinate (of at least one pixel); and its scores.
BOX_RTOL = 1e-3
SCORE_ATOL = 1e-3
# The boxes compared between an export and mmdet by default: those scoring
# above the threshold MMDetection's demos draw from.
COMPARED_SCORE = 0.3


def is_detector(model: nn.Module) -> bool:
    """Whether a model is an MMDetection detector (it has ``extract_feat``
    and a box or proposal head).

    Args:
        model (nn.Module): Any module.

    Returns:
        bool: True for a detector.
    """
    return hasattr(model, 'extract_feat') and (hasattr(model, 'bbox_head')
                                               or hasattr(model, 'rpn_head'))


def batched_nms(boxes: Tensor, scores: Tensor, groups: Tensor,
                iou_threshold: float) -> Tensor:
    """NMS within each group (class or pyramid level), as mmcv's
    ``batched_nms`` does it: the boxes of each group are moved by
    ``group * (largest coordinate + 1)`` so that no two groups overlap, then
    one NMS runs over all of them.

    Args:
        boxes (Tensor): ``(n, 4)`` boxes, ``(x1, y1, x2, y2)``.
        scores (Tensor): ``(n, )`` scores.
        groups (Tensor): ``(n, )`` integer group of each box.
        iou_threshold (float): Boxes overlapping a higher-scoring one of
            their group by more than this IoU are dropped.

    Returns:
        Tensor: Indices of the kept boxes, by decreasing score.
    """
    from torchvision.ops import nms

    # The largest coordinate, 0 when there are no boxes.
    largest = torch.cat([boxes.reshape(-1), boxes.new_zeros(1)]).max()
    offsets = groups.to(boxes.dtype) * (largest + 1)
    return nms(boxes + offsets[:, None], scores, iou_threshold)


def _test_cfg_value(cfg, key: str, default=None):
    """``cfg.key`` of a test config (a ConfigDict or a dict)."""
    return cfg.get(key, default) if cfg is not None else default


def _keep_wide_boxes(boxes: Tensor, min_size: float) -> Tensor:
    """Mask of the boxes wider and taller than ``min_size``."""
    return ((boxes[:, 2] - boxes[:, 0]) > min_size) & (
        (boxes[:, 3] - boxes[:, 1]) > min_size)


class DenseHeadDecoder(nn.Module):
    """A dense head's ``predict_by_feat`` for one image: the ``nms_pre``
    best class scores of each level above ``score_thr``, their boxes decoded,
    scaled by the score factors (FCOS's centerness), boxes of at most
    ``min_bbox_size`` dropped, then per-class NMS and ``max_per_img``.

    Args:
        head (nn.Module): An mmdet dense head (``RetinaHead``, ``FCOSHead``,
            ``SSDHead``, ``RPNHead`` ...).
        cfg (dict): Its test config (``score_thr``, ``nms_pre``, ``nms``,
            ``max_per_img``, ``min_bbox_size``).
        proposals (bool): Whether the head proposes regions (an RPN): the
            NMS groups are then the pyramid levels and every label is 0, as
            mmdet's ``RPNHead`` does. Defaults to False.
    """

    def __init__(self, head: nn.Module, cfg, proposals: bool = False):
        super().__init__()
        self.head = head
        self.proposals = proposals
        self.score_thr = float(_test_cfg_value(cfg, 'score_thr', 0.0))
        self.nms_pre = int(_test_cfg_value(cfg, 'nms_pre', -1))
        self.iou_threshold = float(cfg['nms']['iou_threshold'])
        self.max_per_img = int(_test_cfg_value(cfg, 'max_per_img', -1))
        self.min_bbox_size = float(_test_cfg_value(cfg, 'min_bbox_size', -1))

    def _scores(self, cls_score: Tensor) -> Tensor:
        """``(num_priors, num_classes)`` scores of one level's logits."""
        head = self.head
        scores = cls_score.permute(1, 2, 0).reshape(-1,
                                                    head.cls_out_channels)
        if head.use_sigmoid_cls:
            return scores.sigmoid()
        return scores.softmax(-1)[:, :-1]  # the last class is background

    def _select(self, scores: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """The ``nms_pre`` best (prior, class) pairs: their scores, prior
        indices and classes (the ``score_thr`` cut comes after the boxes
        are decoded, where it gives the same boxes: decoding a fixed number
        of boxes traces without a data-dependent size)."""
        num_classes = scores.shape[1]
        flat = scores.reshape(-1)
        if self.nms_pre > 0:
            flat, order = flat.topk(min(self.nms_pre, flat.shape[0]))
        else:
            order = torch.arange(flat.shape[0])
        return flat, order // num_classes, order % num_classes

    def forward(self, cls_scores: Sequence[Tensor],
                bbox_preds: Sequence[Tensor],
                score_factors: Optional[Sequence[Tensor]],
                image_size: Tuple[int, int]) -> Detections:
        """Decode one image's head outputs into detections.

        Args:
            cls_scores (Sequence[Tensor]): Per level, ``(1, A * C, h, w)``.
            bbox_preds (Sequence[Tensor]): Per level, ``(1, A * 4, h, w)``.
            score_factors (Sequence[Tensor], optional): Per level,
                ``(1, A, h, w)`` logits that multiply the scores (FCOS's
                centerness); None for heads without.
            image_size (tuple[int, int]): Height and width of the input, to
                clip the boxes to.

        Returns:
            tuple[Tensor, Tensor, Tensor]: Boxes ``(K, 4)``, scores ``(K, )``
            and labels ``(K, )``, by decreasing score.
        """
        head = self.head
        priors = head.prior_generator.grid_priors(
            [score.shape[-2:] for score in cls_scores],
            dtype=cls_scores[0].dtype, device=cls_scores[0].device)
        levels = []
        for level, (cls_score, bbox_pred, level_priors) in enumerate(
                zip(cls_scores, bbox_preds, priors)):
            scores, prior_index, labels = self._select(
                self._scores(cls_score[0]))
            # RPNHead keeps every score.
            keep = (scores > self.score_thr if not self.proposals else
                    torch.ones_like(scores, dtype=torch.bool))
            deltas = bbox_pred[0].permute(1, 2, 0).reshape(
                -1, head.bbox_coder.encode_size)[prior_index]
            if score_factors is not None:
                factor = score_factors[level][0].permute(1, 2, 0).reshape(-1)
                scores = scores * factor[prior_index].sigmoid()
            if self.proposals:
                labels = torch.full_like(labels, level)
            levels.append(
                (level_priors[prior_index], deltas, scores, labels, keep))
        level_priors, deltas, scores, groups, keep = (
            torch.cat(parts) for parts in zip(*levels))
        boxes = head.bbox_coder.decode(level_priors, deltas,
                                       max_shape=image_size)
        if self.min_bbox_size >= 0:
            keep = keep & _keep_wide_boxes(boxes, self.min_bbox_size)
        boxes, scores, groups = boxes[keep], scores[keep], groups[keep]
        keep = batched_nms(boxes, scores, groups, self.iou_threshold)
        if self.max_per_img > 0:
            keep = keep[:self.max_per_img]
        labels = torch.zeros_like(groups) if self.proposals else groups
        return boxes[keep], scores[keep], labels[keep]


class RoIHeadDecoder(nn.Module):
    """A ``StandardRoIHead``'s ``predict_bbox`` for one image: RoIAlign of
    each proposal on its pyramid level, the box head, class-specific box
    decoding, then mmdet's ``multiclass_nms``.

    Args:
        roi_head (nn.Module): An mmdet ``StandardRoIHead`` with a
            ``SingleRoIExtractor`` of ``RoIAlign`` layers and a
            class-specific box head.
        cfg (dict): Its test config (``score_thr``, ``nms``,
            ``max_per_img``).
    """

    def __init__(self, roi_head: nn.Module, cfg):
        super().__init__()
        self.roi_head = roi_head
        self.score_thr = float(cfg['score_thr'])
        self.iou_threshold = float(cfg['nms']['iou_threshold'])
        self.max_per_img = int(cfg['max_per_img'])

    def _roi_features(self, feats: Sequence[Tensor], rois: Tensor) -> Tensor:
        """``(n, C, s, s)`` features of ``(n, 5)`` RoIs: each RoI pooled on
        the level its size maps to, as ``SingleRoIExtractor`` does."""
        from torchvision.ops import roi_align
        extractor = self.roi_head.bbox_roi_extractor
        layers = extractor.roi_layers
        levels = extractor.map_roi_levels(rois, len(layers))
        size = layers[0].output_size
        size = (size, size) if isinstance(size, int) else tuple(size)
        pooled = rois.new_zeros(rois.shape[0], feats[0].shape[1], *size)
        for level, layer in enumerate(layers):
            index = (levels == level).nonzero().squeeze(1)
            pooled = pooled.index_copy(0, index, roi_align(
                feats[level], rois[index], output_size=layer.output_size,
                spatial_scale=layer.spatial_scale,
                sampling_ratio=layer.sampling_ratio, aligned=layer.aligned))
        return pooled

    def forward(self, feats: Sequence[Tensor], proposals: Tensor,
                image_size: Tuple[int, int]) -> Detections:
        """Detect in one image from its proposals.

        Args:
            feats (Sequence[Tensor]): The neck's levels, ``(1, C, h, w)``.
            proposals (Tensor): ``(n, 4)`` proposal boxes.
            image_size (tuple[int, int]): Height and width of the input.

        Returns:
            tuple[Tensor, Tensor, Tensor]: Boxes, scores and labels.
        """
        bbox_head = self.roi_head.bbox_head
        # Image 0 of each RoI (shapes only: a traced graph keeps the
        # proposal count symbolic).
        rois = torch.cat([torch.zeros_like(proposals[:, :1]), proposals],
                         dim=1)
        extractor = self.roi_head.bbox_roi_extractor
        cls_score, bbox_pred = bbox_head(
            self._roi_features(feats[:extractor.num_inputs], rois))
        num_classes = bbox_head.num_classes
        scores = cls_score.softmax(-1)[:, :-1].reshape(-1)
        boxes = bbox_head.bbox_coder.decode(
            proposals.repeat_interleave(num_classes, dim=0),
            bbox_pred.reshape(-1, bbox_head.bbox_coder.encode_size),
            max_shape=image_size)
        labels = torch.arange(num_classes).expand_as(
            cls_score[:, :-1]).reshape(-1)
        keep = scores > self.score_thr
        boxes, scores, labels = boxes[keep], scores[keep], labels[keep]
        keep = batched_nms(boxes, scores, labels, self.iou_threshold)
        if self.max_per_img > 0:
            keep = keep[:self.max_per_img]
        return boxes[keep], scores[keep], labels[keep]


class DetectorGraph(nn.Module):
    """An mmdet detector from image to detections, for ``torch.export`` and
    ONNX (see the module's docstring for the inputs and outputs).

    Args:
        detector (nn.Module): An mmdet ``SingleStageDetector`` with a dense
            head, or a ``TwoStageDetector`` with an RPN and a
            ``StandardRoIHead``, in eval mode.

    Raises:
        ExportError: For another kind of detector or head.
    """
    # The graph takes one image at a time (its height and width vary).
    single_image = True

    def __init__(self, detector: nn.Module):
        super().__init__()
        self.detector = detector
        test_cfg = detector.test_cfg or {}
        if getattr(detector, 'with_rpn', False):
            roi_head = getattr(detector, 'roi_head', None)
            bbox_head = getattr(roi_head, 'bbox_head', None)
            if (type(roi_head).__name__ != 'StandardRoIHead'
                    or getattr(bbox_head, 'reg_class_agnostic', True)
                    or getattr(bbox_head, 'custom_cls_channels', False)):
                raise ExportError(
                    f'{type(detector).__name__} has a '
                    f'{type(roi_head).__name__}: the export takes a '
                    'StandardRoIHead with a class-specific box head')
            self.rpn = DenseHeadDecoder(detector.rpn_head, test_cfg['rpn'],
                                        proposals=True)
            self.rcnn = RoIHeadDecoder(roi_head, test_cfg['rcnn'])
            self.dense = None
        else:
            head = getattr(detector, 'bbox_head', None)
            missing = [name for name in ('prior_generator', 'bbox_coder')
                       if not hasattr(head, name)]
            if head is None or missing or getattr(
                    getattr(head, 'loss_cls', None), 'custom_cls_channels',
                    False):
                raise ExportError(
                    f'{type(detector).__name__} with a '
                    f'{type(head).__name__}: the export takes a dense head '
                    'with prior_generator and bbox_coder (RetinaNet, FCOS, '
                    'SSD) or a two-stage detector with an RPN')
            self.dense = DenseHeadDecoder(head, test_cfg)
            self.rpn = self.rcnn = None

    def forward(self, image: Tensor) -> Detections:
        """Detect in one image.

        Args:
            image (Tensor): ``(1, 3, H, W)``, normalised and padded as the
                config's data preprocessor does.

        Returns:
            tuple[Tensor, Tensor, Tensor]: Boxes ``(K, 4)`` in input pixels,
            scores ``(K, )`` by decreasing value and int64 labels ``(K, )``.
        """
        image_size = (image.shape[2], image.shape[3])
        feats = self.detector.extract_feat(image)
        if self.dense is not None:
            outs = self.dense.head(feats)
            factors = outs[2] if len(outs) > 2 else None
            return self.dense(outs[0], outs[1], factors, image_size)
        proposals, _, _ = self.rpn(*self.rpn.head(feats), None, image_size)
        return self.rcnn(feats, proposals, image_size)


def mmdet_detections(detector: nn.Module, image: Tensor) -> Detections:
    """What ``detector.predict(..., rescale=False)`` gives for one input:
    the reference a :class:`DetectorGraph` export is checked against.

    Args:
        detector (nn.Module): The mmdet detector, eval mode.
        image (Tensor): ``(1, 3, H, W)`` normalised input.

    Returns:
        tuple[Tensor, Tensor, Tensor]: Boxes, scores and labels.
    """
    from mmdet.structures import DetDataSample
    size = tuple(image.shape[2:])
    sample = DetDataSample(metainfo=dict(
        img_shape=size, ori_shape=size, pad_shape=size,
        batch_input_shape=size, scale_factor=(1.0, 1.0)))
    with torch.no_grad():
        result = detector.predict(image, [sample], rescale=False)[0]
    instances = result.pred_instances
    return instances.bboxes, instances.scores, instances.labels


def match_detections(got: Detections, expected: Detections,
                     score_thr: float) -> int:
    """Check an export's detections against mmdet's, above a score.

    The two must hold the same number of boxes scoring above
    ``score_thr``, and each of mmdet's must have one of the export's with
    the same label, a score within :data:`SCORE_ATOL` and coordinates
    within :data:`BOX_RTOL` of theirs (relative, of at least one pixel).

    Args:
        got (tuple[Tensor, Tensor, Tensor]): The export's boxes, scores and
            labels.
        expected (tuple[Tensor, Tensor, Tensor]): mmdet's.
        score_thr (float): Compare the boxes scoring above this.

    Returns:
        int: How many boxes scored above ``score_thr``.

    Raises:
        ExportVerificationError: If they differ, saying how.
    """
    def above(detections: Detections) -> Detections:
        boxes, scores, labels = (torch.as_tensor(t) for t in detections)
        keep = scores > score_thr
        return boxes[keep].float(), scores[keep].float(), labels[keep].long()

    got_boxes, got_scores, got_labels = above(got)
    boxes, scores, labels = above(expected)
    if len(got_boxes) != len(boxes):
        raise ExportVerificationError(
            f'the export finds {len(got_boxes)} boxes scoring above '
            f'{score_thr:g}, mmdet finds {len(boxes)}')
    unmatched = torch.ones(len(got_boxes), dtype=torch.bool)
    for box, score, label in zip(boxes, scores, labels):
        close = (unmatched & (got_labels == label)
                 & ((got_scores - score).abs() <= SCORE_ATOL)
                 & ((got_boxes - box).abs() <= BOX_RTOL *
                    box.abs().clamp(min=1)).all(dim=1))
        if not close.any():
            raise ExportVerificationError(
                f'mmdet finds label {label.item()} at '
                f'{[round(v, 2) for v in box.tolist()]} scoring '
                f'{score.item():.4f}; the export has no box within '
                f'{BOX_RTOL:g} of it with that label and score')
        unmatched[close.nonzero()[0, 0]] = False
    return len(boxes)


def export_detector(detector: nn.Module,
                    out: Union[str, Path],
                    images: Sequence[Tensor],
                    score_thr: float = COMPARED_SCORE) -> List[Checked]:
    """Export a detector to ONNX as a :class:`DetectorGraph` with a dynamic
    height and width, and check it against ``detector.predict`` with ONNX
    Runtime on each image before writing it.

    The export is written (atomically) only once checked, so a failed
    export never replaces a file.

    Args:
        detector (nn.Module): The mmdet detector, eval mode.
        out (str | Path): The ``.onnx`` file to write.
        images (Sequence[Tensor]): ``(1, 3, H, W)`` normalised inputs (real
            images, for detections to compare), of any sizes; the first is
            traced.
        score_thr (float): Compare the boxes scoring above this, see
            :func:`match_detections`. Defaults to :data:`COMPARED_SCORE`.

    Returns:
        list: For each image, its ``(H, W)`` and how many boxes scored
        above ``score_thr``.

    Raises:
        ExportError: For a detector the graph does not take.
        ExportVerificationError: If the export differs from mmdet on an
            image; nothing is written then.
    """
    require_onnxruntime('the detector export')
    graph = prepare(detector, ())  # a DetectorGraph of a frozen copy
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx = export_onnx(graph, images[0], dynamic_batch=False,
                       dynamic_size=True, names=(INPUT_NAME, ) + OUTPUT_NAMES)
    run = session_runner(onnx)
    checked = []
    for image in images:
        size = tuple(image.shape[2:])
        try:
            count = match_detections(
                run(image), mmdet_detections(detector, image), score_thr)
        except ExportVerificationError as error:
            raise ExportVerificationError(
                f'on a {size[0]}x{size[1]} image, {error}; {out} was not '
                'written') from None
        checked.append((size, count))
    atomic_write(onnx, out)
    return checked
