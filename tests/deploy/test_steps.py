"""The deploy steps (mmshuffle/deploy/steps.py): each exact on its own,
and each, added in turn, keeping the eval outputs of every family."""
import pytest
import torch
from mmcv.cnn import ConvModule
from torch import nn

from mmshuffle.deploy import (
    STEPS,
    PlainShuffles,
    avg_pools_as_convs,
    count_batch_norms,
    fold_bn,
    pad_branch_channels,
    prepare,
)
from mmshuffle.deploy.steps import has_channel_shuffles
from mmshuffle.models.backbones.shufflenet_v2 import InvertedResidual

from ..helpers import build_family, randomize_norm_stats
from .models import (
    BUILDERS,
    SHUFFLERS,
    assert_outputs_close,
    build_eval_model,
    inputs,
    reference,
)


@pytest.mark.parametrize('name', list(BUILDERS))
def test_every_step_keeps_the_outputs(name):
    model = build_eval_model(name)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    for count in range(len(STEPS) + 1):
        steps = STEPS[:count]
        module = prepare(model, steps)
        for batch, x in inputs().items():
            if 'channels_last' in steps:
                x = x.contiguous(memory_format=torch.channels_last)
            with torch.no_grad():
                actual = module(x)
            assert_outputs_close(actual, reference(model, x))
    # prepare works on a copy
    assert all(torch.equal(v, model.state_dict()[k])
               for k, v in state.items())


def test_prepare_refuses_an_unknown_step():
    with pytest.raises(ValueError, match=r"unknown steps \['fuse_bn'\]"):
        prepare(torch.nn.Identity(), ['fuse_bn'])


# fold_bn

def test_folds_a_conv_module_exactly():
    torch.manual_seed(0)
    module = ConvModule(8, 16, 3, padding=1, groups=2,
                        norm_cfg=dict(type='BN')).eval()
    randomize_norm_stats(module)
    x = torch.randn(2, 8, 9, 9)
    expected = module(x)
    fold_bn(module)
    assert count_batch_norms(module) == 0
    assert module.conv.bias is not None
    torch.testing.assert_close(module(x), expected, rtol=0, atol=1e-5)


def test_a_norm_after_no_conv_stays_and_still_computes():
    torch.manual_seed(0)
    model = nn.Sequential(nn.BatchNorm2d(3), nn.Conv2d(3, 4, 1),
                          nn.BatchNorm2d(4)).eval()
    randomize_norm_stats(model)
    x = torch.randn(1, 3, 5, 5)
    expected = model(x)
    fold_bn(model)
    assert count_batch_norms(model) == 1
    assert isinstance(model[2], nn.Identity)
    torch.testing.assert_close(model(x), expected, rtol=0, atol=1e-5)


def test_refuses_a_model_in_training_mode():
    with pytest.raises(ValueError, match='must be in eval mode'):
        fold_bn(nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4)))


@pytest.mark.parametrize('name', list(BUILDERS))
def test_folds_every_norm_of_every_family(name):
    model = build_eval_model(name)
    assert count_batch_norms(model) > 0
    expected = {b: reference(model, x) for b, x in inputs().items()}
    fold_bn(model)
    assert count_batch_norms(model) == 0
    assert not any(p.requires_grad for p in model.parameters())
    for batch, x in inputs().items():
        out, exp = reference(model, x), expected[batch]
        out = (out, ) if isinstance(out, torch.Tensor) else out
        exp = (exp, ) if isinstance(exp, torch.Tensor) else exp
        for a, e in zip(out, exp):
            torch.testing.assert_close(a, e, rtol=0, atol=1e-4)


# pad_channels

