import pytest
import torch

from mmshuffle.benchmark.training_speed import (
    TrainingSetup,
    every_setup,
    peak_training_memory,
    time_training_steps,
    training_step,
)
from mmshuffle.models.variants import BY_NAME

VARIANT = BY_NAME['mobilenet-v2-0.35x']


@pytest.mark.parametrize('bf16', [True, False])
def test_every_setup_crosses_the_options(bf16, monkeypatch):
    monkeypatch.setattr('mmshuffle.engine.cpu_has_bf16', lambda: bf16)
    setups = every_setup()
    assert len(set(setups)) == 8 + bf16
    assert setups[0] == TrainingSetup('mmshuffle', False, False)
    assert setups[-1].label == 'mmpretrain, with_cp, channels_last'
    assert (TrainingSetup('mmshuffle', False, True, bf16=True)
            in setups) == bf16


def test_a_bf16_step_runs_the_forward_in_bfloat16():
    step = training_step(VARIANT, TrainingSetup('mmshuffle', False, True,
                                                bf16=True), 2, 32)
    seen = []
    hook = torch.nn.modules.module.register_module_forward_hook(
        lambda module, args, out: seen.append(out.dtype)
        if isinstance(module, torch.nn.Conv2d) else None)
    try:
        step()
    finally:
        hook.remove()
    assert seen and set(seen) == {torch.bfloat16}


def test_steps_are_timed_for_each_setup():
    setups = every_setup()[:2]
    times = time_training_steps(VARIANT, setups, batch=2, size=32, rounds=2)
    assert set(times) == set(setups) and all(t > 0 for t in times.values())


def test_with_cp_keeps_fewer_activations():
    # At batch 16, 96x96, MobileNetV2 0.35x keeps ~200 MB of activations.
    plain = peak_training_memory(VARIANT, TrainingSetup('mmshuffle', False,
                                                        False), 16, 96)
    checkpointed = peak_training_memory(
        VARIANT, TrainingSetup('mmshuffle', True, False), 16, 96)
    assert 0 < checkpointed < 0.8 * plain
