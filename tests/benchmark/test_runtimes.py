"""The benchmark's runtimes: on a batch, the deploy path (and the bf16
one) is optimised on that batch, its backend chosen for it."""
import importlib
import json

import torch

from mmshuffle.benchmark.runtimes import MMSHUFFLE_BF16, on_batch
from mmshuffle.deploy import OptimizedModel
from mmshuffle.deploy.optimize import (
    AUTO_BACKENDS,
    BF16_BACKEND,
    SHUFFLE_FORMS,
)

from ..helpers import build_family, randomize_norm_stats

# The module, which the package's function of the same name hides.
optimize_module = importlib.import_module('mmshuffle.deploy.optimize')


def test_on_a_batch_the_deploy_path_is_chosen_for_that_batch(
        choices, tmp_path, monkeypatch):
    # Rigged: ONNX Runtime in chunks of 2 the faster, and the default
    # shuffles (timed on a batch); the bf16 model whole, stood in for by
    # the model in fp32 (what is tested is the choice, on any CPU).
    candidates = {*AUTO_BACKENDS, 'onnxruntime in chunks of 2',
                  'openvino in chunks of 2'}
    bf16_candidates = {BF16_BACKEND, f'{BF16_BACKEND} in chunks of 2'}
    choices.winners = {frozenset(candidates): 'onnxruntime in chunks of 2',
                       frozenset(SHUFFLE_FORMS): 'default',
                       frozenset(bf16_candidates): BF16_BACKEND}
    monkeypatch.setattr(
        optimize_module, '_bf16',
        lambda model, example, backend, steps, tuple_output: OptimizedModel(
            model.forward, BF16_BACKEND, (), False, tuple_output))
    model = build_family('ShuffleNetV2', widen_factor=0.5, out_indices=(0, ))
    randomize_norm_stats(model)
    model.eval()
    batch = torch.randn(4, 3, 32, 32)
    # Stand-ins for the runtimes built for batch 1.
    runtimes = {'eager': model.forward, 'deploy': model.forward,
                MMSHUFFLE_BF16: model.forward}
    timed = on_batch(runtimes, 'deploy', model, batch)
    # The others stay; the deploy and bf16 paths are optimised anew, the
    # deploy path's backend chosen on the batch and remembered under the
    # batch's shape.
    assert timed['eager'] is runtimes['eager']
    assert isinstance(timed['deploy'], OptimizedModel)
    assert timed['deploy'].description == 'onnxruntime, chunks of 2'
    assert timed[MMSHUFFLE_BF16].description == BF16_BACKEND
    assert choices.timed[-2:] == [sorted(candidates), sorted(bf16_candidates)]
    (remembered, ) = json.loads(
        (tmp_path / 'backends.json').read_text()).values()
    assert [key.split()[1] for key in remembered
            if key.startswith('ShuffleNetV2 ')] == ['4x3x32x32']
    torch.testing.assert_close(timed['deploy'](batch)[0], model(batch)[0],
                               atol=1e-4, rtol=0)
