"""Every classification config under configs/ builds its model and reads
its data.

The configs are globbed at collection time, so a new one is tested without
touching this file. The data is a tiny generated copy of each dataset's
on-disk layout, so the real pipelines, datasets and annotation formats run.
"""
import gc
import pickle
from pathlib import Path
from typing import NamedTuple, Optional, Sequence, Tuple, Union

import cv2
import mmpretrain.datasets  # noqa: F401  registers datasets and transforms
import mmpretrain.models  # noqa: F401  registers classifiers and heads
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from mmengine.utils import import_modules_from_strings
from mmpretrain.datasets import CIFAR10
from mmpretrain.registry import DATASETS, MODELS

from mmshuffle.demo_data import materialize_digits

from ..helpers import torch_threads

CONFIG_ROOT = Path(__file__).resolve().parents[2] / 'configs'
# Detection configs have their own test (test_detection_configs.py).
CONFIGS = sorted(
    path for path in CONFIG_ROOT.rglob('*.py')
    if '_base_' not in path.relative_to(CONFIG_ROOT).parts
    and path.relative_to(CONFIG_ROOT).parts[0] != 'detection')
DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
# Two real ImageNet classes: tench and goldfish.
WNIDS = ('n01440764', 'n01443537')


class TinyData(NamedTuple):
    """A tiny dataset on disk.

    Args:
        root (Path): What the configs' ``data_root`` becomes.
        image_size (tuple[int, int]): (height, width) of its images.
        model_side (int, optional): The side every config on this data must
            feed the model; None leaves it to the config's pipeline.
    """

    root: Path
    image_size: Tuple[int, int]
    model_side: Optional[int]


@pytest.fixture(autouse=True, scope='module')
def small_work_setup():
    """Set the process up for many small builds, then restore it.

    Every mmengine dataset runs ``gc.collect()`` when it packs its data list;
    with torch and mmpretrain on the heap each takes about 0.2 s, unless the
    objects already alive are frozen. And on a busy 2-core machine a second
    torch thread waits for a core far longer than the tiny forwards take.
    """
    with torch_threads(1):
        gc.freeze()
        yield
        gc.unfreeze()


@pytest.fixture(scope='session')
def tiny_imagenet(tmp_path_factory) -> TinyData:
    """Two classes, two 48x64 JPEGs each per split, in meta/<split>.txt.

    mmpretrain's ImageNet checks a class-folder tree against its 1000
    categories, but takes annotation lists as they are.
    """
    root = tmp_path_factory.mktemp('imagenet')
    rng = np.random.default_rng(0)
    (root / 'meta').mkdir()
    for split in ('train', 'val'):
        lines = []
        for label, wnid in enumerate(WNIDS):
            (root / split / wnid).mkdir(parents=True)
            for index in range(2):
                name = f'{wnid}/{wnid}_{index}.JPEG'
                image = rng.integers(0, 256, (48, 64, 3), np.uint8)
                assert cv2.imwrite(str(root / split / name), image)
                lines.append(f'{name} {label}')
        (root / 'meta' / f'{split}.txt').write_text('\n'.join(lines) + '\n')
    return TinyData(root, (48, 64), model_side=224)


@pytest.fixture(scope='session')
def tiny_custom(tmp_path_factory) -> TinyData:
    """A user's ImageNet-style folder, read by mmpretrain's CustomDataset:
    ten class folders per split, one 48x64 JPEG in each, no annotation
    lists."""
    root = tmp_path_factory.mktemp('custom')
    rng = np.random.default_rng(0)
    for split in ('train', 'val'):
        for label in range(10):
            folder = root / split / f'class_{label}'
            folder.mkdir(parents=True)
            image = rng.integers(0, 256, (48, 64, 3), np.uint8)
            assert cv2.imwrite(str(folder / 'image.jpg'), image)
    return TinyData(root, (48, 64), model_side=224)


@pytest.fixture(scope='session')
def tiny_cifar10(tmp_path_factory) -> TinyData:
    """CIFAR-10's python pickles, two images per batch file."""
    root = tmp_path_factory.mktemp('cifar10')
    folder = root / CIFAR10.base_folder
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name, _ in CIFAR10.train_list + CIFAR10.test_list:
        batch = dict(
            data=rng.integers(0, 256, (2, 3 * 32 * 32), np.uint8),
            labels=[0, 9])
        (folder / name).write_bytes(pickle.dumps(batch))
    meta = {CIFAR10.meta['key']: [f'class{i}' for i in range(10)]}
    (folder / CIFAR10.meta['filename']).write_bytes(pickle.dumps(meta))
    return TinyData(root, (32, 32), model_side=32)


