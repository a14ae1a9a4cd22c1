"""tools/train.py: resume after kill -9, clear errors for user mistakes."""
import pytest
import torch

from .tiny_digits import run_tool, run_tool_here, write_tiny_config


def final_weights(work_dir, epoch=3):
    checkpoint = torch.load(work_dir / f'epoch_{epoch}.pth',
                            weights_only=False)
    return checkpoint['state_dict']


def test_kill_and_resume_ends_with_the_uninterrupted_weights(
        tmp_path, digits_root):
    config = write_tiny_config(tmp_path / 'tiny.py', digits_root)
    straight = tmp_path / 'straight'
    run_tool(['tools/train.py', str(config), '--work-dir', str(straight)])

    # 4 iterations an epoch: iteration 5 (0-based) is inside epoch 2.
    killed_config = write_tiny_config(
        tmp_path / 'tiny_killed.py',
        digits_root,
        extra_hooks=[dict(type='KillAtIterHook', iteration=5)])
    resumed = tmp_path / 'resumed'
    killed = run_tool(
        ['tools/train.py', str(killed_config), '--work-dir', str(resumed)],
        check=False)
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert (resumed / 'epoch_1.pth').exists()
    assert not (resumed / 'epoch_2.pth').exists()

    result = run_tool(
        ['tools/train.py', str(config), '--work-dir', str(resumed),
         '--resume'])
    assert 'resumed epoch: 1' in result.stdout + result.stderr

    expected, actual = final_weights(straight), final_weights(resumed)
    assert expected.keys() == actual.keys()
    for key, value in expected.items():
        assert torch.equal(actual[key], value), key


def test_missing_data_root_names_path_key_and_remedy(tmp_path):
    config = write_tiny_config(tmp_path / 'tiny.py', tmp_path / 'nowhere')
    result = run_tool_here(['tools/train.py', str(config)])
    assert result.returncode == 1
    assert "train_dataloader.dataset.data_root: the folder '" in \
        result.stderr
    assert str(tmp_path / 'nowhere') in result.stderr
    assert 'tools/dataset_converters/digits.py' in result.stderr
    assert 'Traceback' not in result.stderr


def test_unknown_type_suggests_close_matches(tmp_path, digits_root):
    config = write_tiny_config(tmp_path / 'tiny.py', digits_root)
    result = run_tool_here([
        'tools/train.py',
        str(config), '--work-dir',
        str(tmp_path / 'work'), '--cfg-options',
        'model.backbone.type=mmshuffle.ShufleNetV2'
    ])
    assert result.returncode == 1
    assert "type 'mmshuffle.ShufleNetV2' is in no registry" in result.stderr
    assert "'mmshuffle.ShuffleNetV2'" in result.stderr


def test_cfg_options_that_do_not_parse_are_named(tmp_path, digits_root):
    config = write_tiny_config(tmp_path / 'tiny.py', digits_root)
    result = run_tool_here(
        ['tools/train.py',
         str(config), '--cfg-options', 'train_cfg.max_epochs'])
    assert result.returncode == 2
    assert "--cfg-options: cannot parse 'train_cfg.max_epochs': expected " \
        'KEY=VALUE' in result.stderr


def test_cfg_options_that_do_not_merge_are_named(tmp_path, digits_root):
    config = write_tiny_config(tmp_path / 'tiny.py', digits_root)
    result = run_tool_here(
        ['tools/train.py',
         str(config), '--cfg-options', 'max_epochs.value=3'])
    assert result.returncode == 1
    assert "--cfg-options max_epochs.value=3 cannot be merged" in \
        result.stderr


def test_corrupt_image_is_named(tmp_path, digits_root):
    import shutil
    root = tmp_path / 'digits'
    shutil.copytree(digits_root, root)
    first = (root / 'meta' / 'train.txt').read_text().split()[0]
    (root / 'train' / first).write_bytes(b'not a png')
    config = write_tiny_config(tmp_path / 'tiny.py', root, epochs=2)
    result = run_tool([
        'tools/train.py',
        str(config), '--work-dir',
        str(tmp_path / 'work'), '--cfg-options',
        'train_dataloader.num_workers=0'
    ],
                      check=False)
    assert result.returncode != 0
    assert str(root / 'train' / first) in result.stderr


def test_amp_trains_in_bfloat16_on_a_cpu(tmp_path, digits_root):
    config = write_tiny_config(tmp_path / 'tiny.py', digits_root, epochs=2)
    result = run_tool(['tools/train.py', str(config), '--amp', '--work-dir',
                       str(tmp_path / 'work')])
    log = result.stdout + result.stderr
    assert 'CPUAmpOptimWrapper' in log
    weights = final_weights(tmp_path / 'work', epoch=2)
    # The weights themselves stay float32, as with AMP on a GPU.
    assert all(value.dtype == torch.float32 for key, value in
               weights.items() if value.is_floating_point())
    assert all(torch.isfinite(value).all() for value in weights.values()
               if value.is_floating_point())


def test_amp_on_a_cpu_without_bfloat16_is_one_clear_error(monkeypatch):
    from mmengine.config import Config

    import mmshuffle.engine.cpu_amp_optim_wrapper as wrapper
    from mmshuffle.cli import enable_amp
    from mmshuffle.errors import UserInputError
    monkeypatch.setattr(wrapper.torch.cpu, '_is_avx512_bf16_supported',
                        lambda: False)
    monkeypatch.setattr(wrapper.torch.cpu, '_is_amx_tile_supported',
                        lambda: False)
    cfg = Config(dict(optim_wrapper=dict(type='OptimWrapper')))
    with pytest.raises(UserInputError, match=r'^--amp: this machine has no '
                       r'GPU, and its CPU has no bfloat16 units'):
        enable_amp(cfg)
    assert cfg.optim_wrapper.type == 'OptimWrapper'


def test_cpu_amp_computes_the_forward_in_bfloat16():
    from mmshuffle.engine import CPUAmpOptimWrapper
    model = torch.nn.Linear(4, 2)
    wrapper = CPUAmpOptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    with wrapper.optim_context(model):
        out = model(torch.randn(3, 4))
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().sum())
    assert model.weight.dtype == torch.float32
