"""One parametrised test per property, over every named variant."""
import json

import pytest
import torch

from mmshuffle.models.variants import VARIANTS
from mmshuffle.registry import MODELS

from .golden import GOLDEN_FILE, fingerprint

IDS = [variant.name for variant in VARIANTS]


def build(variant, **kwargs):
    model = MODELS.build(dict(variant.cfg, **kwargs))
    model.init_weights()
    return model


@pytest.mark.parametrize('variant', VARIANTS, ids=IDS)
def test_every_stage_has_the_announced_shape(variant):
    num_stages = len(MODELS.build(variant.cfg).stage_channels)
    model = build(variant, out_indices=tuple(range(num_stages))).eval()
    with torch.no_grad():
        outs = model(torch.randn(2, 3, 64, 64))
    assert len(outs) == num_stages
    assert [tuple(out.shape) for out in outs] == [
        (2, channels, 64 // stride, 64 // stride)
        for channels, stride in zip(model.out_channels, model.out_strides)
    ]
    assert model.out_channels == model.stage_channels
    assert model.out_strides == model.stage_strides


@pytest.mark.parametrize('variant', VARIANTS, ids=IDS)
def test_out_indices_pick_stages_in_order(variant):
    last = len(MODELS.build(variant.cfg).stage_channels) - 1
    model = build(variant, out_indices=(last, 0)).eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        first, final = model(x)
    assert first.shape[1] == model.stage_channels[0]
    assert final.shape[1] == model.stage_channels[last]
    assert model.out_channels == (model.stage_channels[0],
                                  model.stage_channels[last])


@pytest.mark.parametrize('variant', VARIANTS, ids=IDS)
def test_every_parameter_gets_a_finite_gradient(variant):
    model = build(variant).train()
    outs = model(torch.randn(2, 3, 64, 64))
    assert all(torch.isfinite(out).all() for out in outs)
    sum(out.square().mean() for out in outs).backward()
    for name, param in model.named_parameters():
        assert param.grad is not None, f'{name} got no gradient'
        assert torch.isfinite(param.grad).all(), f'{name}: non-finite grad'


@pytest.mark.parametrize('variant', VARIANTS, ids=IDS)
def test_golden_outputs(variant):
    expected = json.loads(GOLDEN_FILE.read_text())[variant.name]
    actual = fingerprint(variant)
    assert actual['shape'] == expected['shape']
    for key in ('mean', 'abs_mean', 'head'):
        assert actual[key] == pytest.approx(expected[key], rel=1e-4,
                                            abs=1e-5), key
