"""quantize: INT8 models that compute close to the fp32 ones, and clear
errors for bad calibration data."""
import importlib
import io
from typing import Callable, Dict, NamedTuple, Tuple

import onnx
import pytest
import torch
from torch import nn

from mmshuffle.deploy import INT8_BACKEND, INT8_BACKENDS, quantize
from mmshuffle.deploy.openvino_session import cpu_has_bf16, openvino_cap
from mmshuffle.deploy.optimize import SHUFFLE_FORMS, times_shuffle_forms
from mmshuffle.deploy.steps import prepare

from ..helpers import torch_threads
from .models import (
    BUILDERS,
    build_eval_model,
    inputs,
    reference,
    small_model,
)

# The module (the package's function of the same name hides it).
quantize_module = importlib.import_module('mmshuffle.deploy.quantize')


def calibration(batches: int = 2, seed: int = 2):
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(4, 3, 64, 64, generator=generator)
            for _ in range(batches)]


def as_tuple(outputs):
    return (outputs, ) if isinstance(outputs, torch.Tensor) else outputs


class Quantized(NamedTuple):
    """A model quantised in training mode: its state before, its INT8
    callable calibrated on :func:`calibration`'s images, and whether it was
    still in training mode after."""
    model: nn.Module
    before: Dict[str, torch.Tensor]
    int8: Callable
    still_training: bool


@pytest.fixture(scope='module')
def quantized() -> Dict[str, Quantized]:
    """Each model of the deploy tests quantised once (in training mode:
    quantize works on an eval copy)."""
    models = {}
    for name in BUILDERS:
        model = build_eval_model(name).train()
        before = {k: v.clone() for k, v in model.state_dict().items()}
        int8 = quantize(model, calibration(batches=4),
                        backend='onnxruntime')
        models[name] = Quantized(model, before, int8, model.training)
    return models


@pytest.mark.parametrize('name', list(BUILDERS))
def test_int8_outputs_follow_the_fp32_outputs(name, quantized):
    model, _, int8, _ = quantized[name]
    model.eval()
    assert int8.backend == INT8_BACKEND
    for x in inputs().values():
        actual, expected = as_tuple(int8(x)), as_tuple(reference(model, x))
        assert isinstance(int8(x), torch.Tensor) == isinstance(
            reference(model, x), torch.Tensor)
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert a.shape == e.shape and a.dtype == torch.float32
            # 8 bits: the error is a few percent of the outputs' range,
            # far below it (a broken model would be of its order).
            error = (a - e).abs().mean() / e.abs().mean()
            assert error < 0.1, f'mean relative error {error:.3f}'


def test_the_classifier_keeps_its_predictions(quantized):
    model, _, int8, _ = quantized['ImageClassifier']
    batch = torch.randn(16, 3, 64, 64, generator=torch.Generator(
    ).manual_seed(3))
    agree = (int8(batch).argmax(1) == reference(model.eval(),
                                                batch).argmax(1))
    assert agree.float().mean() >= 0.8


@pytest.mark.parametrize('name', list(BUILDERS))
def test_the_onnx_model_holds_int8_weights(name, quantized):
    graph = onnx.load(io.BytesIO(quantized[name].int8.onnx)).graph
    operators = {node.op_type for node in graph.node}
    assert {'QuantizeLinear', 'DequantizeLinear'} <= operators
    weights = [t for t in graph.initializer
               if t.data_type == onnx.TensorProto.INT8 and len(t.dims) == 4]
    # Every convolution's weights are int8.
    convolutions = sum(node.op_type == 'Conv' for node in graph.node)
    assert len(weights) == convolutions > 0


@pytest.mark.parametrize('name', list(BUILDERS))
def test_the_model_is_left_as_it_was(name, quantized):
    model, before, _, still_training = quantized[name]
    assert still_training
    assert set(before) == set(model.state_dict())
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key


