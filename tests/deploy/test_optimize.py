"""optimize: every backend gives the model's eval outputs."""
import importlib
import os
import subprocess
import sys

import pytest
import torch

from mmshuffle.deploy import OptimizedModel, optimize
from mmshuffle.deploy.backends import onnx_runner
from mmshuffle.deploy.openvino_session import cpu_has_bf16
from mmshuffle.deploy.optimize import AUTO_BATCH_TIMING
from mmshuffle.errors import UnsupportedPrecisionError

from ..tools.tiny_digits import ROOT
from .models import (
    BUILDERS,
    assert_outputs_close,
    build_eval_model,
    check,
    inputs,
    reference,
    small_model,
)

# The module, which the package's function of the same name hides.
optimize_module = importlib.import_module('mmshuffle.deploy.optimize')


@pytest.mark.parametrize('name', list(BUILDERS))
def test_the_onnx_backends_on_every_family(name):
    # ONNX Runtime, then OpenVINO on the same export.
    model = build_eval_model(name)
    optimized = optimize(model, inputs()[1], backend='onnxruntime')
    assert optimized.backend == 'onnxruntime'
    assert 'fold_bn' in optimized.steps
    openvino = OptimizedModel(onnx_runner('openvino', optimized.onnx),
                              'openvino', optimized.steps, False,
                              optimized.tuple_output)
    check(model, optimized)
    # The export keeps the batch size, height and width dynamic (OpenVINO
    # compiles each new shape).
    x = torch.randn(3, 3, 96, 80)
    for runtime in (optimized, openvino):
        assert_outputs_close(runtime(x), reference(model, x))


def test_bf16_is_close_or_refused_in_one_line(monkeypatch):
    model = small_model()
    x = inputs()[1]
    if cpu_has_bf16():
        bf16 = optimize(model, x, precision='bf16')
        assert bf16.backend == 'openvino-bf16'
        assert 'fold_shuffles' in bf16.steps
        # bf16 keeps 8 bits of mantissa: outputs of magnitude ~1 to ~1e-2.
        assert_outputs_close(bf16(x), reference(model, x), atol=0.1)
    monkeypatch.setattr(optimize_module, 'cpu_has_bf16', lambda: False)
    with pytest.raises(UnsupportedPrecisionError,
                       match=r"^this CPU \(.*\) has no bf16 units .*use "
                       r"precision='fp32'"):
        optimize(model, x, precision='bf16')
    # A CPU with the units under a cap that leaves them out: the refusal
    # names the cap as it was set.
    monkeypatch.setattr(optimize_module, 'isa_flags',
                        lambda: ('avx512_bf16', ))
    monkeypatch.delenv('ONEDNN_MAX_CPU_ISA', raising=False)
    monkeypatch.setenv('DNNL_MAX_CPU_ISA', 'avx512_core_vnni')
    with pytest.raises(UnsupportedPrecisionError,
                       match=r'has no bf16 units allowed by '
                       r'DNNL_MAX_CPU_ISA=AVX512_CORE_VNNI \(AMX-BF16'):
        optimize(model, x, precision='bf16')
    with pytest.raises(UnsupportedPrecisionError, match="not on 'eager'"):
        optimize(model, x, precision='bf16', backend='eager')


@pytest.mark.parametrize('backend', ['eager', 'torchscript'])
@pytest.mark.parametrize('name', list(BUILDERS))
def test_the_cheap_torch_backends_on_every_family(name, backend):
    model = build_eval_model(name)
    optimized = optimize(model, (inputs()[1], ), backend=backend)
    assert optimized.backend == backend
    check(model, optimized)


# ShuffleNetV2's stem and first stage: its shuffles, a fraction of the
# compile time of the whole backbone.
INDUCTOR_SCRIPT = """
import torch
from tests.deploy.models import (assert_outputs_close, inputs, reference,
                                 small_model)
from mmshuffle.deploy import optimize
torch.set_num_threads(1)
model = small_model()
x = inputs()[1]
optimized = optimize(model, x, backend='inductor')
assert optimized.steps == ('fold_bn', ), optimized.steps
assert_outputs_close(optimized(x), reference(model, x))
"""


