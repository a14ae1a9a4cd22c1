"""fold_bn: every batch norm after a convolution folded, outputs kept."""
import pytest
import torch
from mmcv.cnn import ConvModule
from torch import nn

from mmshuffle.deploy import count_batch_norms, fold_bn

from ..helpers import randomize_norm_stats
from .models import BUILDERS, build_eval_model, inputs, reference


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
