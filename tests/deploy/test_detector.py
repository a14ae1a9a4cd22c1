"""A detector as one graph (mmshuffle.deploy.detector): every detection
config's graph finds what the detector's own ``predict`` finds, and its ONNX
export does too, at several sizes, or is not written."""
from pathlib import Path

import pytest
import torch
from torch import nn

from mmshuffle.cli import build_model
from mmshuffle.deploy import detector as detector_module
from mmshuffle.deploy.detector import (
    DetectorGraph,
    export_detector,
    match_detections,
    mmdet_detections,
)
from mmshuffle.errors import ExportError, ExportVerificationError

from ..configs.test_detection_configs import CONFIGS, load

# Height and width of the inputs: not square, and not a multiple of 32 for
# the second.
SIZES = ((128, 160), (100, 92))


def build_detector(path: Path) -> nn.Module:
    """A config's detector with its initial weights, keeping every box
    (score threshold 0) and, for SSD, every candidate (no ``nms_pre``:
    its near-uniform initial softmax scores tie at the cut, and two sorts
    break ties differently)."""
    cfg = load(path)
    test_cfg = cfg.model.test_cfg
    (test_cfg.rcnn if 'rcnn' in test_cfg else test_cfg).score_thr = 0.0
    torch.manual_seed(0)
    model = build_model(cfg)
    model.init_weights()
    # Two-stage classifiers whose scores differ from box to box (mmdet's
    # initial ones give nearly equal scores, equal ones at times, which two
    # sorts order differently).
    for name, module in model.named_modules():
        if name.endswith(('rpn_cls', 'fc_cls')):
            nn.init.normal_(module.weight)
    return model.eval()


def noise(size) -> torch.Tensor:
    """A normalised input without flat regions (ties in a flat region are
    broken differently by different sorts)."""
    return torch.randn(1, 3, *size, generator=torch.Generator().manual_seed(0))


# SSD's initial network gives every box the same score: its decoding is
# checked on random head outputs below.
WHOLE = [p for p in CONFIGS if not p.stem.startswith('ssd')]


@pytest.mark.parametrize('path', WHOLE, ids=[p.stem for p in WHOLE])
def test_the_graph_finds_what_mmdet_finds(path):
    model = build_detector(path)
    graph = DetectorGraph(model).eval()
    for size in SIZES:
        image = noise(size)
        with torch.no_grad():
            got = graph(image)
        expected = mmdet_detections(model, image)
        # The best boxes, down to the widest gap between scores 10 to 30
        # (the initial weights give many near-equal low scores, equal ones
        # at times, which two sorts and two CPUs' kernels order
        # differently; the decoding of every box is checked on random head
        # outputs below).
        scores = expected[1][9:31]
        gap = (scores[:-1] - scores[1:]).argmax()
        threshold = ((scores[gap] + scores[gap + 1]) / 2).item()
        assert match_detections(got, expected, threshold) >= 10
        boxes = got[0]
        assert boxes[:, 0::2].max() <= size[1] and boxes[:, 1::2].max() <= \
            size[0] and boxes.min() >= 0
        assert (got[1][:-1] >= got[1][1:]).all()  # by decreasing score
        assert got[2].dtype == torch.int64


DENSE = [p for p in CONFIGS if not p.stem.startswith('faster')]


@pytest.mark.parametrize('path', DENSE, ids=[p.stem for p in DENSE])
def test_dense_decoding_is_mmdet_s_on_random_head_outputs(path):
    model = build_detector(path)
    head = model.bbox_head
    decoder = DetectorGraph(model).dense
    generator = torch.Generator().manual_seed(0)
    size = SIZES[0]
    with torch.no_grad():
        outs = head(model.extract_feat(noise(size)))
    outs = [[torch.randn(o.shape, generator=generator) * 2 for o in level]
            for level in outs]
    factors = outs[2] if len(outs) > 2 else None
    with torch.no_grad():
        got = decoder(outs[0], outs[1], factors, size)
        meta = dict(img_shape=size, scale_factor=(1.0, 1.0))
        expected = head.predict_by_feat(*outs, batch_img_metas=[meta],
                                        rescale=False)[0]
    expected = (expected.bboxes, expected.scores, expected.labels)
    assert len(expected[0]) > 10
    assert match_detections(got, expected, -1.0) == len(expected[0])


TWO_STAGE = next(p for p in CONFIGS if p.stem.startswith('faster'))


def test_the_onnx_export_is_checked_at_each_size(tmp_path):
    # The two-stage detector: two NMS and RoIAlign in ONNX. A dense head's
    # export is checked on a trained detector and real images in
    # tests/tools/test_detection_tools.py.
    model = build_detector(TWO_STAGE)
    out = tmp_path / 'detector.onnx'
    images = [noise(size) for size in SIZES]
    checked = export_detector(model, out, images, score_thr=0.0)
    assert [size for size, _ in checked] == list(SIZES)
    assert all(count > 10 for _, count in checked)
    import onnxruntime
    session = onnxruntime.InferenceSession(
        str(out), providers=['CPUExecutionProvider'])
    assert [i.name for i in session.get_inputs()] == ['image']
    assert [o.name for o in session.get_outputs()] == [
        'boxes', 'scores', 'labels']
    image = noise((96, 128))  # a size it was not checked at
    got = session.run(None, {'image': image.numpy()})
    assert match_detections(got, mmdet_detections(model, image), 0.0) > 10


def test_an_export_that_differs_is_not_written(monkeypatch, tmp_path):
    model = build_detector(DENSE[0])
    graph = DetectorGraph(model).eval()

    def drops_the_last_box(onnx):
        return lambda x: [t[:-1] for t in graph(x)]

    # What runs the export drops a box (the export itself is not made).
    monkeypatch.setattr(detector_module, 'export_onnx', lambda *a, **k: b'')
    monkeypatch.setattr(detector_module, 'session_runner', drops_the_last_box)
    out = tmp_path / 'detector.onnx'
    with pytest.raises(ExportVerificationError,
                       match=r'on a 128x160 image, the export finds \d+ '
                       r'boxes scoring above 0, mmdet finds \d+; .* was not '
                       'written'):
        export_detector(model, out, [noise(SIZES[0])], score_thr=0.0)
    assert list(tmp_path.iterdir()) == []


def test_a_moved_box_is_named():
    boxes = torch.tensor([[10.0, 10.0, 50.0, 50.0]])
    expected = (boxes, torch.tensor([0.9]), torch.tensor([2]))
    moved = (boxes + torch.tensor([0.0, 0.0, 0.1, 0.0]), expected[1],
             expected[2])
    with pytest.raises(ExportVerificationError,
                       match=r'mmdet finds label 2 at \[10.0, 10.0, 50.0, '
                       r'50.0\] scoring 0.9000; the export has no box'):
        match_detections(moved, expected, 0.3)
    assert match_detections(expected, expected, 0.3) == 1
    assert match_detections(expected, expected, 0.95) == 0


def test_a_detector_without_a_dense_head_or_rpn_is_refused():
    model = build_detector(DENSE[0])
    model.bbox_head = nn.Identity()
    with pytest.raises(ExportError, match='the export takes a dense head'):
        DetectorGraph(model)
