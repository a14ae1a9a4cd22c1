"""OpenVINO's CPU plugin on our exports: each bias and activation fused into
its convolution, outputs that the next call leaves alone."""
import collections

import openvino as ov
import pytest
import torch

from mmshuffle.deploy import prepare
from mmshuffle.deploy.onnx_session import export_onnx
from mmshuffle.deploy.openvino_session import (
    onednn_uncapped,
    openvino_runner,
)

from .models import BUILDERS, build_eval_model


@pytest.mark.parametrize('name', ['ShuffleNetV1', 'ShuffleNetV2',
                                  'MobileNetV2'])
def test_fresh_layers_fuse_into_their_convolutions(name):
    # Freshly initialised: the folded biases of layers of a width are equal,
    # the case where shared bias initializers kept OpenVINO from fusing
    # them.
    torch.manual_seed(0)
    module = prepare(BUILDERS[name]().eval(), ('fold_bn', ))
    x = torch.randn(1, 3, 64, 64)
    core = ov.Core()
    model = core.read_model(export_onnx(module, x))
    model.reshape({model.inputs[0]: list(x.shape)})
    with onednn_uncapped():
        compiled = core.compile_model(model, 'CPU')
    layers = collections.Counter(
        op.get_rt_info()['layerType'].astype(str)
        for op in compiled.get_runtime_model().get_ordered_ops())
    assert layers['Convolution'] > 0
    assert layers['Eltwise'] == layers['Subgraph'] == 0, layers


def test_outputs_outlive_the_next_call():
    model = build_eval_model('ShuffleNetV2')
    x = torch.randn(1, 3, 64, 64)
    run = openvino_runner(export_onnx(prepare(model, ('fold_bn', )), x))
    first = run(x)
    kept = [output.clone() for output in first]
    run(torch.randn(1, 3, 64, 64))
    for output, copy in zip(first, kept):
        assert torch.equal(output, copy)
