"""quantize: INT8 models that compute close to the fp32 ones, and clear
errors for bad calibration data."""
import io

import onnx
import pytest
import torch

from mmshuffle.deploy import INT8_BACKEND, quantize

from .models import BUILDERS, build_eval_model, inputs, reference


def calibration(batches: int = 2, seed: int = 2):
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(4, 3, 64, 64, generator=generator)
            for _ in range(batches)]


def as_tuple(outputs):
    return (outputs, ) if isinstance(outputs, torch.Tensor) else outputs


@pytest.mark.parametrize('name', list(BUILDERS))
def test_int8_outputs_follow_the_fp32_outputs(name):
    model = build_eval_model(name)
    int8 = quantize(model, calibration())
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


def test_the_classifier_keeps_its_predictions():
    model = build_eval_model('ImageClassifier')
    batch = torch.randn(16, 3, 64, 64, generator=torch.Generator(
    ).manual_seed(3))
    int8 = quantize(model, calibration(batches=4))
    agree = (int8(batch).argmax(1) == reference(model, batch).argmax(1))
    assert agree.float().mean() >= 0.8


def test_the_onnx_model_holds_int8_weights():
    int8 = quantize(build_eval_model('MobileNetV2'), calibration())
    graph = onnx.load(io.BytesIO(int8.onnx)).graph
    operators = {node.op_type for node in graph.node}
    assert {'QuantizeLinear', 'DequantizeLinear'} <= operators
    weights = [t for t in graph.initializer
               if t.data_type == onnx.TensorProto.INT8 and len(t.dims) == 4]
    # Every convolution's weights are int8.
    convolutions = sum(node.op_type == 'Conv' for node in graph.node)
    assert len(weights) == convolutions > 0


def test_the_model_is_left_as_it_was():
    model = build_eval_model('ShuffleNetV2').train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    quantize(model, calibration())
    assert model.training
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
