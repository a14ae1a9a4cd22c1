"""torchvision's ShuffleNetV2 and MobileNetV2 weights convert into
checkpoints that load strictly into the config they name, with the same
logits."""
import argparse
import runpy
import subprocess
import sys

import pytest
import torch
import torchvision.models as tv_models
from mmengine.runner import load_checkpoint

from mmshuffle.cli import CfgOptionsAction, load_config
from mmshuffle.converters import (
    ShapeMismatchError,
    UnknownArchitectureError,
    convert_torchvision_checkpoint,
    convert_torchvision_state_dict,
)

from ..helpers import randomize_norm_stats
from .classifiers import (
    ROOT,
    TOLERANCE,
    build_classifier,
    classifier_logits,
    max_abs_diff,
    model_cfg,
)

TOOL = ROOT / 'tools' / 'model_converters' / 'torchvision2mmshuffle.py'

# torchvision builder, its arguments, our family and width.
CASES = [
    (f'shufflenet_v2_x{name}', {}, 'ShuffleNetV2', width)
    for name, width in (('0_5', 0.5), ('1_0', 1.0), ('1_5', 1.5),
                        ('2_0', 2.0))
] + [('mobilenet_v2', dict(width_mult=width), 'MobileNetV2', width)
     for width in (0.35, 0.5, 0.75, 1.0, 1.4)]


def torchvision_model(builder: str, seed: int = 0, **kwargs):
    """A torchvision model with random weights and batch-norm statistics."""
    torch.manual_seed(seed)
    model = getattr(tv_models, builder)(weights=None, **kwargs)
    randomize_norm_stats(model, seed)
    return model.eval()


def assert_same_logits(theirs, ours):
    """torchvision's model and our classifier agree on random images."""
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        expected = theirs(x)
    assert max_abs_diff(expected, classifier_logits(ours, x)) <= TOLERANCE


def case_id(case):
    builder, kwargs, _, width = case
    return f'{builder}-{width:g}' if kwargs else builder


@pytest.mark.parametrize('case', CASES, ids=[case_id(c) for c in CASES])
def test_converted_weights_load_strictly_and_logits_agree(tmp_path, case):
    builder, kwargs, family, width = case
    theirs = torchvision_model(builder, **kwargs)
    src, dst = tmp_path / 'torchvision.pth', tmp_path / 'mmshuffle.pth'
    torch.save(theirs.state_dict(), src)

    meta = convert_torchvision_checkpoint(src, dst)

    checkpoint = torch.load(dst, weights_only=True)
    assert checkpoint.keys() == {'state_dict', 'meta'}
    assert checkpoint['meta'] == meta
    assert (meta['architecture'], meta['widen_factor']) == (family, width)
    assert meta['converted_from'] == 'torchvision'
    assert (ROOT / meta['config']).is_file()
    cfg = model_cfg(meta['config'])
    assert cfg.backbone.type == f'mmshuffle.{family}'
    assert cfg.head.num_classes == meta['num_classes'] == 1000
    ours = build_classifier(cfg)
    ours.load_state_dict(checkpoint['state_dict'], strict=True)
    assert_same_logits(theirs, ours)


def test_a_width_without_config_gets_the_overrides_that_build_it(
        tmp_path, monkeypatch, capsys):
    theirs = torchvision_model('mobilenet_v2', width_mult=1.3,
                               num_classes=10)
    src, dst = tmp_path / 'torchvision.pth', tmp_path / 'mmshuffle.pth'
    torch.save(theirs.state_dict(), src)
    monkeypatch.setattr(sys, 'argv', [str(TOOL), str(src), str(dst)])
    runpy.run_path(str(TOOL), run_name='__main__')
    checkpoint = torch.load(dst, weights_only=True)
    meta = checkpoint['meta']
    assert (meta['widen_factor'], meta['num_classes'], meta['in_channels'],
            meta['config']) == (1.3, 10, 1664, None)
    printed = capsys.readouterr().out.strip()
    config, overrides = printed.split('config: ')[1].split(' --cfg-options ')
    assert config == 'configs/mobilenet_v2/mobilenet-v2_8xb32_in1k.py'
    # Parsed and merged as tools/train.py and tools/test.py do.
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    options = parser.parse_args(['--cfg-options', *overrides.split()])
    cfg = load_config(str(ROOT / config), str(tmp_path), 'none',
                      options.cfg_options)
    ours = build_classifier(cfg.model)
    ours.load_state_dict(checkpoint['state_dict'], strict=True)
    assert_same_logits(theirs, ours)


