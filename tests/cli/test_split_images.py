"""A config's images for checks (mmshuffle.cli.split_images): a detector's
export is checked on its test images at three sizes, or on a random image
when the test data is not there."""
from pathlib import Path

import torch
from mmengine.config import Config

from mmshuffle.cli import build_model
from mmshuffle.cli.split_images import detector_check_images
from mmshuffle.demo_data import materialize_shapes

SHAPES = Path(__file__).resolve().parents[2] / 'configs' / 'detection' / \
    'fcos_shufflenet-v2-1x_fpn_shapes.py'


def detector(cfg: Config) -> torch.nn.Module:
    return build_model(cfg).eval()


def test_the_test_images_at_three_sizes(tmp_path):
    materialize_shapes(tmp_path, num_train=2, num_val=3, image_size=96)
    cfg = Config.fromfile(str(SHAPES))
    cfg.test_dataloader.dataset.data_root = f'{tmp_path}/'
    images, source = detector_check_images(cfg, detector(cfg), (64, 64))
    assert source == 'test image'
    # Resized to 160 by the pipeline, then 0.75 and 1.25 of it, rounded to
    # the pad divisor (32).
    assert [tuple(x.shape) for x in images] == [
        (1, 3, 160, 160), (1, 3, 160, 160), (1, 3, 128, 192),
        (1, 3, 192, 128)]


def test_random_images_without_the_test_data(tmp_path):
    cfg = Config.fromfile(str(SHAPES))
    cfg.test_dataloader.dataset.data_root = f'{tmp_path}/nowhere/'
    images, source = detector_check_images(cfg, detector(cfg), (320, 256))
    assert source == 'random image'
    assert [tuple(x.shape[2:]) for x in images] == [(320, 256), (256, 320),
                                                     (384, 192)]
