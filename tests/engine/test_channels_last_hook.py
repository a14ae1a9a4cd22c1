"""ChannelsLastHook: the same training, in the channels-last layout."""
import copy
from types import SimpleNamespace

import pytest
import torch
from mmpretrain.structures import DataSample

from mmshuffle.engine import ChannelsLastHook
from mmshuffle.models.utils import channels_innermost
from mmshuffle.registry import HOOKS

from ..deploy.models import build_eval_model
from ..tools.tiny_digits import run_tool, write_tiny_config


def layouts_seen(model):
    """Record whether each convolution's input keeps its channels innermost
    (channels-last, or a channel slice of it: a ShuffleNet V2 unit's
    half)."""
    seen = []
    for module in model.modules():
        if isinstance(module, torch.nn.Conv2d):
            module.register_forward_pre_hook(
                lambda m, args: seen.append(channels_innermost(args[0])))
    return seen


def training_step(model, images, labels):
    model.zero_grad()
    samples = [DataSample().set_gt_label(int(label)) for label in labels]
    loss = model(inputs=images, data_samples=samples, mode='loss')['loss']
    loss.backward()
    return loss.item(), {name: p.grad.clone()
                         for name, p in model.named_parameters()}


def test_the_model_trains_channels_last_with_the_same_gradients():
    plain = build_eval_model('ImageClassifier').train()
    converted = copy.deepcopy(plain)
    hook = HOOKS.build(dict(type='mmshuffle.ChannelsLastHook'))
    assert isinstance(hook, ChannelsLastHook)
    parameters = list(converted.parameters())
    hook.before_run(SimpleNamespace(model=converted))
    # The optimiser's parameters are still the model's.
    assert all(a is b for a, b in zip(parameters, converted.parameters()))
    weight = converted.backbone.conv1.conv.weight
    assert weight.is_contiguous(memory_format=torch.channels_last)
    seen = layouts_seen(converted)

    # In float64: the layouts' kernels sum in different orders, and in
    # float32 the difference grows towards the input by more than 1% of the
    # largest gradient with PyTorch's unvectorised kernels
    # (ATEN_CPU_CAPABILITY=default). The layout kept is what is checked.
    converted.double()
    plain.double()
    images = torch.randn(4, 3, 64, 64, dtype=torch.float64)
    labels = torch.tensor([0, 1, 2, 3])
    loss, grads = training_step(converted, images, labels)
    expected_loss, expected_grads = training_step(plain, images, labels)
    assert seen and all(seen)
    assert loss == pytest.approx(expected_loss, abs=1e-5)
    # Compare with the scale of the gradients (some, such as a bias before a
    # batch norm, are zero up to rounding).
    scale = max(g.abs().max().item() for g in expected_grads.values())
    for name, grad in grads.items():
        error = (grad - expected_grads[name]).abs().max().item() / scale
        assert error < 1e-3, f'{name}: {error:.2e}'


def test_tensor_mode_takes_positional_images():
    model = build_eval_model('ImageClassifier')
    expected = model(torch.ones(1, 3, 64, 64), mode='tensor')
    ChannelsLastHook().before_run(SimpleNamespace(model=model))
    seen = layouts_seen(model)
    out = model(torch.ones(1, 3, 64, 64), mode='tensor')
    assert seen[0] and torch.allclose(out, expected, atol=1e-5)


def test_a_config_trains_with_it(digits_root, tmp_path):
    config = write_tiny_config(
        tmp_path / 'digits.py', digits_root, epochs=2,
        extra_hooks=[dict(type='mmshuffle.ChannelsLastHook')])
    result = run_tool(['tools/train.py', str(config), '--work-dir',
                       str(tmp_path)])
    assert 'ChannelsLastHook' in result.stdout + result.stderr
    assert (tmp_path / 'epoch_2.pth').is_file()
