"""Shuffle folding: weight permutations and the fused V2 stages."""
import pytest
import torch
from mmcv.cnn import ConvModule
from torch import nn

from mmshuffle.deploy import fuse_shuffles
from mmshuffle.deploy.channel_permutation import (
    permute_dense_input,
    permute_depthwise,
)
from mmshuffle.deploy.fused_blocks import FusedShuffleV2Stage
from mmshuffle.deploy.shuffle_ops import shuffle_source_channels

from ..helpers import build_family, randomize_norm_stats
from .models import assert_outputs_close, build_eval_model, inputs, reference

SOURCE = shuffle_source_channels(12, 2)


def test_a_dense_conv_takes_its_input_unshuffled():
    torch.manual_seed(0)
    conv, x = nn.Conv2d(12, 5, 1), torch.randn(2, 12, 4, 4)
    expected = conv(x[:, SOURCE])
    permute_dense_input(conv, SOURCE)
    torch.testing.assert_close(conv(x), expected)


def test_a_depthwise_conv_module_runs_on_unshuffled_channels():
    torch.manual_seed(0)
    module = ConvModule(12, 12, 3, padding=1, groups=12,
                        norm_cfg=dict(type='BN'), act_cfg=None).eval()
    randomize_norm_stats(module)
    x = torch.randn(2, 12, 4, 4)
    expected = module(x[:, SOURCE])
    permute_depthwise(module, SOURCE)
    # Its output comes in the received (unshuffled) order too.
    torch.testing.assert_close(module(x)[:, SOURCE], expected)


def test_permutations_refuse_convs_they_cannot_reorder():
    with pytest.raises(ValueError, match='dense convolution with 12'):
        permute_dense_input(nn.Conv2d(12, 12, 1, groups=3), SOURCE)
    with pytest.raises(ValueError, match='depthwise ConvModule'):
        permute_depthwise(ConvModule(12, 12, 1), SOURCE)


@pytest.mark.parametrize('out_indices, folded', [
    ((3, ), (True, True, True)),
    ((1, 3), (True, False, True)),
    ((0, 1, 2, 3), (False, False, False)),
    ((1, ), (True, False)),
])
def test_v2_folds_the_shuffles_of_stages_nobody_else_reads(
        out_indices, folded):
    torch.manual_seed(0)
    model = build_family('ShuffleNetV2', widen_factor=0.5,
                         out_indices=out_indices).eval()
    randomize_norm_stats(model)
    x = inputs()[2]
    expected = model(x)
    fuse_shuffles(model)
    stages = list(model.layers)[:3]
    assert all(isinstance(stage, FusedShuffleV2Stage) for stage in stages)
    assert tuple(not stage.shuffle_output for stage in stages) == folded
    for layout in (torch.contiguous_format, torch.channels_last):
        model = model.to(memory_format=layout)
        assert_outputs_close(model(x.contiguous(memory_format=layout)),
                             expected)


def test_v2_folds_into_stages_with_their_norms_still_there():
    model = build_eval_model('ShuffleNetV2')
    x = inputs()[1]
    expected = model(x)
    fuse_shuffles(model)  # no fold_bn: the permuted depthwise keeps its BN
    assert_outputs_close(model(x), expected)


@pytest.mark.parametrize('name', ['ShuffleNetV1', 'MobileNetV2'])
def test_other_families_are_left_as_they_are(name):
    model = build_eval_model(name)
    kinds = [type(m) for m in model.modules()]
    fuse_shuffles(model)
    assert [type(m) for m in model.modules()] == kinds


def test_a_classifier_has_its_backbone_fused():
    model = build_eval_model('ImageClassifier')
    x = inputs()[2]
    expected = reference(model, x)
    fuse_shuffles(model)
    assert isinstance(model.backbone.layers[0], FusedShuffleV2Stage)
    assert_outputs_close(reference(model, x), expected)