@pytest.mark.parametrize('fold', [False, True])
def test_pads_58_channel_branches_to_60_exactly(fold):
    torch.manual_seed(0)
    model = build_family('ShuffleNetV2', widen_factor=1.0,
                         out_indices=(0, 3)).eval()
    randomize_norm_stats(model)
    x = inputs()[2]
    expected = model(x)
    if fold:
        fold_bn(model)
    pad_branch_channels(model)
    units = [m for m in model.modules() if isinstance(m, InvertedResidual)]
    inner = [unit.branch2[1].conv.out_channels for unit in units]
    assert inner[:4] == [60] * 4  # 58 in stage 0
    assert all(channels % 4 == 0 for channels in inner)
    assert [unit.branch2[2].conv.out_channels for unit in units][:4] == \
        [58] * 4
    assert_outputs_close(model(x), expected)


def test_refuses_a_multiple_below_one():
    with pytest.raises(ValueError, match='multiple must be at least 1'):
        pad_branch_channels(torch.nn.Identity(), multiple=0)


# pool_as_conv

def shortcut_pools(model):
    return [unit.avgpool for unit in model.modules() if hasattr(
        unit, 'avgpool')]


def test_every_shortcut_pool_becomes_a_depthwise_conv():
    model = build_eval_model('ShuffleNetV1')
    expected = {batch: reference(model, x) for batch, x in inputs().items()}
    assert all(isinstance(p, nn.AvgPool2d) for p in shortcut_pools(model))
    avg_pools_as_convs(model)
    convs = shortcut_pools(model)
    assert len(convs) == 3
    for conv in convs:
        assert isinstance(conv, nn.Conv2d)
        assert conv.groups == conv.in_channels == conv.out_channels
        assert torch.all(conv.weight == 1 / 9)
    for batch, x in inputs().items():
        assert_outputs_close(reference(model, x), expected[batch], 1e-5)


def test_a_pool_that_ignores_its_padding_is_kept():
    model = build_eval_model('ShuffleNetV1')
    unit = next(u for u in model.modules() if hasattr(u, 'avgpool'))
    unit.avgpool = nn.AvgPool2d(3, 2, 1, count_include_pad=False)
    avg_pools_as_convs(model)
    assert isinstance(unit.avgpool, nn.AvgPool2d)


def test_other_families_are_left_as_they_are():
    model = build_eval_model('ShuffleNetV2')
    kinds = [type(m) for m in model.modules()]
    avg_pools_as_convs(model)
    assert [type(m) for m in model.modules()] == kinds


def exported_ops(module: nn.Module) -> set:
    """The ATen operators of a module's torch.export graph."""
    program = torch.export.export(module, (inputs()[1], ))
    return {str(node.target).split('.')[1]
            for node in program.graph.nodes
            if str(node.target).startswith('aten.')}


@pytest.mark.parametrize('name', list(SHUFFLERS))
def test_plain_shuffles_exports_each_shuffle_as_a_transpose(name):
    model = SHUFFLERS[name]()
    plain = prepare(model, ('plain_shuffles', ))
    assert has_channel_shuffles(model) is (name != 'MobileNetV2')
    # One group: nothing to shuffle.
    assert not has_channel_shuffles(build_family(
        'ShuffleNetV1', groups=1, widen_factor=0.25, out_indices=(0, )))
    if name == 'MobileNetV2':  # no shuffles: nothing to wrap
        assert not isinstance(plain, PlainShuffles)
        return
    assert isinstance(plain, PlainShuffles)
    # ShuffleNetV1's shuffles export as a gather, V2's interleaves as a
    # stack; plain, as the reshape-transpose-reshape.
    gathers = {'index_select', 'stack'}
    assert gathers & exported_ops(prepare(model, ()))
    ops = exported_ops(plain)
    assert not gathers & ops and 'transpose' in ops, ops


def test_plain_shuffles_keeps_what_the_export_reads_of_a_detector():
    # export_onnx keeps a batch of 1 for a module with single_image.
    graph = nn.Sequential(SHUFFLERS['ShuffleNetV1']())
    graph.single_image = True
    assert prepare(graph, ('plain_shuffles', )).single_image
