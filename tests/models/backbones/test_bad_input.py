"""Every invalid argument names itself, the value received and what is
allowed."""
import pytest
import torch

from mmshuffle.models import MobileNetV2, ShuffleNetV1, ShuffleNetV2
from mmshuffle.models.backbones.mobilenet_v2 import (
    InvertedResidual as MobileNetV2Block,
)
from mmshuffle.models.backbones.shufflenet_v1 import ShuffleUnit
from mmshuffle.models.backbones.shufflenet_v2 import (
    InvertedResidual as ShuffleNetV2Block,
)

CASES = {
    'v1 groups': (lambda: ShuffleNetV1(groups=5), ValueError,
                  r'groups must be one of \(1, 2, 3, 4, 8\), got 5'),
    'v1 groups type': (lambda: ShuffleNetV1(groups='3'), TypeError,
                       r"groups must be one of .*got '3' of type str"),
    'v1 width zero': (lambda: ShuffleNetV1(widen_factor=0), ValueError,
                      r'widen_factor must be a positive number, got 0'),
    'v1 width negative': (lambda: ShuffleNetV1(widen_factor=-1.0),
                          ValueError, r'widen_factor .* got -1.0'),
    'v1 width type': (lambda: ShuffleNetV1(widen_factor='1x'), TypeError,
                      r"widen_factor .* got '1x' of type str"),
    'v2 width': (lambda: ShuffleNetV2(widen_factor=0.7), ValueError,
                 r'widen_factor must be one of \(0.5, 1.0, 1.5, 2.0\), '
                 r'got 0.7'),
    'mnv2 width': (lambda: MobileNetV2(widen_factor=0.0), ValueError,
                   r'widen_factor must be a positive number, got 0.0'),
    'out_indices range': (lambda: ShuffleNetV1(out_indices=(0, 3)),
                          ValueError, r'each item of out_indices must be an '
                          r'int from 0 to 2, got 3'),
    'out_indices negative': (lambda: MobileNetV2(out_indices=(-1, )),
                             ValueError, r'from 0 to 7, got -1'),
    'out_indices empty': (lambda: ShuffleNetV2(out_indices=()), ValueError,
                          r'out_indices must name at least one stage in '
                          r'range\(0, 4\), got \(\)'),
    'out_indices not a sequence': (lambda: ShuffleNetV2(out_indices=3),
                                   TypeError, r'out_indices must be a '
                                   r'sequence .* got 3 of type int'),
    'out_indices item type': (lambda: ShuffleNetV2(out_indices=(1.0, )),
                              TypeError, r'got 1.0 of type float'),
    'frozen_stages high': (lambda: ShuffleNetV1(frozen_stages=4), ValueError,
                           r'frozen_stages must be an int from -1 to 3, '
                           r'got 4'),
    'frozen_stages low': (lambda: MobileNetV2(frozen_stages=-2), ValueError,
                          r'frozen_stages must be an int from -1 to 8, '
                          r'got -2'),
    'v2 block stride 1 channels': (
        lambda: ShuffleNetV2Block(24, 116, stride=1), ValueError,
        r'at stride 1 in_channels must equal out_channels, got '
        r'in_channels=24, out_channels=116'),
    'v2 block odd': (lambda: ShuffleNetV2Block(24, 117, stride=2),
                     ValueError, r'out_channels must be even, got 117'),
    'v2 block stride': (lambda: ShuffleNetV2Block(24, 116, stride=3),
                        ValueError, r'stride must be one of \(1, 2\), got 3'),
    'mnv2 block stride': (lambda: MobileNetV2Block(16, 24, 4, 6), ValueError,
                          r'stride must be one of \(1, 2\), got 4'),
    'mnv2 block expand': (lambda: MobileNetV2Block(16, 24, 2, 0),
                          ValueError, r'expand_ratio must be a positive '
                          r'number, got 0'),
    'v1 unit add': (lambda: ShuffleUnit(240, 480, combine='add'),
                    ValueError, r"combine='add' needs in_channels == "
                    r'out_channels, got 240 and 480'),
    'v1 unit concat': (lambda: ShuffleUnit(240, 240, combine='concat'),
                       ValueError, r"combine='concat' needs out_channels > "
                       r'in_channels, got 240 and 240'),
    'v1 unit groups': (lambda: ShuffleUnit(
        24, 100, groups=3, first_block=False, combine='concat'), ValueError,
                       r'out_channels // 4 \(25\) must be divisible by '
                       r'groups \(3\); got in_channels=24, out_channels=100'),
    'v1 unit combine': (lambda: ShuffleUnit(24, 24, combine='sum'),
                        ValueError, r"combine must be one of \('add', "
                        r"'concat'\), got 'sum'"),
}


@pytest.mark.parametrize('make, exception, pattern', CASES.values(),
                         ids=CASES.keys())
def test_bad_argument_is_named_with_value_and_allowed(make, exception,
                                                      pattern):
    with pytest.raises(exception, match=pattern):
        make()


@pytest.mark.parametrize('model_cls', [ShuffleNetV1, ShuffleNetV2,
                                       MobileNetV2])
def test_input_with_wrong_channels_names_expected_and_got(model_cls):
    model = model_cls().eval()
    with pytest.raises(ValueError, match=r'must have 3 channels, got 1'):
        model(torch.randn(1, 1, 32, 32))
    with pytest.raises(ValueError, match=r'4-D \(N, C, H, W\).*\(3, 32, 32\)'):
        model(torch.randn(3, 32, 32))
