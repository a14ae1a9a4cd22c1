"""A wheel built from the repository, installed into a folder of its own
and used from outside the checkout: the model zoo, the shipped configs and
the ``mmshuffle`` command's tools work."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from .tools.tiny_digits import ROOT

# What a clean clone holds besides the tracked files.
NOT_SOURCE = ('.venv', '.git', 'data', 'work_dirs', 'build', '*.egg-info',
              '__pycache__', '.whl', '.gl', '.pytest_cache')


@pytest.fixture(scope='module')
def installed(tmp_path_factory) -> Path:
    """The wheel, installed with ``pip install --target``."""
    folder = tmp_path_factory.mktemp('wheel')
    source = folder / 'source'
    shutil.copytree(ROOT, source,
                    ignore=shutil.ignore_patterns(*NOT_SOURCE))
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', str(source),
                    '--no-deps', '--no-build-isolation', '-q', '-w',
                    str(folder / 'dist')], check=True, cwd=folder)
    (wheel, ) = (folder / 'dist').glob('mmshuffle-*.whl')
    target = folder / 'target'
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-deps',
                    '-q', '--target', str(target), str(wheel)], check=True)
    return target


def run_outside(installed: Path, cwd: Path, *args: str):
    """Run a command from ``cwd`` with only the installed wheel on the
    path (the checkout's editable install is not reached)."""
    env = dict(os.environ, PYTHONPATH=str(installed), OMP_NUM_THREADS='1')
    result = subprocess.run(list(args), cwd=cwd, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_the_zoo_and_its_configs_are_in_the_wheel(installed, tmp_path):
    out = run_outside(installed, tmp_path, sys.executable, '-c', '''
import mmshuffle
from mmshuffle.resources import resource_root
print(mmshuffle.__file__)
print(resource_root())
model = mmshuffle.get_model('shufflenet-v2-0.5x_paper_in1k')
print(type(model).__name__, model.head.num_classes)
''')
    package, root, model = out.strip().splitlines()[-3:]
    assert package == str(installed / 'mmshuffle' / '__init__.py')
    assert root == str(installed / 'mmshuffle' / '.mim')
    assert model == 'ImageClassifier 1000'


def test_the_command_runs_the_shipped_tools(installed, tmp_path,
                                            digits_root):
    command = str(installed / 'bin' / 'mmshuffle')
    names = run_outside(installed, tmp_path, command, 'list',
                        'mobilenet-v2*').split()
    assert 'mobilenet-v2_8xb32_in1k' in names
    configs = Path(run_outside(installed, tmp_path, command,
                               'configs').strip())
    config = configs / 'shufflenet_v2' / 'shufflenet-v2-1x_digits.py'
    assert config.is_file() and str(config).startswith(str(installed))
    # The shipped digits config's model, untrained, tested by the shipped
    # tools/test.py on the digits.
    from mmshuffle.cli import build_model, load_config
    model = build_model(load_config(str(config), None, 'none', None))
    checkpoint = tmp_path / 'untrained.pth'
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    out = run_outside(installed, tmp_path, command, 'test', str(config),
                      str(checkpoint), '--cfg-options',
                      f'test_dataloader.dataset.data_root={digits_root}',
                      'test_dataloader.dataset.indices=16')
    assert 'accuracy/top1' in out
    assert (tmp_path / 'work_dirs' / 'shufflenet-v2-1x_digits').is_dir()


def test_an_unknown_command_is_one_line(installed, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(installed))
    result = subprocess.run([str(installed / 'bin' / 'mmshuffle'), 'trian'],
                            cwd=tmp_path, env=env, capture_output=True,
                            text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("error: unknown command 'trian'")
