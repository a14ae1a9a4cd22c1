"""The tools' checks before a run is built: each user mistake is one line
that names the option and the value, and the runner is never built."""
import pytest
from mmengine.config import Config

from mmshuffle.cli import build_runner, load_config
from mmshuffle.errors import UserInputError

from ..tools.tiny_digits import DEMO_CONFIG


@pytest.fixture
def demo_cfg(digits_root, tmp_path) -> Config:
    cfg = load_config(str(DEMO_CONFIG), str(tmp_path / 'work'), 'none', {
        'train_dataloader.dataset.data_root': str(digits_root),
        'val_dataloader.dataset.data_root': str(digits_root),
    })
    return cfg


def refused(cfg: Config) -> str:
    with pytest.raises(UserInputError) as error:
        build_runner(cfg, ('train', 'val'))
    message = str(error.value)
    assert '\n' not in message
    return message


def test_a_work_dir_that_is_a_file(demo_cfg, tmp_path):
    demo_cfg.work_dir = str(tmp_path / 'a_file')
    (tmp_path / 'a_file').write_text('')
    assert refused(demo_cfg) == (
        f'--work-dir: {tmp_path / "a_file"} is a file, not a folder; name a '
        'folder for the logs and checkpoints')


@pytest.mark.parametrize('launcher, variable', [
    ('pytorch', 'RANK'), ('slurm', 'SLURM_PROCID'),
    ('mpi', 'OMPI_COMM_WORLD_RANK')])
def test_a_launcher_without_its_environment(demo_cfg, launcher, variable,
                                            monkeypatch):
    for name in (variable, 'WORLD_SIZE', 'SLURM_NTASKS'):
        monkeypatch.delenv(name, raising=False)
    demo_cfg.launcher = launcher
    message = refused(demo_cfg)
    assert message.startswith(f'--launcher {launcher}: {variable}')
    assert 'not a distributed start' in message


@pytest.mark.parametrize('key, setting', [
    ('--resume', dict(resume=True, load_from='/nowhere/epoch_3.pth')),
    ('load_from', dict(load_from='/nowhere/epoch_3.pth')),
    ('model.backbone.init_cfg.checkpoint', dict(model=dict(backbone=dict(
        init_cfg=dict(type='Pretrained', checkpoint='/nowhere/epoch_3.pth',
                      prefix='backbone.'))))),
    ('model.backbone.init_cfg.1.checkpoint', dict(model=dict(backbone=dict(
        init_cfg=[dict(type='Kaiming', layer='Conv2d'),
                  dict(type='Pretrained',
                       checkpoint='/nowhere/epoch_3.pth')])))),
])
def test_a_missing_checkpoint_is_named_with_its_key(demo_cfg, key, setting):
    demo_cfg.merge_from_dict(setting)
    assert refused(demo_cfg) == (
        f'{key}: checkpoint file not found: /nowhere/epoch_3.pth')


def test_a_url_checkpoint_is_left_to_the_safe_loader(demo_cfg, monkeypatch):
    from mmengine.runner import Runner
    demo_cfg.load_from = 'https://example.invalid/epoch_3.pth'
    built = []
    monkeypatch.setattr(Runner, 'from_cfg', lambda cfg: built.append(cfg))
    build_runner(demo_cfg, ('train', 'val'))
    assert built


def test_class_folders_must_match_the_head(demo_cfg, digits_root):
    # The digits as a user's own folder: ten class folders, no lists.
    for split in ('train', 'val'):
        dataset = demo_cfg[f'{split}_dataloader'].dataset
        dataset.ann_file = ''
        dataset.classes = None
    demo_cfg.model.head.num_classes = 5
    assert refused(demo_cfg) == (
        f'train_dataloader.dataset: {digits_root / "train"} has 10 class '
        'folders, but model.head.num_classes is 5; set --cfg-options '
        'model.head.num_classes=10 data_preprocessor.num_classes=10')
