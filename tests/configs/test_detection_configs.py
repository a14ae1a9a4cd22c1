"""Every detection config builds, checks its neck against its backbone,
trains one step and predicts (NMS included) on a small batch, and reads its
data pipeline from a tiny COCO-format folder."""
import json
import shutil
from pathlib import Path

import mmdet.datasets  # noqa: F401  registers datasets and transforms
import mmdet.models  # noqa: F401  registers detectors, necks and heads
import pytest
import torch
from mmdet.registry import DATASETS, MODELS
from mmdet.testing import demo_mm_inputs
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.utils import import_modules_from_strings

from mmshuffle.cli import check_neck_in_channels
from mmshuffle.demo_data import materialize_shapes

CONFIG_ROOT = Path(__file__).resolve().parents[2] / 'configs' / 'detection'
CONFIGS = sorted(CONFIG_ROOT.glob('*.py'))
# Three COCO categories stand in for the shapes, so COCO configs keep them.
COCO_NAMES = ('person', 'bicycle', 'car')


def load(path: Path) -> Config:
    cfg = Config.fromfile(str(path))
    import_modules_from_strings(**cfg.custom_imports)
    cfg.model.backbone.init_cfg = None  # no download in tests
    return cfg


def num_classes(model_cfg) -> int:
    head = model_cfg.get('bbox_head') or model_cfg.roi_head.bbox_head
    return head.num_classes


@pytest.mark.parametrize('path', CONFIGS, ids=[p.stem for p in CONFIGS])
def test_detection_config_trains_a_step_and_predicts(path):
    cfg = load(path)
    assert cfg.default_scope == 'mmdet'
    assert cfg.model.backbone.type.startswith('mmshuffle.')
    check_neck_in_channels(cfg.model)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
    assert type(model.backbone).__module__.startswith('mmshuffle.')
    model.init_weights()
    shape = (3, 128, 160)
    packed = demo_mm_inputs(
        batch_size=2, image_shapes=[shape, shape],
        num_classes=num_classes(cfg.model))
    model.train()
    data = model.data_preprocessor(packed, True)
    losses = model(**data, mode='loss')
    loss, _ = model.parse_losses(losses)
    assert torch.isfinite(loss)
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.backbone.parameters())

    model.eval()
    with torch.no_grad():
        results = model(**model.data_preprocessor(packed, False),
                        mode='predict')
    assert len(results) == 2
    for result in results:
        boxes = result.pred_instances.bboxes
        assert boxes.ndim == 2 and boxes.shape[1] == 4
        assert len(boxes) <= cfg.model.test_cfg.get(
            'max_per_img', cfg.model.test_cfg.get('rcnn', {}).get(
                'max_per_img'))


@pytest.fixture(scope='module')
def tiny_shapes(tmp_path_factory) -> Path:
    """A few generated shape images, as the demo config reads them."""
    shapes = tmp_path_factory.mktemp('shapes')
    materialize_shapes(shapes, num_train=4, num_val=2, image_size=96)
    return shapes


@pytest.fixture(scope='module')
def tiny_coco(tmp_path_factory, tiny_shapes) -> Path:
    """The same images in COCO 2017's layout, as COCO configs read them."""
    shapes = tiny_shapes
    root = tmp_path_factory.mktemp('coco')
    (root / 'annotations').mkdir()
    for split, coco_split in (('train', 'train2017'), ('val', 'val2017')):
        shutil.copytree(shapes / split, root / coco_split)
        annotations = json.loads(
            (shapes / 'annotations' / f'instances_{split}.json').read_text())
        for category, name in zip(annotations['categories'], COCO_NAMES):
            category['name'] = name
        (root / 'annotations' / f'instances_{coco_split}.json').write_text(
            json.dumps(annotations))
    return root


@pytest.mark.parametrize('path', CONFIGS, ids=[p.stem for p in CONFIGS])
def test_detection_config_reads_its_data(path, tiny_coco, tiny_shapes):
    cfg = load(path)
    for loader_key in ('train_dataloader', 'val_dataloader'):
        dataset_cfg = cfg[loader_key].dataset
        inner = dataset_cfg.get('dataset', dataset_cfg)
        assert inner.type == 'CocoDataset'
        coco_layout = '2017' in inner.ann_file
        inner.data_root = str(tiny_coco if coco_layout else tiny_shapes)
        with DefaultScope.overwrite_default_scope('mmdet'):
            dataset = DATASETS.build(dataset_cfg)
        item = dataset[0]
        assert item['inputs'].shape[0] == 3
        assert len(item['data_samples'].gt_instances.bboxes) >= 1
