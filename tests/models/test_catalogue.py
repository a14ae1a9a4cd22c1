"""The catalogue of variants agrees with the configs and peers it names:
each zoo config builds its variant, each torchvision builder exists, the
headlines are the papers' 1x models."""
import pytest
import torchvision
from mmengine.config import Config

from mmshuffle.models.variants import BY_NAME, HEADLINES, VARIANTS, variant_of

from ..tools.tiny_digits import ROOT

WITH_CONFIG = [variant for variant in VARIANTS if variant.zoo_config]


def test_every_family_has_zoo_configs():
    assert {variant.type for variant in WITH_CONFIG} == {
        'ShuffleNetV1', 'ShuffleNetV2', 'MobileNetV2'}


@pytest.mark.parametrize('variant', WITH_CONFIG, ids=lambda v: v.name)
def test_the_zoo_config_builds_the_variant(variant):
    backbone = Config.fromfile(str(ROOT / variant.zoo_config)).model.backbone
    assert backbone.type == f'mmshuffle.{variant.type}'
    assert variant_of(backbone) == variant


@pytest.mark.parametrize('variant',
                         [v for v in VARIANTS if v.torchvision],
                         ids=lambda v: v.name)
def test_the_torchvision_builder_exists(variant):
    assert callable(getattr(torchvision.models, variant.torchvision))


def test_the_headlines_are_the_papers_1x_models():
    assert {key: variant.title for key, variant in HEADLINES.items()} == {
        'v2': 'ShuffleNetV2 1x', 'mnv2': 'MobileNetV2 1.0',
        'v1': 'ShuffleNetV1 1x g=3'}
    assert BY_NAME['mobilenet-v2-0.35x'].title == 'MobileNetV2 0.35'
