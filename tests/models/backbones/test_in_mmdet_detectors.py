"""Our backbones inside MMDetection detectors: classification checkpoints
load into them, and frozen stages and norm_eval hold during training."""
import copy

import mmdet.models  # noqa: F401  registers detectors
import torch
from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs
from mmengine.config import Config
from mmengine.registry import DefaultScope
from torch.nn.modules.batchnorm import _BatchNorm

from ...tools.tiny_digits import ROOT

FCOS_CONFIG = ROOT / 'configs' / 'detection' / \
    'fcos_shufflenet-v2-1x_fpn_shapes.py'


def fcos_model_cfg(**backbone):
    cfg = Config.fromfile(str(FCOS_CONFIG)).model
    cfg.backbone.update(backbone)
    return cfg


def build(model_cfg):
    with DefaultScope.overwrite_default_scope('mmdet'):
        return MODELS.build(model_cfg)


def test_classification_checkpoint_loads_into_a_detector_backbone(
        trained_digits):
    checkpoint = trained_digits.checkpoint
    # The tiny classification config trains ShuffleNetV2 0.5x.
    model_cfg = fcos_model_cfg(
        widen_factor=0.5,
        init_cfg=dict(
            type='Pretrained', checkpoint=str(checkpoint),
            prefix='backbone.'))
    model_cfg.neck.in_channels = [48, 96, 192]
    detector = build(model_cfg)
    detector.init_weights()
    saved = torch.load(checkpoint, weights_only=False)['state_dict']
    expected = {
        key[len('backbone.'):]: value
        for key, value in saved.items() if key.startswith('backbone.')
    }
    actual = detector.backbone.state_dict()
    # Nothing missing; stage 3 (the final 1x1 conv), which the FPN does not
    # read, is not built and its tensors are left out, with an account.
    left_out = sorted(set(expected) - set(actual))
    assert set(actual) <= set(expected)
    assert left_out and all(key.startswith('layers.3.') for key in left_out)
    assert sorted(detector.backbone.left_out_keys) == left_out
    for key, value in actual.items():
        assert torch.equal(value, expected[key]), key


def train_steps(detector, steps=2):
    optimizer = torch.optim.SGD(
        [p for p in detector.parameters() if p.requires_grad], lr=0.01)
    packed = demo_mm_inputs(
        batch_size=2, image_shapes=[(3, 96, 96)] * 2, num_classes=3)
    detector.train()
    for _ in range(steps):
        data = detector.data_preprocessor(copy.deepcopy(packed), True)
        loss, _ = detector.parse_losses(detector(**data, mode='loss'))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def test_frozen_stages_and_norm_eval_hold_inside_a_detector():
    torch.manual_seed(0)
    detector = build(fcos_model_cfg(frozen_stages=1, norm_eval=True))
    detector.init_weights()
    backbone = detector.backbone
    frozen = [backbone.conv1, backbone.layers[0]]
    frozen_before = [copy.deepcopy(m.state_dict()) for m in frozen]
    stats_before = {
        name: m.running_mean.clone()
        for name, m in backbone.named_modules() if isinstance(m, _BatchNorm)
    }
    trained_before = copy.deepcopy(backbone.layers[1].state_dict())
    train_steps(detector)
    for module, before in zip(frozen, frozen_before):
        for key, value in module.state_dict().items():
            assert torch.equal(value, before[key]), key
    for name, module in backbone.named_modules():
        if isinstance(module, _BatchNorm):
            assert torch.equal(module.running_mean, stats_before[name]), name
    changed = [
        key for key, value in backbone.layers[1].state_dict().items()
        if not torch.equal(value, trained_before[key])
    ]
    assert changed, 'the unfrozen stages did not train'
