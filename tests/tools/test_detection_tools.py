"""tools/train.py, tools/test.py (with --show-dir) and inference_model run
an MMDetection config (default scope mmdet) as they run classification
ones."""
import csv
import json
from pathlib import Path
from typing import List, NamedTuple

import cv2
import pytest
import torch

from mmshuffle.apis import inference_model
from mmshuffle.demo_data import materialize_shapes

from .tiny_digits import ROOT, run_tool, run_tool_here

SHAPES_CONFIG = ROOT / 'configs' / 'detection' / \
    'fcos_shufflenet-v2-1x_fpn_shapes.py'
# ShuffleNetV2 0.5x on four 96x96 images, one epoch.
SMALL = '''
_base_ = [{base!r}]
model = dict(backbone=dict(widen_factor=0.5),
             neck=dict(in_channels=[48, 96, 192]),
             # After one epoch every score is low: keep them, so that
             # CocoMetric has detections to evaluate.
             test_cfg=dict(score_thr=0.0))
train_dataloader = dict(dataset=dict(data_root={root!r}))
val_dataloader = dict(dataset=dict(data_root={root!r}))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file={root!r} + 'annotations/instances_val.json')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=1, val_interval=1)
'''


class Detector(NamedTuple):
    """A config, its checkpoint after one epoch, and its data."""
    config: Path
    checkpoint: Path
    data: Path


@pytest.fixture(scope='module')
def detector(tmp_path_factory) -> Detector:
    folder = tmp_path_factory.mktemp('detection')
    data = folder / 'shapes'
    materialize_shapes(data, num_train=8, num_val=4, image_size=96)
    config = folder / 'small.py'
    config.write_text(SMALL.format(base=str(SHAPES_CONFIG),
                                   root=f'{data}/'))
    run_tool(['tools/train.py', str(config), '--work-dir',
              str(folder / 'work')])
    return Detector(config, folder / 'work' / 'epoch_1.pth', data)


def val_images(data: Path) -> List[str]:
    return sorted(str(p) for p in (data / 'val').glob('*.png'))


def test_test_a_detection_config_and_draw_its_images(detector, tmp_path):
    metrics_file = tmp_path / 'metrics.json'
    result = run_tool([
        'tools/test.py', str(detector.config), str(detector.checkpoint),
        '--work-dir', str(tmp_path / 'test'), '--out', str(metrics_file),
        '--out-item', 'metrics', '--show-dir', str(tmp_path / 'drawn')
    ])
    assert '1/1, ' in result.stdout  # the progress bar: 4 images, 1 batch
    metrics = json.loads(metrics_file.read_text())
    assert -1 <= metrics['coco/bbox_mAP'] <= 1
    assert 'coco/bbox_mAP_50' in metrics
    # The saved predictions score the same again, without the model.
    predictions = tmp_path / 'pred.pkl'
    run_tool(['tools/test.py', str(detector.config), str(detector.checkpoint),
              '--work-dir', str(tmp_path / 'test'), '--out',
              str(predictions)])
    rescored = tmp_path / 'rescored.json'
    run_tool([str(ROOT / 'tools' / 'analysis_tools' / 'eval_metric.py'),
              str(detector.config), str(predictions), '--out',
              str(rescored)])
    assert json.loads(rescored.read_text()) == metrics
    drawn = sorted((tmp_path / 'drawn').rglob('*.*'))
    assert len(drawn) == 4
    # MMDetection draws the ground truth and the prediction side by side.
    height, width = cv2.imread(str(drawn[0])).shape[:2]
    assert (height, width) == (96, 2 * 96)


def test_inference_draws_the_boxes_above_the_threshold(detector, tmp_path):
    from mmengine.registry import DefaultScope
    scopes = list(DefaultScope._instance_dict)
    images = val_images(detector.data)
    results = inference_model(str(detector.config), images,
                              checkpoint=str(detector.checkpoint),
                              device='cpu', pred_score_thr=0.0,
                              out_dir=tmp_path)
    assert len(results) == len(images) == 4
    for result in results:
        assert len(result['bboxes']) == len(result['scores']) == len(
            result['classes']) > 0
        assert set(result['classes']) <= {'circle', 'square', 'triangle'}
        assert all(len(box) == 4 for box in result['bboxes'])
    assert len(list((tmp_path / 'vis').glob('*'))) == 4
    # mmdet's inferencer made 'mmdet' MMEngine's current scope; the call
    # leaves the scopes as they were.
    assert list(DefaultScope._instance_dict) == scopes
    strict = inference_model(str(detector.config), images[:1],
                             checkpoint=str(detector.checkpoint),
                             device='cpu', pred_score_thr=1.0)
    assert strict[0]['scores'] == []


