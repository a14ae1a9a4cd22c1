"""A tiny training config on the digits, for tests that run the tools."""
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Sequence

import pytest

from mmshuffle.demo_data import materialize_digits

ROOT = Path(__file__).resolve().parents[2]
DEMO_CONFIG = ROOT / 'configs' / 'shufflenet_v2' / 'shufflenet-v2-1x_digits.py'

TINY_CONFIG = '''
_base_ = [{demo!r}]
custom_imports = dict(
    imports=['mmshuffle.models', 'mmshuffle.engine',
             'tests.tools.hooks_for_tests'],
    allow_failed_imports=False)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=({size}, {size})),
    dict(type='RandomCrop', crop_size={size}, padding={padding}),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=({size}, {size})),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=32,
    dataset=dict(data_root={data_root!r}, pipeline=train_pipeline,
                 indices={train_images}))
val_dataloader = dict(
    dataset=dict(data_root={data_root!r}, pipeline=test_pipeline,
                 indices=64))
test_dataloader = val_dataloader
model = dict(backbone=dict(widen_factor=0.5))
max_epochs = {epochs}
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
default_hooks = dict(logger=dict(interval=1))
custom_hooks = [dict(type='mmshuffle.EpochSeedHook')] + {extra_hooks!r}
randomness = dict(seed=0)
'''


@pytest.fixture(scope='session')
def digits_root(tmp_path_factory) -> Path:
    """The digits, written once per test session."""
    root = tmp_path_factory.mktemp('digits')
    materialize_digits(root)
    return root


def write_tiny_config(path: Path,
                      data_root: Path,
                      epochs: int = 3,
                      train_images: int = 128,
                      extra_hooks: Sequence[Dict] = (),
                      image_size: int = 16) -> Path:
    """Write a tiny digits config (ShuffleNetV2 0.5x, small inputs).

    Args:
        path (Path): The config file to write.
        data_root (Path): Where the digits are.
        epochs (int): Training epochs. Defaults to 3.
        train_images (int): How many training images. Defaults to 128.
        extra_hooks (Sequence[dict]): More custom hooks. Defaults to ().
        image_size (int): Height and width of the inputs. Defaults to 16.

    Returns:
        Path: ``path``.
    """
    path.write_text(
        TINY_CONFIG.format(
            demo=str(DEMO_CONFIG),
            data_root=str(data_root),
            epochs=epochs,
            train_images=train_images,
            extra_hooks=list(extra_hooks),
            size=image_size,
            padding=image_size // 8))
    return path


def run_tool(args: List[str],
             extra_env: Dict[str, str] = None,
             check: bool = True) -> subprocess.CompletedProcess:
    """Run a command from the repository root, with tests importable.

    Args:
        args (list[str]): The command; a leading ``.py`` path runs with
            this interpreter.
        extra_env (dict, optional): More environment variables.
        check (bool): Whether a non-zero exit fails the test.
            Defaults to True.

    Returns:
        subprocess.CompletedProcess: With text stdout and stderr.
    """
    if args[0].endswith('.py'):
        args = [sys.executable] + args
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS='1',
               **(extra_env or {}))
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True,
                            text=True)
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result