def test_inductor_is_right_on_each_cpu_kernel_set(tmp_path):
    # Compiled by a process on the CPU's own kernels, then by one on AVX2
    # kernels that shares inductor's cache, as one machine's test runs do:
    # each must be exact. One input shape: each new shape compiles anew.
    env = {key: value for key, value in os.environ.items()
           if key not in ('ATEN_CPU_CAPABILITY', 'ONEDNN_MAX_CPU_ISA')}
    env.update(PYTHONPATH=str(ROOT), OMP_NUM_THREADS='1',
               TORCHINDUCTOR_CACHE_DIR=str(tmp_path / 'inductor'))
    for kernels in ({}, dict(ATEN_CPU_CAPABILITY='avx2',
                             ONEDNN_MAX_CPU_ISA='AVX2')):
        result = subprocess.run([sys.executable, '-c', INDUCTOR_SCRIPT],
                                cwd=ROOT, env=dict(env, **kernels),
                                capture_output=True, text=True)
        assert result.returncode == 0, (kernels, result.stderr[-2000:])


def test_returns_a_tensor_for_a_classifier_and_a_tuple_for_a_backbone():
    x = inputs()[1]
    classifier = optimize(build_eval_model('ImageClassifier'), x,
                          backend='eager')
    assert isinstance(classifier(x), torch.Tensor)
    assert classifier(x).shape == (1, 10)
    backbone = optimize(build_eval_model('ShuffleNetV2'), x, backend='eager')
    assert isinstance(backbone(x), tuple) and len(backbone(x)) == 2


def test_leaves_the_model_as_it_was():
    model = build_eval_model('ShuffleNetV2').train()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    kinds = [type(m) for m in model.modules()]
    optimized = optimize(model, inputs()[1], backend='eager')
    assert model.training
    assert [type(m) for m in model.modules()] == kinds
    assert all(torch.equal(v, model.state_dict()[k])
               for k, v in state.items())
    # It computes the eval outputs even for a model left in training mode.
    check(model.eval(), optimized)


def test_fastest_times_the_backends_and_keeps_the_fastest(monkeypatch,
                                                          choices):
    backends = {name: optimize_module.BACKENDS[name]
                for name in ('eager', 'torchscript')}
    monkeypatch.setattr(optimize_module, 'BACKENDS', backends)
    model = build_eval_model('MobileNetV2')
    optimized = optimize(model, inputs()[1], backend='fastest')
    assert isinstance(optimized, OptimizedModel)
    assert set(optimized.timings) == {'eager', 'torchscript'}
    assert optimized.backend == min(optimized.timings,
                                    key=optimized.timings.get)
    check(model, optimized)
    # A benchmark's rounds on one image, auto's fewer on a batch (rigged).
    choices.winners = {frozenset(backends): 'eager'}
    assert optimize(model, inputs()[2], backend='fastest').backend == 'eager'
    assert choices.timing == [{}, AUTO_BATCH_TIMING]


def test_refuses_what_it_cannot_use():
    model = build_eval_model('MobileNetV2')
    x = inputs()[1]
    with pytest.raises(ValueError, match="backend must be one of .*'tvm'"):
        optimize(model, x, backend='tvm')
    with pytest.raises(ValueError, match=r'\(N, C, H, W\) tensor, got shape '
                       r'\(3, 64, 64\)'):
        optimize(model, x[0], backend='eager')
    with pytest.raises(ValueError, match='sequence of one tensor'):
        optimize(model, (x, x), backend='eager')
    with pytest.raises(TypeError, match='must be a torch.nn.Module'):
        optimize(lambda t: t, x)
    with pytest.raises(ValueError, match='unknown steps'):
        optimize(model, x, backend='eager', steps=['fold'])


def test_a_wrong_result_is_refused(monkeypatch):
    def broken(module, example):
        return lambda x: tuple(o + 1 for o in module(x))

    monkeypatch.setitem(optimize_module.BACKENDS, 'eager', broken)
    with pytest.raises(RuntimeError, match='differ from the model'):
        optimize(build_eval_model('MobileNetV2'), inputs()[1],
                 backend='eager')