def run_tool(*args):
    return subprocess.run([sys.executable, str(TOOL), *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_the_tool_writes_a_checkpoint_mmengine_loads(tmp_path):
    theirs = torchvision_model('shufflenet_v2_x1_0')
    src, dst = tmp_path / 'torchvision.pth', tmp_path / 'out' / 'mm.pth'
    torch.save(theirs.state_dict(), src)
    done = run_tool(src, dst)
    assert done.returncode == 0, done.stderr
    config = 'configs/shufflenet_v2/shufflenet-v2-1x_16xb64_in1k.py'
    assert f'ShuffleNetV2 1x, 1000 classes; config: {config}' in done.stdout
    import mmshuffle.compat  # noqa: F401  installs the safe loader
    ours = build_classifier(model_cfg(config))
    load_checkpoint(ours, str(dst), map_location='cpu', strict=True)
    assert_same_logits(theirs, ours)


def test_the_tool_reports_an_unknown_architecture_in_one_line(
        tmp_path, monkeypatch, capsys):
    src, dst = tmp_path / 'resnet.pth', tmp_path / 'out.pth'
    torch.save(tv_models.resnet18(weights=None).state_dict(), src)
    monkeypatch.setattr(sys, 'argv', [str(TOOL), str(src), str(dst)])
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(TOOL), run_name='__main__')
    assert str(done.value).startswith(
        'error: the state dict is no torchvision architecture we convert')
    assert not dst.exists()


def test_unknown_family_lists_what_it_saw_and_what_it_knows():
    state_dict = tv_models.resnet18(weights=None).state_dict()
    with pytest.raises(UnknownArchitectureError) as error:
        convert_torchvision_state_dict(state_dict)
    message = str(error.value)
    assert "keys begin with 'conv1', 'bn1', 'layer1', 'layer2', 'layer3', " \
        "'layer4', 'fc'" in message
    assert 'conv1.weight (64, 3, 7, 7)' in message  # some shapes
    assert 'ShuffleNetV2 (x0_5, x1_0, x1_5, x2_0)' in message
    assert 'MobileNetV2 (any width_mult)' in message


def test_unknown_shufflenet_v2_width_names_its_channels():
    model = tv_models.ShuffleNetV2([4, 8, 4], [24, 100, 200, 400, 1024])
    with pytest.raises(UnknownArchitectureError,
                       match=r'stage channels are \(100, 200, 400, 1024\), '
                       r'which no width has; the widths known are 0.5x: '
                       r'\(48, 96, 192, 1024\); 1x: \(116, 232, 464, 1024\)'):
        convert_torchvision_state_dict(model.state_dict())


def test_mobilenet_v2_width_our_channels_cannot_give():
    # torchvision rounds the final conv to a multiple of 8 (1296 at 1.01),
    # mmpretrain's MobileNetV2, and ours, truncate 1280 x 1.01 to 1292.
    model = tv_models.mobilenet_v2(weights=None, width_mult=1.01)
    with pytest.raises(UnknownArchitectureError,
                       match=r'channels \(stem, layer1-layer7, conv2\) are '
                       r'\(32, 16, 24, 32, 64, 96, 160, 320, 1296\), which '
                       r'no width up to 4 gives; for instance 0.35x'):
        convert_torchvision_state_dict(model.state_dict())


def test_extra_blocks_are_named():
    model = tv_models.ShuffleNetV2([4, 9, 4], [24, 116, 232, 464, 1024])
    with pytest.raises(UnknownArchitectureError,
                       match=r"18 keys of the state dict have no place in a "
                       r"torchvision ShuffleNetV2: 'stage3.8.branch2.0."
                       r"weight'"):
        convert_torchvision_state_dict(model.state_dict())


@pytest.mark.parametrize('key, bad_shape, target, expected', [
    ('stage3.2.branch2.3.weight', (116, 1, 5, 5),
     'backbone.layers.1.2.branch2.1.conv.weight', (116, 1, 3, 3)),
    ('fc.weight', (1000, 512), 'head.fc.weight', (1000, 1024)),
])
def test_a_wrong_shape_names_the_key_and_both_shapes(key, bad_shape, target,
                                                     expected):
    state_dict = tv_models.shufflenet_v2_x1_0(weights=None).state_dict()
    state_dict[key] = torch.zeros(bad_shape)
    with pytest.raises(ShapeMismatchError) as error:
        convert_torchvision_state_dict(state_dict)
    assert str(error.value) == (
        f"'{key}' -> '{target}' has shape {bad_shape}, but ShuffleNetV2 1x "
        f'expects {expected}')
