"""tools/train.py and tools/test.py run an MMDetection config (default
scope mmdet) as they run classification ones."""
import json

from mmshuffle.demo_data import materialize_shapes

from .tiny_digits import ROOT, run_tool

SHAPES_CONFIG = ROOT / 'configs' / 'detection' / \
    'fcos_shufflenet-v2-1x_fpn_shapes.py'


def test_train_and_test_a_detection_config(tmp_path):
    data = tmp_path / 'shapes'
    materialize_shapes(data, num_train=8, num_val=4, image_size=96)
    options = [
        '--cfg-options', f'train_dataloader.dataset.data_root={data}/',
        f'val_dataloader.dataset.data_root={data}/',
        f'test_dataloader.dataset.data_root={data}/',
        f'val_evaluator.ann_file={data}/annotations/instances_val.json',
        f'test_evaluator.ann_file={data}/annotations/instances_val.json',
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
        'model.backbone.widen_factor=0.5',
        'model.neck.in_channels=[48,96,192]',
        # After one epoch every score is low: keep them, so CocoMetric has
        # detections to evaluate.
        'model.test_cfg.score_thr=0.0'
    ]
    work_dir = tmp_path / 'work'
    run_tool(['tools/train.py', str(SHAPES_CONFIG), '--work-dir',
              str(work_dir)] + options)
    metrics_file = tmp_path / 'metrics.json'
    result = run_tool([
        'tools/test.py',
        str(SHAPES_CONFIG),
        str(work_dir / 'epoch_1.pth'), '--work-dir',
        str(tmp_path / 'test'), '--out',
        str(metrics_file), '--out-item', 'metrics'
    ] + options)
    assert '1/1, ' in result.stdout  # the progress bar: 4 images, 1 batch
    metrics = json.loads(metrics_file.read_text())
    assert -1 <= metrics['coco/bbox_mAP'] <= 1
    assert 'coco/bbox_mAP_50' in metrics