@pytest.mark.parametrize('data, message', [
    ([], 'gave no batches'),
    ([torch.randn(3, 64, 64)], r'shape \(3, 64, 64\).* at batch 0'),
    ([torch.randn(1, 3, 8, 8), 'images'], 'got str at batch 1'),
    ([torch.zeros(1, 3, 8, 8, dtype=torch.uint8)], 'dtype torch.uint8'),
])
def test_bad_calibration_data_is_refused(data, message):
    with pytest.raises(ValueError, match=message):
        quantize(build_eval_model('ShuffleNetV2'), data)


def runtime_precisions(model) -> Dict[str, Dict[str, int]]:
    """How many layers of each type OpenVINO's CPU plugin runs at each
    precision (by type, then precision), ``model`` compiled once for one
    64x64 image, its float layers at fp32."""
    import openvino
    static = model.clone()
    static.reshape({static.inputs[0]: [1, 3, 64, 64]})
    with openvino_cap():
        compiled = openvino.Core().compile_model(
            static, 'CPU', {'INFERENCE_PRECISION_HINT': 'f32'})
    precisions: Dict[str, Dict[str, int]] = {}
    for op in compiled.get_runtime_model().get_ordered_ops():
        info = op.get_rt_info()
        counts = precisions.setdefault(info['layerType'].astype(str), {})
        precision = info['runtimePrecision'].astype(str)
        counts[precision] = counts.get(precision, 0) + 1
    return precisions


# The models quantised with OpenVINO: ShuffleNetV1's grouped 1x1 and
# depthwise convolutions, MobileNetV2's depthwise ones, and the classifier
# (a ShuffleNetV2 backbone, its shuffles folded).
OPENVINO_MODELS = ('ShuffleNetV1', 'MobileNetV2', 'ImageClassifier')


@pytest.fixture(scope='module')
def openvino_int8() -> Dict[str, Tuple[nn.Module, Callable]]:
    """Each of :data:`OPENVINO_MODELS` and its OpenVINO INT8, made on one
    thread (the default shuffle form)."""
    with torch_threads(1):
        return {name: (model, quantize(model, calibration(batches=4),
                                       backend='openvino'))
                for name, model in ((name, build_eval_model(name))
                                    for name in OPENVINO_MODELS)}


@pytest.mark.parametrize('name', OPENVINO_MODELS)
def test_openvino_int8_runs_every_convolution_in_int8(name, openvino_int8):
    # The depthwise convolutions and ShuffleNetV1's grouped 1x1 ones too:
    # with their weights' reshape left in the graph, they ran in float.
    model, int8 = openvino_int8[name]
    precisions = runtime_precisions(int8.openvino_model)['Convolution']
    assert set(precisions) <= {'u8', 'i8'}, precisions
    grouped = sum(isinstance(m, nn.Conv2d) and m.groups > 1
                  for m in model.modules())
    assert sum(precisions.values()) > grouped > 0


def test_openvino_int8_keeps_shufflenet_v2_units_in_int8(openvino_int8):
    # The units' concatenations and the slices that pass channels on run
    # on u8 values, and nothing requantises between the units: the only
    # quantisation left (a fused subgraph or a layer of its own, as the
    # CPU allows) is the input's (mmshuffle.deploy.int8_concats).
    _, int8 = openvino_int8['ImageClassifier']
    precisions = runtime_precisions(int8.openvino_model)
    for layer in ('Concatenation', 'StridedSlice'):
        assert set(precisions[layer]) == {'u8'}, (layer, precisions[layer])
    assert precisions['Concatenation']['u8'] >= 3
    quantisations = [precisions.get(layer, {})
                     for layer in ('Subgraph', 'FakeQuantize')]
    assert sum(sum(found.values()) for found in quantisations) == 1


def test_openvino_int8_follows_the_classifier(openvino_int8):
    model, int8 = openvino_int8['ImageClassifier']
    assert int8.backend == 'openvino-int8' and int8.onnx is None
    # Its export folds ShuffleNetV2's channel shuffles.
    assert 'fold_shuffles' in int8.steps
    # NNCF's quantisation: INT8 fake-quantised inputs to the convolutions.
    kinds = [op.get_type_name() for op in int8.openvino_model.get_ops()]
    assert kinds.count('FakeQuantize') >= kinds.count('Convolution') > 0
    batch = torch.randn(16, 3, 64, 64, generator=torch.Generator(
    ).manual_seed(3))
    expected = reference(model, batch)
    error = (int8(batch) - expected).abs().mean() / expected.abs().mean()
    assert error < 0.1, f'mean relative error {error:.3f}'
    assert (int8(batch).argmax(1) == expected.argmax(1)).float().mean() >= 0.8


