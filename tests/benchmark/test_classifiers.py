import pytest
import torch

from mmshuffle.benchmark.classifiers import (
    torchvision_classifier,
    variant_classifier,
)
from mmshuffle.models.variants import BY_NAME


@pytest.mark.parametrize('name', ['shufflenet-v1-0.5x-g3',
                                  'shufflenet-v2-0.5x', 'mobilenet-v2-0.35x'])
def test_mmpretrain_builds_the_same_classifier(name):
    torch.manual_seed(0)
    ours = variant_classifier(BY_NAME[name]).eval()
    theirs = variant_classifier(BY_NAME[name], 'mmpretrain').eval()
    assert type(ours.backbone).__module__.startswith('mmshuffle')
    assert type(theirs.backbone).__module__.startswith('mmpretrain')
    theirs.load_state_dict(ours.state_dict(), strict=True)
    x = torch.randn(1, 3, 64, 64)
    assert torch.equal(ours(x, mode='tensor'), theirs(x, mode='tensor'))
    assert ours(x, mode='tensor').shape == (1, 1000)


def test_backbone_arguments_pass_through():
    model = variant_classifier(BY_NAME['shufflenet-v2-0.5x'], with_cp=True)
    assert all(unit.with_cp for stage in model.backbone.layers[:3]
               for unit in stage)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="got 'timm'"):
        variant_classifier(BY_NAME['shufflenet-v2-1x'], 'timm')
    with pytest.raises(ValueError, match='divisible by groups'):
        variant_classifier(BY_NAME['shufflenet-v1-0.25x-g8'], 'mmpretrain')


def test_torchvision_has_shufflenet_v2_widths_and_any_mobilenet_v2():
    assert torchvision_classifier(BY_NAME['shufflenet-v2-1.5x']) is not None
    assert torchvision_classifier(BY_NAME['mobilenet-v2-0.35x']) is not None
    assert torchvision_classifier(BY_NAME['shufflenet-v1-1x-g3']) is None
