"""mmpretrain 1.x and mmcls 0.x checkpoints need no converter: they load
through MMEngine's loader and strictly into the models our configs build,
with the same logits."""
import copy

import pytest
import torch
from mmengine.runner import CheckpointLoader

import mmshuffle.compat  # noqa: F401  installs the safe checkpoint loader

from ..helpers import randomize_norm_stats
from .classifiers import (
    TOLERANCE,
    build_classifier,
    classifier_logits,
    max_abs_diff,
    model_cfg,
)

CONFIGS = {
    'ShuffleNetV1': 'configs/shufflenet_v1/shufflenet-v1-1x_16xb64_in1k.py',
    'ShuffleNetV2': 'configs/shufflenet_v2/shufflenet-v2-1x_16xb64_in1k.py',
    'MobileNetV2': 'configs/mobilenet_v2/mobilenet-v2_8xb32_in1k.py',
}
CLASSES = [f'class {index}' for index in range(1000)]
# What each generation of the toolbox wrote into 'meta'.
METAS = {
    'mmcls-0.x': dict(mmcls_version='0.25.0', CLASSES=CLASSES, epoch=300,
                      iter=375300, time='Mon Jun 13 10:00:00 2022',
                      env_info='sys.platform: linux'),
    'mmpretrain-1.x': dict(mmengine_version='0.10.7', epoch=300,
                           dataset_meta=dict(classes=CLASSES), seed=0),
}


@pytest.mark.parametrize('generation', sorted(METAS))
@pytest.mark.parametrize('family', sorted(CONFIGS))
def test_checkpoint_loads_strictly_and_logits_agree(tmp_path, family,
                                                    generation):
    cfg = model_cfg(CONFIGS[family])
    # The same classifier with mmpretrain's own backbone class: a bare type
    # under mmpretrain's default scope builds theirs.
    theirs_cfg = copy.deepcopy(cfg)
    theirs_cfg.backbone.type = family
    torch.manual_seed(0)
    theirs = build_classifier(theirs_cfg)
    assert type(theirs.backbone).__module__.startswith('mmpretrain.')
    theirs.init_weights()
    randomize_norm_stats(theirs)
    path = tmp_path / 'mmpretrain.pth'
    torch.save({'state_dict': theirs.state_dict(),
                'meta': METAS[generation]}, path)

    checkpoint = CheckpointLoader.load_checkpoint(str(path), 'cpu')
    ours = build_classifier(cfg)
    assert type(ours.backbone).__module__.startswith('mmshuffle.')
    ours.load_state_dict(checkpoint['state_dict'], strict=True)
    x = torch.randn(2, 3, 64, 64)
    diff = max_abs_diff(classifier_logits(theirs, x),
                        classifier_logits(ours, x))
    assert diff <= TOLERANCE
