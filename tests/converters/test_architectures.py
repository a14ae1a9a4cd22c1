"""Width detection, shape checks and the config table of the converters."""
import pytest
import torch

from mmshuffle.converters import (
    ZOO_CONFIGS,
    Architecture,
    ShapeMismatchError,
    UnknownArchitectureError,
    match_shapes,
    mobilenet_v2_width,
    shufflenet_v2_width,
)
from mmshuffle.converters.architectures import MOBILENET_V2_NAMED_WIDTHS
from mmshuffle.models import MobileNetV2, ShuffleNetV2
from mmshuffle.models.backbones.mobilenet_v2 import mobilenet_v2_channels

from .classifiers import ROOT, model_cfg


@pytest.mark.parametrize('family, width', sorted(ZOO_CONFIGS))
def test_every_zoo_config_exists_and_builds_its_architecture(family, width):
    cfg = model_cfg(ZOO_CONFIGS[family, width])
    assert cfg.backbone.type == f'mmshuffle.{family}'
    assert cfg.backbone.widen_factor == width
    backbone = Architecture(family, width).build_backbone()
    assert cfg.head.in_channels == backbone.stage_channels[-1]
    assert (ROOT / ZOO_CONFIGS[family, width]).is_file()


@pytest.mark.parametrize('width', (0.5, 1.0, 1.5, 2.0))
def test_shufflenet_v2_width_is_read_back(width):
    with torch.device('meta'):
        state_dict = ShuffleNetV2(widen_factor=width).state_dict()
    assert shufflenet_v2_width(state_dict) == width


@pytest.mark.parametrize('width', MOBILENET_V2_NAMED_WIDTHS + (0.6, 2.0))
def test_mobilenet_v2_channels_are_the_backbones(width):
    with torch.device('meta'):
        backbone = MobileNetV2(widen_factor=width)
    assert mobilenet_v2_channels(width) == (
        backbone.conv1.conv.out_channels, *backbone.stage_channels)
    assert mobilenet_v2_width(backbone.state_dict()) == width


def test_the_simplest_width_wins_among_equal_channels():
    # 0.36 x the channels rounds to what 0.35 gives.
    assert mobilenet_v2_channels(0.36) == mobilenet_v2_channels(0.35)
    with torch.device('meta'):
        state_dict = MobileNetV2(widen_factor=0.36).state_dict()
    assert mobilenet_v2_width(state_dict) == 0.35


def test_a_missing_channel_key_names_it():
    with torch.device('meta'):
        state_dict = ShuffleNetV2().state_dict()
    del state_dict['layers.3.conv.weight']
    with pytest.raises(UnknownArchitectureError,
                       match=r"not a ShuffleNetV2 backbone in mmshuffle's "
                       r"layout: it has no 'layers.3.conv.weight'"):
        shufflenet_v2_width(state_dict)


def test_match_shapes_orders_and_fills_num_batches_tracked():
    expected = {'a.weight': torch.Size((2, )),
                'a.num_batches_tracked': torch.Size(()),
                'b.weight': torch.Size((3, ))}
    matched = match_shapes({'b.weight': torch.ones(3),
                            'a.weight': torch.ones(2)}, expected, 'the net')
    assert list(matched) == list(expected)
    assert matched['a.num_batches_tracked'].item() == 0


def test_match_shapes_names_missing_and_extra_keys():
    expected = {'a.weight': torch.Size((2, )), 'b.weight': torch.Size((3, ))}
    with pytest.raises(UnknownArchitectureError,
                       match=r"does not fit the net: missing 'b.weight'; "
                       r"unexpected 'c.bias'"):
        match_shapes({'a.weight': torch.ones(2), 'c.bias': torch.ones(1)},
                     expected, 'the net')


def test_match_shapes_names_the_key_and_both_shapes():
    with pytest.raises(ShapeMismatchError,
                       match=r"^'src.w' -> 'a.weight' has shape \(3,\), but "
                       r'the net expects \(2,\)$'):
        match_shapes({'a.weight': torch.ones(3)},
                     {'a.weight': torch.Size((2, ))}, 'the net',
                     {'a.weight': 'src.w'})
