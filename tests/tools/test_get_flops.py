"""tools/analysis_tools/get_flops.py and the whole-model count behind it."""
import re

import pytest
import torch
from mmengine.model import BaseModel
from torch import nn

from mmshuffle.analysis.complexity import (
    classifier_complexity,
    model_complexity,
)
from mmshuffle.registry import MODELS

from .tiny_digits import run_tool, run_tool_here

GET_FLOPS = 'tools/analysis_tools/get_flops.py'
V2_1X = 'configs/shufflenet_v2/shufflenet-v2-1x_16xb64_in1k.py'


def millions(label: str, text: str) -> float:
    found = re.search(re.escape(label) + r': ([\d.]+)M', text)
    assert found, text
    return float(found.group(1))


def test_shufflenet_v2_1x_has_its_published_complexity():
    printed = run_tool([GET_FLOPS, V2_1X]).stdout
    assert 'input: (1, 3, 224, 224)' in printed
    assert "counted: model(x, mode='tensor')" in printed
    assert 'params: 2.28M (2,278,604)' in printed
    # mmpretrain's zoo: 149M, all ops; the paper: 146M multiply-adds.
    all_ops = millions('FLOPs, all ops as mmengine counts them', printed)
    assert 146 <= all_ops <= 149
    madds = millions(
        'FLOPs, convolutions + linear only (multiply-adds, as the papers '
        'count them)', printed)
    assert madds == pytest.approx(144.9, abs=0.1)
    assert 'not counted by mmengine: aten::max_pool2d (x1)' in printed


def test_shape_and_cfg_options_change_the_count():
    printed = run_tool([
        GET_FLOPS, V2_1X, '--shape', '112', '--cfg-options',
        'model.backbone.widen_factor=0.5'
    ]).stdout
    assert 'input: (1, 3, 112, 112)' in printed
    # The same count as tools/model_table.py's for the backbone.
    expected, _ = classifier_complexity(
        MODELS.build(dict(type='mmshuffle.ShuffleNetV2', widen_factor=0.5)),
        input_size=112)
    madds = millions('convolutions + linear only (multiply-adds, as the '
                     'papers count them)', printed)
    assert madds == pytest.approx(expected, abs=0.005)


def test_a_bad_shape_is_one_clear_line():
    result = run_tool_here([GET_FLOPS, V2_1X, '--shape', '224', '0'])
    assert result.returncode == 1
    assert result.stderr == (
        'error: --shape must be H W (or one size for a square image), '
        'positive integers, got 224 0\n')


class _Detector(BaseModel):
    """A detector-like model: its full forward may need data samples."""

    def __init__(self, needs_metas: bool, traceable: bool) -> None:
        super().__init__()
        self.backbone = nn.Conv2d(3, 4, 3)
        self.head = nn.Conv2d(4, 2, 1)
        self.needs_metas, self.traceable = needs_metas, traceable
        self.metas = None

    def extract_feat(self, x):
        return self.backbone(x)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if not self.traceable:
            raise NotImplementedError('proposals need real data')
        if self.needs_metas and data_samples is None:
            raise TypeError("'NoneType' object is not iterable")
        self.metas = data_samples and data_samples[0].metainfo
        return self.head(self.extract_feat(inputs))


# Multiply-adds on an 8x8 image: a 3x3 conv to 4 channels at 6x6, then a
# 1x1 conv to 2 channels.
BACKBONE_MADDS = 6 * 6 * 4 * 3 * 9
HEAD_MADDS = 6 * 6 * 2 * 4


def test_a_two_stage_detector_is_counted_whole_with_image_metas():
    model = _Detector(needs_metas=True, traceable=True).train()
    counted = model_complexity(model, (3, 8, 12))
    assert counted.traced == "model(x, [image metas], mode='tensor')"
    assert counted.fallback_reason is None
    assert model.metas['img_shape'] == (8, 12)
    assert model.training  # given back in the mode it was in
    counted = model_complexity(model, (3, 8, 8))
    assert counted.madds == BACKBONE_MADDS + HEAD_MADDS
    assert counted.params == sum(p.numel() for p in model.parameters())


def test_a_model_that_cannot_be_traced_whole_counts_backbone_and_neck():
    counted = model_complexity(
        _Detector(needs_metas=False, traceable=False), (3, 8, 8))
    assert counted.traced == 'model.extract_feat(x): backbone and neck only'
    assert counted.fallback_reason == (
        'NotImplementedError: proposals need real data')
    assert counted.madds == counted.flops == BACKBONE_MADDS


def test_a_plain_module_is_counted_as_it_is():
    counted = model_complexity(nn.Conv2d(3, 4, 3), (3, 8, 8))
    assert counted.traced == 'model(x)'
    assert counted.madds == BACKBONE_MADDS
    with pytest.raises(ValueError, match=r'three positive integers'):
        model_complexity(nn.Conv2d(3, 4, 3), (8, 8))
    assert torch.is_grad_enabled()


@pytest.mark.parametrize('config, traced', [
    ('fcos_shufflenet-v2-1x_fpn_shapes.py', "model(x, mode='tensor')"),
    ('faster-rcnn_mobilenet-v2_fpn_1x_coco.py',
     "model(x, [image metas], mode='tensor')"),
], ids=['fcos', 'faster-rcnn'])
def test_detectors_are_counted_whole(config, traced):
    from mmengine.config import Config

    from mmshuffle.cli import build_model
    torch.manual_seed(0)
    model = build_model(Config.fromfile(f'configs/detection/{config}'))
    counted = model_complexity(model, (3, 64, 64))
    assert counted.traced == traced
    assert counted.fallback_reason is None
    # More than the backbone and neck alone.
    neck = model_complexity(nn.Sequential(model.backbone, model.neck),
                            (3, 64, 64))
    assert counted.madds > neck.madds > 0
