"""The deploy export: a spatial mean as ONNX's GlobalAveragePool, which
ONNX Runtime keeps in its blocked layout; every other mean as the exporter
writes it."""
import onnx
import pytest
import torch
from torch import nn

from mmshuffle.deploy.onnx_session import export_onnx, session_runner


class Mean(nn.Module):

    def __init__(self, dim, keepdim):
        super().__init__()
        self.dim, self.keepdim = dim, keepdim

    def forward(self, x):
        return x.mean(self.dim, keepdim=self.keepdim)


def op_types(model: bytes):
    return [node.op_type for node in onnx.load_from_string(model).graph.node]


@pytest.mark.parametrize('dim,keepdim,op_type', [
    ((2, 3), True, 'GlobalAveragePool'),
    ((-1, -2), True, 'GlobalAveragePool'),
    ((2, 3), False, 'ReduceMean'),
    ((1, ), True, 'ReduceMean'),
    ((1, 2, 3), False, 'ReduceMean'),
])
def test_means_export_and_give_torch_outputs(dim, keepdim, op_type):
    module = Mean(dim, keepdim).eval()
    x = torch.randn(2, 3, 5, 6)
    model = export_onnx(module, x)
    assert op_types(model) == [op_type]
    # The batch and the image size stay dynamic.
    for y in (x, torch.randn(3, 3, 7, 4)):
        actual = session_runner(model)(y)[0]
        assert torch.allclose(actual, module(y), atol=1e-6)


def test_the_exporters_own_translation_on_request():
    model = export_onnx(Mean((2, 3), True).eval(), torch.randn(1, 3, 4, 4),
                        translations={})
    assert op_types(model) == ['ReduceMean']