@pytest.fixture(scope='session')
def tiny_digits(tmp_path_factory) -> TinyData:
    """The embedded digits demo (8x8 images), as its configs expect it."""
    root = tmp_path_factory.mktemp('data') / 'digits'
    materialize_digits(root)
    return TinyData(root, (8, 8), model_side=None)


@pytest.fixture
def known_cifar_files(monkeypatch):
    """Accept the generated CIFAR files.

    CIFAR10 compares each file's MD5 with the real dataset's, and no argument
    turns that off (``download=False`` only turns a mismatch into an error
    instead of a download). A None checksum is skipped, so the test clears
    them on the class, for this test only.
    """
    for attr in ('train_list', 'test_list'):
        unchecked = [[name, None] for name, _ in getattr(CIFAR10, attr)]
        monkeypatch.setattr(CIFAR10, attr, unchecked)


def innermost(dataset: dict) -> dict:
    """The dataset dict that names the data, inside any wrappers."""
    while 'dataset' in dataset:
        dataset = dataset['dataset']
    return dataset


def data_kind(path: Path, cfg: Config) -> str:
    """Which tiny dataset the config reads."""
    if path.name.endswith('_digits.py'):
        return 'digits'
    dataset_type = innermost(cfg.train_dataloader.dataset)['type']
    kinds = {'ImageNet': 'imagenet', 'CIFAR10': 'cifar10',
             'CustomDataset': 'custom'}
    if dataset_type not in kinds:
        pytest.fail(f'{path.name}: no tiny data for {dataset_type!r}; '
                    'add a fixture for it')
    return kinds[dataset_type]


def side(size: Union[int, Sequence[int]]) -> int:
    """The side of a square size given as an int or a pair."""
    if isinstance(size, int):
        return size
    assert size[0] == size[1], f'expected a square size, got {size}'
    return size[0]


def output_side(pipeline: Sequence[dict],
                image_size: Tuple[int, int]) -> Optional[int]:
    """The side of the square image the pipeline makes, or None when it
    does not end at a fixed square size."""
    height, width = image_size
    result = height if height == width else None
    for transform in pipeline:
        if 'crop_size' in transform:
            result = side(transform['crop_size'])
        elif transform['type'] in ('RandomResizedCrop', 'Resize'):
            result = side(transform['scale'])
        elif transform['type'] == 'ResizeEdge':
            result = None  # keeps the aspect ratio: a crop has to follow
    return result


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[str(p.relative_to(CONFIG_ROOT)) for p in CONFIGS])
def test_config(path: Path, request):
    cfg = Config.fromfile(path)
    import_modules_from_strings(**cfg.custom_imports)
    num_classes = cfg.model.head.num_classes
    assert cfg.data_preprocessor.num_classes == num_classes

    kind = data_kind(path, cfg)
    data = request.getfixturevalue(f'tiny_{kind}')
    if kind == 'cifar10':
        request.getfixturevalue('known_cifar_files')

    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        # As the Runner does: the top-level preprocessor goes to the model.
        model = MODELS.build(
            dict(cfg.model, data_preprocessor=cfg.data_preprocessor)).eval()
        backbone = type(model.backbone)
        assert backbone.__module__.startswith('mmshuffle.'), backbone
        with torch.no_grad():
            logits = model(torch.rand(2, 3, 32, 32), mode='tensor')
        assert logits.shape == (2, num_classes)

        for name in DATALOADERS:
            dataset_cfg = innermost(cfg[name].dataset)
            dataset_cfg.data_root = str(data.root)
            expected = output_side(dataset_cfg.pipeline, data.image_size)
            assert expected is not None, \
                f'{name} does not end at a fixed square size'
            if data.model_side is not None:
                assert expected == data.model_side, name

            item = DATASETS.build(cfg[name].dataset)[0]
            assert item['inputs'].shape == (3, expected, expected), name
            assert 0 <= item['data_samples'].gt_label.item() < num_classes

            batch = model.data_preprocessor(pseudo_collate([item]))
            assert batch['inputs'].shape == (1, 3, expected, expected)
            assert batch['inputs'].is_floating_point()


def test_configs_are_found():
    families = {path.parent.name for path in CONFIGS}
    assert {'shufflenet_v1', 'shufflenet_v2', 'mobilenet_v2'} <= families
