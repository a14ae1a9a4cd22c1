"""ShuffleNet V1's shortcut pools become depthwise convolutions that
compute the same."""
import torch
from torch import nn

from mmshuffle.deploy import avg_pools_as_convs

from .models import assert_outputs_close, build_eval_model, inputs, reference


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
