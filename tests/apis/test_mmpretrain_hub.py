"""The model zoo in mmpretrain's model hub, as mmshuffle.NAME: its
get_model, list_models, inferencer and FeatureExtractor find our models,
and mmpretrain's own models keep their names."""
import mmpretrain
import numpy as np
import pytest
from mmpretrain import FeatureExtractor, ImageClassificationInferencer

from mmshuffle.apis import list_models, register_in_mmpretrain
from mmshuffle.models.backbones import ShuffleNetV2

NAME = 'mmshuffle.shufflenet-v2-0.5x_paper_in1k'


@pytest.fixture(scope='module', autouse=True)
def registered():
    register_in_mmpretrain()


def test_every_model_is_listed_under_its_prefix():
    assert mmpretrain.list_models('mmshuffle.*') == sorted(
        f'mmshuffle.{name}' for name in list_models())
    assert register_in_mmpretrain() == []  # once


def test_mmpretrain_builds_ours_and_keeps_its_own():
    ours = mmpretrain.get_model(NAME)
    assert isinstance(ours.backbone, ShuffleNetV2)
    theirs = mmpretrain.get_model('shufflenet-v2-1x_16xb64_in1k')
    assert type(theirs.backbone).__module__.startswith('mmpretrain.')


def test_weights_of_another_layout_are_left_to_mmshuffle():
    from mmpretrain.apis import ModelHub
    assert ModelHub.get('mmshuffle.shufflenet-v2-1x_torchvision_in1k'
                        ).weights is None
    assert ModelHub.get('mmshuffle.shufflenet-v2-1x_16xb64_in1k'
                        ).weights.startswith('https://')


def test_the_inferencer_and_the_feature_extractor_run_ours():
    image = np.random.default_rng(0).integers(0, 255, (48, 48, 3),
                                              dtype=np.uint8)
    (result, ) = ImageClassificationInferencer(NAME, device='cpu')(image)
    assert result['pred_scores'].shape == (1000, )
    (features, ) = FeatureExtractor(NAME, device='cpu')(image)
    assert features[0].shape == (1024, )
