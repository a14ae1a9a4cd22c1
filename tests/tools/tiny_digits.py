"""A tiny training config on the digits, for tests that run the tools."""
import contextlib
import io
import os
import runpy
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, NamedTuple, Sequence
from unittest import mock

import pytest
from filelock import FileLock

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


# The smallest digits run that learns them well: ShuffleNetV2 0.5x, 48x48,
# every training image, 6 epochs, about 30 s.
TRAINED_IMAGE_SIZE = 48
TRAINED_EPOCHS = 6
ALL_TRAINING_IMAGES = 1438
# What that model reaches on the 359 validation images at least (chance is
# 10%). Its top-1 depends on the CPU's kernels (AVX2, AVX-512, AMX) as well
# as on the seed: this bound sits several points under the lowest top-1 of
# the run over seeds 0-2 on the native, AVX2 and default kernels of an
# AVX-512 machine.
LEARNT_TOP1 = 90.0


class TrainedDigits(NamedTuple):
    """A digits model trained by tools/train.py, shared by the tests."""
    config: Path
    checkpoint: Path


class TestedDigits(NamedTuple):
    """What tools/test.py --out wrote for that model's 64 test digits."""
    predictions: Path
    metrics: Path


def shared_base(tmp_path_factory) -> Path:
    """The folder every pytest-xdist worker of this run sees (the parent of
    the workers' own temporary folders; the run's temporary folder without
    workers): where the shared digits and models are made once."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get('PYTEST_XDIST_WORKER') else base


def make_digits(base: Path) -> Path:
    """Write the digits under ``base`` unless a process did already."""
    root = base / 'digits'
    done = root.with_suffix('.done')
    with FileLock(f'{root}.lock'):
        if not done.exists():
            materialize_digits(root)
            done.touch()
    return root


def make_trained_digits(base: Path, threads: int = 1) -> TrainedDigits:
    """Train the shared digits model under ``base`` unless a process did
    already, with tools/train.py on ``threads`` threads."""
    digits_root = make_digits(base)
    folder = base / 'trained_digits'
    checkpoint = folder / f'epoch_{TRAINED_EPOCHS}.pth'
    with FileLock(f'{folder}.lock'):
        if not checkpoint.exists():
            folder.mkdir(parents=True, exist_ok=True)
            config = write_tiny_config(
                folder / 'digits.py', digits_root, epochs=TRAINED_EPOCHS,
                train_images=ALL_TRAINING_IMAGES,
                image_size=TRAINED_IMAGE_SIZE)
            run_tool(['tools/train.py', str(config), '--work-dir',
                      str(folder)],
                     extra_env=dict(OMP_NUM_THREADS=str(threads)))
    return TrainedDigits(folder / 'digits.py', checkpoint)


def make_tested_digits(base: Path) -> TestedDigits:
    """Test the shared digits model with tools/test.py --out under ``base``
    unless a process did already."""
    trained = make_trained_digits(base)
    folder = base / 'tested_digits'
    tested = TestedDigits(folder / 'pred.pkl', folder / 'metrics.json')
    with FileLock(f'{folder}.lock'):
        if not tested.metrics.exists():
            # The two runs at once: each spends most of its time starting
            # on one core.
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(
                    lambda out, item: run_tool([
                        'tools/test.py', str(trained.config),
                        str(trained.checkpoint), '--work-dir',
                        str(folder / f'work_{item}'), '--out', str(out),
                        '--out-item', item]),
                    (tested.predictions, tested.metrics),
                    ('pred', 'metrics')))
    return tested


@pytest.fixture(scope='session')
def digits_root(tmp_path_factory) -> Path:
    """The digits, written once per test run."""
    return make_digits(shared_base(tmp_path_factory))


@pytest.fixture(scope='session')
def trained_digits(tmp_path_factory) -> TrainedDigits:
    """The digits model that tools/train.py trains from the tiny config,
    once per test run: what the tests of the tools that read a checkpoint
    use."""
    return make_trained_digits(shared_base(tmp_path_factory))


@pytest.fixture(scope='session')
def tested_digits(tmp_path_factory) -> TestedDigits:
    """The trained digits model's test predictions (a pickle) and metrics
    (JSON), written once per test run by tools/test.py --out."""
    return make_tested_digits(shared_base(tmp_path_factory))


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
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS='1')
    env.update(extra_env or {})
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True,
                            text=True)
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def run_tool_here(args: List[str]) -> subprocess.CompletedProcess:
    """Run a tool script in this interpreter, from the repository root, as
    ``run_tool(args, check=False)`` runs it in a new one: for the tests of
    mistakes, which stop before any work, without starting an interpreter.

    Args:
        args (list[str]): The script, then its arguments.

    Returns:
        subprocess.CompletedProcess: The exit status (1 for
        ``sys.exit(message)``, as Python gives), stdout and stderr.
    """
    from mmengine.registry import DefaultScope
    script = ROOT / args[0]
    out, err = io.StringIO(), io.StringIO()
    code = 0
    # The tool's default scope (the latest one made is MMEngine's current
    # one) must not outlive it in this interpreter.
    with mock.patch.object(sys, 'argv', [str(script)] + list(args[1:])), \
            mock.patch.dict(DefaultScope._instance_dict), \
            contextlib.chdir(ROOT), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        try:
            runpy.run_path(str(script), run_name='__main__')
        except SystemExit as exit_:
            if isinstance(exit_.code, str):
                print(exit_.code, file=err)
                code = 1
            else:
                code = exit_.code or 0
    return subprocess.CompletedProcess(args, code, out.getvalue(),
                                       err.getvalue())
