"""Every backbone tells its channels from its arguments alone, and the
answer is what the built backbone has."""
import pytest

from mmshuffle.models.variants import VARIANTS
from mmshuffle.registry import MODELS


@pytest.mark.parametrize('variant', VARIANTS, ids=lambda v: v.name)
def test_channels_for_arguments_are_the_built_backbones(variant):
    backbone_class = MODELS.get(variant.type)
    stage_channels = backbone_class.stage_channels_for(**variant.kwargs)
    every_stage = tuple(range(len(stage_channels)))
    backbone = MODELS.build(dict(variant.cfg, out_indices=every_stage))
    assert stage_channels == backbone.stage_channels
    assert backbone_class.out_channels_for(
        **variant.kwargs, out_indices=every_stage) == backbone.out_channels
    default = MODELS.build(variant.cfg)
    assert backbone_class.out_channels_for(
        **variant.kwargs) == default.out_channels


@pytest.mark.parametrize('family, kwargs, error', [
    ('ShuffleNetV2', dict(widen_factor=0.7), 'widen_factor must be one of'),
    ('ShuffleNetV1', dict(groups=5), 'groups must be one of'),
    ('MobileNetV2', dict(widen_factor=-1.0), 'widen_factor'),
    ('MobileNetV2', dict(out_indices=(9, )), 'each item of out_indices'),
])
def test_bad_arguments_are_refused_as_the_constructor_refuses_them(
        family, kwargs, error):
    with pytest.raises(ValueError, match=error):
        MODELS.get(family).out_channels_for(**kwargs)
    with pytest.raises(ValueError, match=error):
        MODELS.build(dict(type=family, **kwargs))
