"""type='mmshuffle.X' builds our classes from other scopes, in a fresh
interpreter, and nothing of ours lands in mmpretrain's registry."""
import subprocess
import sys
import textwrap

import pytest

BUILD_IN_FRESH_INTERPRETER = '''
import sys
from mmengine.registry import DefaultScope
from {registry_module} import MODELS
DefaultScope.get_instance('test', scope_name='{scope}')
assert 'mmshuffle.models' not in sys.modules
for name in ('ShuffleNetV1', 'ShuffleNetV2', 'MobileNetV2'):
    model = MODELS.build(dict(type='mmshuffle.' + name))
    assert type(model).__module__.startswith('mmshuffle.'), type(model)
    assert type(model).__name__ == name
print('built from', '{scope}')
'''

SCOPES = {
    'mmengine': 'mmengine.registry',
    'mmpretrain': 'mmpretrain.registry',
    'mmdet': 'mmdet.registry',
}


@pytest.mark.parametrize('scope', SCOPES)
def test_build_by_scoped_type_name_in_fresh_interpreter(scope):
    code = BUILD_IN_FRESH_INTERPRETER.format(
        registry_module=SCOPES[scope], scope=scope)
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert f'built from {scope}' in result.stdout


def test_image_classifier_config_builds_our_backbone():
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(
            dict(
                type='ImageClassifier',
                backbone=dict(type='mmshuffle.ShuffleNetV2'),
                neck=dict(type='GlobalAveragePooling'),
                head=dict(
                    type='LinearClsHead', num_classes=10,
                    in_channels=1024)))
    assert type(model.backbone).__module__ == \
        'mmshuffle.models.backbones.shufflenet_v2'


def test_nothing_of_ours_is_registered_in_other_registries():
    import mmpretrain.models  # noqa: F401  (fills mmpretrain's registry)
    from mmengine.registry import MODELS as mmengine_models
    from mmpretrain.registry import MODELS as mmpretrain_models

    import mmshuffle.models  # noqa: F401
    from mmshuffle.registry import MODELS
    assert MODELS.parent is mmengine_models and MODELS.scope == 'mmshuffle'
    for name in ('ShuffleNetV1', 'ShuffleNetV2', 'MobileNetV2'):
        ours = MODELS.get(name)
        assert ours.__module__.startswith('mmshuffle.')
        assert mmpretrain_models.get(name).__module__.startswith(
            'mmpretrain.')
        assert ours not in mmengine_models.module_dict.values()
        assert ours not in mmpretrain_models.module_dict.values()


def test_models_import_without_mmpretrain_torchvision_or_mmdet():
    code = textwrap.dedent('''
        import sys
        for blocked in ('mmpretrain', 'torchvision', 'mmdet'):
            sys.modules[blocked] = None  # any import of it now fails
        import mmshuffle.models
        from mmshuffle.registry import MODELS
        MODELS.build(dict(type='ShuffleNetV2'))
        print('ok')
        ''')
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'ok'