def test_export_checks_the_detector_on_test_images_at_three_sizes(
        detector, tmp_path):
    out = tmp_path / 'detector.onnx'
    result = run_tool_here([
        'tools/deployment/export.py', str(detector.config),
        str(detector.checkpoint), '--format', 'onnx', '--out', str(out),
        '--score-thr', '0'
    ])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    lines = lines[next(i for i, line in enumerate(lines)
                       if line.startswith('exported')):]
    assert lines[0] == (f'exported FCOS to {out} (onnx, one image, dynamic '
                        'height and width, decoding and NMS inside)')
    assert lines[1].startswith('input: float32 (1, 3, H, W), normalised')
    assert 'padded to a multiple of 32' in lines[1]
    # Two test images at their size, the first at two more sizes.
    sizes = [line.split(' at ')[1].split(':')[0] for line in lines[2:]]
    assert sizes == ['160x160', '160x160', '128x192', '192x128']
    assert all('boxes above 0, same labels' in line for line in lines[2:])
    import onnxruntime
    session = onnxruntime.InferenceSession(
        str(out), providers=['CPUExecutionProvider'])
    boxes, scores, labels = session.run(
        None, {'image': torch.randn(1, 3, 160, 96).numpy()})
    assert boxes.shape[1] == 4 and len(boxes) == len(scores) == len(labels)


def test_a_detector_cannot_take_another_format(detector):
    result = run_tool_here([
        'tools/deployment/export.py', str(detector.config),
        str(detector.checkpoint), '--format', 'torchscript'
    ])
    assert result.returncode == 1
    assert result.stderr == ('error: --format torchscript: a detector '
                             'exports to onnx only (its NMS is ONNX '
                             'NonMaxSuppression)\n')


@pytest.mark.parametrize('suffix, backend', [
    ('.onnx', 'onnxruntime-int8'),
    ('.xml', 'openvino-int8'),
])
def test_int8_scores_the_detector_with_the_test_metric(
        detector, tmp_path, suffix, backend):
    metrics = tmp_path / 'int8.json'
    out = tmp_path / f'detector.int8{suffix}'
    result = run_tool_here([
        'tools/deployment/quantize.py', str(detector.config),
        str(detector.checkpoint), '--calibration-images', '4',
        '--metrics', str(metrics), '--out', str(out), '--max-drop', '100'
    ])
    assert result.returncode == 0, result.stderr
    measured = json.loads(metrics.read_text())
    assert measured['metric'] == 'coco/bbox_mAP'
    assert measured['calibration_images'] == 4
    scores = measured['scores']
    assert list(scores) == ['fp32 eager', 'fp32 deploy', 'int8']
    # The deploy path detects what mmdet detects: the same mAP.
    assert scores['fp32 deploy']['coco/bbox_mAP'] == pytest.approx(
        scores['fp32 eager']['coco/bbox_mAP'], abs=1e-3)
    assert all(value['ms'] > 0 for value in scores.values())
    assert '| int8 | ' in result.stdout
    assert measured['backend'] == backend
    assert out.stat().st_size > 0
    described = (backend if suffix == '.onnx' else
                 f'{backend}, float layers {measured["float_precision"]}')
    assert f'INT8 model ({described}): {out}' in result.stdout


def test_the_detection_confusion_matrix_counts_every_object(detector,
                                                             tmp_path):
    run_tool([
        'tools/analysis_tools/confusion_matrix.py', str(detector.config),
        str(detector.checkpoint), '--out-dir', str(tmp_path), '--score-thr',
        '0.05'
    ])
    with open(tmp_path / 'per_class.csv') as file:
        rows = list(csv.reader(file))
    assert rows[0] == ['class', 'precision %', 'recall %', 'F1 %', 'objects']
    assert [row[0] for row in rows[1:]] == ['circle', 'square', 'triangle']
    # Every object of the test set is in one row of the matrix.
    annotations = json.loads(
        (detector.data / 'annotations' / 'instances_val.json').read_text())
    assert sum(int(row[4]) for row in rows[1:]) == len(
        annotations['annotations'])
    image = cv2.imread(str(tmp_path / 'confusion_matrix.png'))
    assert image is not None and min(image.shape[:2]) > 500
