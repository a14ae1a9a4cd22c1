"""A neck that does not fit the backbone is refused before the build,
naming both channel lists."""
import pytest
from mmengine.config import Config

from mmshuffle.cli import check_neck_in_channels
from mmshuffle.errors import NeckChannelsError

from ..tools.tiny_digits import ROOT, run_tool_here

FCOS_CONFIG = ROOT / 'configs' / 'detection' / \
    'fcos_shufflenet-v2-1x_fpn_shapes.py'


def fcos_model_cfg():
    return Config.fromfile(str(FCOS_CONFIG)).model


def test_fitting_neck_passes():
    check_neck_in_channels(fcos_model_cfg())


def test_neck_that_does_not_fit_is_refused_naming_both_lists():
    cfg = fcos_model_cfg()
    cfg.neck.in_channels = [48, 96, 192]
    with pytest.raises(NeckChannelsError) as error:
        check_neck_in_channels(cfg)
    message = str(error.value)
    assert 'model.neck.in_channels [48, 96, 192] do not match' in message
    assert "backbone's outputs [116, 232, 464]" in message


def test_tools_refuse_a_neck_that_does_not_fit(tmp_path):
    result = run_tool_here([
        'tools/train.py',
        str(FCOS_CONFIG), '--work-dir',
        str(tmp_path), '--cfg-options', 'model.neck.in_channels=[1,2,3]'
    ])
    assert result.returncode == 1
    assert 'error: model.neck.in_channels [1, 2, 3] do not match the ' \
        "channels of the backbone's outputs [116, 232, 464]" in result.stderr
    assert 'Traceback' not in result.stderr
