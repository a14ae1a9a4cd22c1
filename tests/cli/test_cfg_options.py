import argparse

import pytest
from mmengine.config import Config

from mmshuffle.cli import CfgOptionsAction, merge_cfg_options
from mmshuffle.errors import BadCfgOptionError


def parser():
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    return parser


def test_good_options_parse_as_mmengine_does():
    args = parser().parse_args(
        ['--cfg-options', 'a.b=1', 'c=[1,2]', 'd=x,y'])
    assert args.cfg_options == {'a.b': 1, 'c': [1, 2], 'd': ['x', 'y']}


@pytest.mark.parametrize('option', ['no_equals_sign', '=value'])
def test_unparsable_option_is_named(option, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parser().parse_args(['--cfg-options', 'ok=1', option])
    assert exit_info.value.code == 2
    assert f"--cfg-options: cannot parse {option!r}: expected KEY=VALUE" in \
        capsys.readouterr().err


def test_unmergeable_option_is_named():
    cfg = Config(dict(max_epochs=3))
    with pytest.raises(BadCfgOptionError,
                       match=r"--cfg-options max_epochs.value=3 cannot be "
                       r'merged'):
        merge_cfg_options(cfg, {'max_epochs.value': 3})
    merge_cfg_options(cfg, {'max_epochs': 5})
    assert cfg.max_epochs == 5
