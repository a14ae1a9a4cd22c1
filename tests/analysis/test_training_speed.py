from mmshuffle.analysis import VARIANTS
from mmshuffle.analysis.training_speed import (TrainingSetup, every_setup,
                                               peak_training_memory,
                                               time_training_steps)

VARIANT = {variant.name: variant for variant in VARIANTS}['mobilenet-v2-0.35x']


def test_every_setup_crosses_the_options():
    setups = every_setup()
    assert len(set(setups)) == 8
    assert setups[0] == TrainingSetup('mmshuffle', False, False)
    assert setups[-1].label == 'mmpretrain, with_cp, channels_last'


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