def test_openvino_int8_takes_the_faster_shuffle_form_on_threads(choices):
    # As the fp32 model: on more than one thread OpenVINO's INT8 model of
    # a network with channel shuffles is made in both forms, the faster
    # kept (here, as rigged, the plain one); one image on one thread takes
    # the default form untimed (as the openvino_int8 fixture's did), and a
    # network without shuffles has none.
    choices.winners = {frozenset(SHUFFLE_FORMS): 'plain',
                       frozenset({'fp32', 'bf16'}): 'fp32'}
    image = calibration(1)[0][:1]
    shufflenet_v1 = build_eval_model('ShuffleNetV1')
    openvino_steps = quantize_module.INT8_STEPS['openvino']
    shuffles = prepare(shufflenet_v1, openvino_steps)
    assert not times_shuffle_forms(shuffles, image)
    torch.set_num_threads(2)  # the choices fixture sets it back
    assert times_shuffle_forms(shuffles, image)
    assert not times_shuffle_forms(
        prepare(build_eval_model('MobileNetV2'), openvino_steps), image)
    two = quantize(shufflenet_v1, calibration(1), backend='openvino')
    assert choices.timed.count(sorted(SHUFFLE_FORMS)) == 1
    assert 'plain_shuffles' in two.steps
    assert two.description.endswith(', plain shuffles')
    assert two.backend == 'openvino-int8'


def test_auto_keeps_the_faster_int8_and_remembers_it(choices):
    timed = choices.timed
    model = small_model()
    first = quantize(model, calibration(batches=1))
    # Where the CPU has bf16 units, OpenVINO's float layers are timed in
    # fp32 and bf16 first.
    precisions = [['bf16', 'fp32']] if cpu_has_bf16() else []
    assert timed == precisions + [['onnxruntime', 'openvino']]
    assert first.backend == INT8_BACKENDS[min(first.timings,
                                              key=first.timings.get)]
    again = quantize(model, calibration(batches=1))
    assert len(timed) == len(precisions) + 1
    assert again.backend == first.backend


@pytest.mark.parametrize('faster', ['fp32', 'bf16'])
def test_openvino_int8_float_layers_take_the_faster_precision(
        monkeypatch, choices, faster):
    # bf16 float layers were the faster on a CPU with AVX-512 BF16 and the
    # slower on one capped at AVX-512 BF16: timed, remembered.
    choices.winners = {frozenset({'fp32', 'bf16'}): faster}
    timed = choices.timed
    # On a CPU without bf16 units the bf16 model is compiled at fp32 (what
    # is tested is the choice), and nothing is timed.
    has_bf16 = cpu_has_bf16()
    compiled = []
    runner = quantize_module.openvino_runner

    def openvino_runner(model, precision):
        compiled.append(precision)
        return runner(model, precision if has_bf16 else 'fp32')

    monkeypatch.setattr(quantize_module, 'openvino_runner', openvino_runner)
    model = small_model()
    monkeypatch.setattr(quantize_module, 'cpu_has_bf16', lambda: False)
    int8 = quantize(model, calibration(batches=1), backend='openvino')
    assert timed == [] and compiled == ['fp32']
    assert int8.float_precision == 'fp32'
    monkeypatch.setattr(quantize_module, 'cpu_has_bf16', lambda: True)
    int8 = quantize(model, calibration(batches=1), backend='openvino')
    again = quantize(model, calibration(batches=1), backend='openvino')
    assert timed == [['bf16', 'fp32']] and int8.timings is None
    assert int8.float_precision == again.float_precision == faster
    (expected, ), (actual, ) = reference(model, inputs()[1]), int8(inputs()[1])
    error = (actual - expected).abs().mean() / expected.abs().mean()
    assert error < 0.1, f'mean relative error {error:.3f}'
