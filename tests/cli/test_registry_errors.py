import pytest
from mmengine.registry import DefaultScope

from mmshuffle.cli import explain_unknown_type


def unknown_type_error(type_name):
    from mmpretrain.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        with pytest.raises(KeyError) as error:
            MODELS.build(dict(type=type_name))
    return error.value


@pytest.mark.parametrize('typo, suggestion', [
    ('mmshuffle.ShufleNetV2', 'mmshuffle.ShuffleNetV2'),
    ('ShuffleNetV3', 'mmshuffle.ShuffleNetV2'),
    ('mmshuffle.MobilenetV2', 'mmshuffle.MobileNetV2'),
    ('mmshuffle.EpochSeedHok', 'mmshuffle.EpochSeedHook'),
])
def test_unknown_type_gets_close_matches_from_mmshuffle(typo, suggestion):
    message = explain_unknown_type(unknown_type_error(typo))
    assert f"type '{typo}' is in no registry" in message
    assert 'mmpretrain::model' in message
    assert f"'{suggestion}'" in message


def test_without_a_close_match_every_mmshuffle_name_is_listed():
    message = explain_unknown_type(unknown_type_error('Transformer9000'))
    assert "'mmshuffle.ShuffleNetV1'" in message
    assert "'mmshuffle.MobileNetV2'" in message


def test_other_key_errors_are_left_alone():
    assert explain_unknown_type(KeyError('some other key')) is None
