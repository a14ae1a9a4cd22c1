"""frozen_stages, norm_eval, with_cp, train() and the init, per family."""
import pytest
import torch
import torch.utils.checkpoint
from mmengine.model import PretrainedInit
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from ...helpers import FAMILY_DEFAULTS, NUM_STAGES, all_stages, build_family

FAMILIES = list(FAMILY_DEFAULTS)
FROZEN_CASES = [(family, frozen) for family in FAMILIES
                for frozen in range(-1, NUM_STAGES[family] + 1)]


def norm_layers(module):
    return [m for m in module.modules() if isinstance(m, _BatchNorm)]


def running_means(module):
    return [m.running_mean.clone() for m in norm_layers(module)]


@pytest.mark.parametrize('family, frozen_stages', FROZEN_CASES)
def test_frozen_stages_stop_gradients_and_statistics(family, frozen_stages):
    model = build_family(
        family, frozen_stages=frozen_stages, out_indices=all_stages(family))
    assert model.train() is model
    frozen = [model.conv1, *model.stages[:frozen_stages]
              ] if frozen_stages >= 0 else []
    trained = model.stages[max(frozen_stages, 0):]
    if frozen_stages < 0:
        trained = [model.conv1] + trained
    before = [running_means(module) for module in frozen]
    x = torch.randn(2, 3, 64, 64, requires_grad=True)
    sum(out.mean() for out in model(x)).backward()
    if frozen_stages == NUM_STAGES[family]:
        # A linear probe: nothing of the backbone trains.
        assert not trained and not any(
            p.requires_grad for p in model.parameters())
    for module, means in zip(frozen, before):
        assert all(not p.requires_grad and p.grad is None
                   for p in module.parameters())
        assert all(not m.training for m in norm_layers(module))
        for mean, after in zip(means, running_means(module)):
            assert torch.equal(mean, after)
    for module in trained:
        assert all(p.requires_grad and p.grad is not None
                   for p in module.parameters())
        assert all(m.training for m in norm_layers(module))


def test_frozen_stages_hold_from_construction():
    model = build_family('ShuffleNetV2', frozen_stages=1)
    assert not any(p.requires_grad for p in model.conv1.parameters())
    assert not any(p.requires_grad for p in model.layers[0].parameters())
    assert all(p.requires_grad for p in model.layers[1].parameters())


@pytest.mark.parametrize('family', FAMILIES)
@pytest.mark.parametrize('norm_type', ['BN', 'SyncBN'])
def test_norm_eval_keeps_every_batch_norm_kind_frozen(family, norm_type):
    model = build_family(
        family, norm_eval=True, norm_cfg=dict(type=norm_type))
    model.train()
    layers = norm_layers(model)
    expected_type = dict(BN=nn.BatchNorm2d, SyncBN=nn.SyncBatchNorm)[norm_type]
    assert layers and all(isinstance(m, expected_type) for m in layers)
    assert all(not m.training for m in layers)
    before = running_means(model)
    sum(out.mean() for out in model(torch.randn(2, 3, 64, 64))).backward()
    assert all(torch.equal(a, b) for a, b in zip(before,
                                                 running_means(model)))
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize('family', FAMILIES)
def test_norm_eval_leaves_group_norm_training(family):
    model = build_family(
        family, norm_eval=True, norm_cfg=dict(type='GN', num_groups=1))
    model.train()
    group_norms = [m for m in model.modules() if isinstance(m, nn.GroupNorm)]
    assert group_norms and all(m.training for m in group_norms)
    sum(out.mean() for out in model(torch.randn(2, 3, 64, 64))).backward()
    assert all(m.weight.grad is not None for m in group_norms)


@pytest.mark.parametrize('family', FAMILIES)
def test_with_cp_gives_identical_outputs_and_gradients(family, monkeypatch):
    plain = build_family(family, out_indices=all_stages(family))
    checkpointed = build_family(
        family, out_indices=all_stages(family), with_cp=True)
    checkpointed.load_state_dict(plain.state_dict())
    calls = []
    original = torch.utils.checkpoint.checkpoint

    def counting_checkpoint(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(torch.utils.checkpoint, 'checkpoint',
                        counting_checkpoint)
    x = torch.randn(2, 3, 64, 64)
    results = []
    for model in (plain, checkpointed):
        model.train()
        outs = model(x)
        sum(out.square().mean() for out in outs).backward()
        grads = {name: p.grad for name, p in model.named_parameters()}
        results.append((outs, grads))
    assert calls, 'with_cp=True never checkpointed a block'
    (outs_a, grads_a), (outs_b, grads_b) = results
    for a, b in zip(outs_a, outs_b):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    for name, grad in grads_a.items():
        torch.testing.assert_close(grads_b[name], grad, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('family', FAMILIES)
def test_train_and_eval_chain(family):
    model = build_family(family)
    assert model.eval() is model and not model.training
    assert model.train(False) is model and not model.training
    assert model.train() is model and model.training


@pytest.mark.parametrize('family', ['ShuffleNetV1', 'ShuffleNetV2'])
def test_shufflenet_init_sets_norm_bias(family):
    # mmpretrain 1.2.0's ShuffleNetV2 leaves these biases at 0.
    model = build_family(family)
    for module in norm_layers(model):
        assert torch.all(module.weight == 1)
        assert torch.all(module.bias == 1e-4)
        assert torch.all(module.running_mean == 0)


def _pretrained(path, **kwargs):
    return dict(type='Pretrained', checkpoint=str(path), **kwargs)


# Every form of init_cfg MMEngine accepts that loads a checkpoint.
PRETRAINED_FORMS = {
    'dict': lambda path: _pretrained(path),
    'list': lambda path: [_pretrained(path)],
    'after Kaiming': lambda path: [
        dict(type='Kaiming', layer='Conv2d'), _pretrained(path)],
    'before Constant': lambda path: [
        _pretrained(path), dict(type='Constant', val=1, layer='_BatchNorm')],
    'PretrainedInit class': lambda path: dict(
        _pretrained(path), type=PretrainedInit),
    'scoped type': lambda path: dict(
        _pretrained(path), type='mmengine.Pretrained'),
    'classifier checkpoint with prefix': lambda path: [
        _pretrained(path.with_name('classifier.pth'), prefix='backbone.')],
}


@pytest.mark.parametrize('form', PRETRAINED_FORMS)
@pytest.mark.parametrize('family', FAMILIES)
def test_a_pretrained_init_cfg_keeps_every_weight(family, form, tmp_path):
    source = build_family(family, out_indices=all_stages(family))
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for tensor in source.state_dict().values():
            if tensor.is_floating_point():
                tensor.copy_(torch.rand(tensor.shape, generator=generator))
    path = tmp_path / 'backbone.pth'
    torch.save(source.state_dict(), path)
    torch.save(
        {'state_dict': {f'backbone.{key}': value
                        for key, value in source.state_dict().items()}},
        tmp_path / 'classifier.pth')
    model = build_family(family, out_indices=all_stages(family),
                         init_cfg=PRETRAINED_FORMS[form](path))
    expected = source.state_dict()
    for key, value in model.state_dict().items():
        assert torch.equal(value, expected[key]), key
