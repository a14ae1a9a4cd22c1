"""mmdet 3.3's MobileNetV2 weights convert to ours and back: each side
loads them strictly and gives the same outputs."""
import runpy
import sys

import mmdet.models.backbones as mmdet_backbones
import pytest
import torch

from mmshuffle.converters import (
    ShapeMismatchError,
    UnknownArchitectureError,
    convert_mmdet_checkpoint,
    convert_mmdet_state_dict,
)
from mmshuffle.models import MobileNetV2

from ..helpers import randomize_norm_stats
from .classifiers import ROOT, TOLERANCE, max_abs_diff

TOOL = ROOT / 'tools' / 'model_converters' / 'mmdet2mmshuffle.py'


def mmdet_backbone(widen_factor: float, out_indices=(7, ), seed: int = 0):
    """mmdet's MobileNetV2 with random weights and batch-norm statistics."""
    torch.manual_seed(seed)
    model = mmdet_backbones.MobileNetV2(
        widen_factor=widen_factor, out_indices=out_indices)
    model.init_weights()
    randomize_norm_stats(model, seed)
    model.eval()  # mmdet 3.3.0's train() returns None: no chaining
    return model


def outputs(model, x):
    with torch.no_grad():
        return model(x)


def backbone_part(state_dict):
    return {
        key[len('backbone.'):]: value
        for key, value in state_dict.items() if key.startswith('backbone.')
    }


def assert_outputs_agree(expected, actual):
    assert len(expected) == len(actual)
    for stage, (e, a) in enumerate(zip(expected, actual)):
        assert max_abs_diff(e, a) <= TOLERANCE, stage


@pytest.mark.parametrize('widen_factor, out_indices', [(1.0, (7, )),
                                                       (0.5, (2, 4, 7))])
def test_a_detector_checkpoint_converts_both_ways(tmp_path, widen_factor,
                                                  out_indices):
    theirs = mmdet_backbone(widen_factor, out_indices)
    neck = {'neck.lateral_convs.0.conv.weight': torch.randn(8, 4, 1, 1)}
    detector = {
        'state_dict': {
            **{f'backbone.{k}': v for k, v in theirs.state_dict().items()},
            **neck
        },
        'meta': {
            'dataset_meta': {'classes': ('cat', 'dog')},
            'mmdet_version': '3.3.0',
        },
    }
    src, ours_path, back_path = (tmp_path / name for name in
                                 ('mmdet.pth', 'ours.pth', 'back.pth'))
    torch.save(detector, src)

    meta = convert_mmdet_checkpoint(src, ours_path)
    converted = torch.load(ours_path, weights_only=True)
    assert converted['meta'] == meta
    assert meta['dataset_meta'] == {'classes': ('cat', 'dog')}
    assert (meta['widen_factor'], meta['converted_from'],
            meta['layout']) == (widen_factor, 'mmdet', 'mmshuffle')
    for key, value in neck.items():  # the rest of the detector is kept
        assert torch.equal(converted['state_dict'][key], value)
    ours = MobileNetV2(widen_factor=widen_factor, out_indices=out_indices)
    ours.load_state_dict(backbone_part(converted['state_dict']), strict=True)
    x = torch.randn(2, 3, 64, 64)
    expected = outputs(theirs, x)
    assert_outputs_agree(expected, outputs(ours.eval(), x))

    convert_mmdet_checkpoint(ours_path, back_path, reverse=True)
    back = torch.load(back_path, weights_only=True)['state_dict']
    assert list(back) == list(detector['state_dict'])
    again = mmdet_backbones.MobileNetV2(
        widen_factor=widen_factor, out_indices=out_indices)
    again.load_state_dict(backbone_part(back), strict=True)
    for key, value in detector['state_dict'].items():
        assert torch.equal(back[key], value), key
    again.eval()  # mmdet 3.3.0's train() returns None
    assert_outputs_agree(expected, outputs(again, x))


def test_the_tool_converts_a_bare_backbone_back(tmp_path, monkeypatch,
                                                capsys):
    ours = MobileNetV2(widen_factor=0.75)
    randomize_norm_stats(ours)
    src, dst = tmp_path / 'ours.pth', tmp_path / 'mmdet.pth'
    torch.save(ours.state_dict(), src)
    monkeypatch.setattr(sys, 'argv',
                        [str(TOOL), str(src), str(dst), '--reverse'])
    runpy.run_path(str(TOOL), run_name='__main__')
    assert 'MobileNetV2 0.75x, mmshuffle -> mmdet layout' in \
        capsys.readouterr().out
    theirs = mmdet_backbones.MobileNetV2(widen_factor=0.75)
    theirs.load_state_dict(
        torch.load(dst, weights_only=True)['state_dict'], strict=True)


def test_the_wrong_direction_says_which_to_take():
    state_dict = MobileNetV2().state_dict()
    with pytest.raises(UnknownArchitectureError,
                       match=r"in mmshuffle's layout already: add --reverse "
                       r'\(reverse=True\)'):
        convert_mmdet_state_dict(state_dict)


def test_another_backbone_is_refused_with_what_it_has():
    from mmshuffle.models import ShuffleNetV2
    state_dict = {f'backbone.{k}': v
                  for k, v in ShuffleNetV2().state_dict().items()}
    with pytest.raises(UnknownArchitectureError) as error:
        convert_mmdet_state_dict(state_dict)
    message = str(error.value)
    assert "no MobileNetV2 in mmdet's layout" in message
    assert "keys begin with 'conv1', 'layers' (336 keys)" in message
    assert 'layer1.0.depthwise_conv.conv.weight' in message


def test_a_wrong_shape_names_the_key_and_both_shapes():
    state_dict = mmdet_backbones.MobileNetV2().state_dict()
    key = 'layer3.1.depthwise_conv.conv.weight'
    state_dict[key] = torch.zeros(192, 1, 5, 5)
    with pytest.raises(ShapeMismatchError) as error:
        convert_mmdet_state_dict(state_dict)
    assert str(error.value) == (
        f"'{key}' -> 'layer3.1.conv.1.conv.weight' has shape "
        '(192, 1, 5, 5), but MobileNetV2 1x expects (192, 1, 3, 3)')
