"""The one ONNX export and the ONNX Runtime session: the batch and the
image size stay dynamic on request, the names are the ones asked for, the
session's threads stop spinning after a run."""
import onnx
import pytest
import torch
from torch import nn

from mmshuffle.deploy.onnx_session import export_onnx, session_runner


class Mean(nn.Module):

    def forward(self, x):
        return x.mean((2, 3), keepdim=True) * x


@pytest.mark.parametrize('dynamic_batch, dynamic_size', [(True, True),
                                                         (True, False),
                                                         (False, False)])
def test_what_is_dynamic_runs_at_other_shapes(dynamic_batch, dynamic_size):
    module = Mean().eval()
    x = torch.randn(2, 3, 5, 6)
    model = export_onnx(module, x, dynamic_batch=dynamic_batch,
                        dynamic_size=dynamic_size)
    shape = onnx.load_from_string(model).graph.input[0].type.tensor_type.shape
    static = [dim.dim_value for dim in shape.dim]
    assert (static[0] == 0) == dynamic_batch
    assert (static[2:] == [0, 0]) == dynamic_size
    others = [x]
    if dynamic_batch:
        others.append(torch.randn(3, 3, 5, 6))
    if dynamic_size:
        others.append(torch.randn(1, 3, 7, 4))
    run = session_runner(model)
    for y in others:
        assert torch.allclose(run(y)[0], module(y), atol=1e-6)


def test_the_input_and_output_take_the_names_given():
    model = onnx.load_from_string(
        export_onnx(Mean().eval(), torch.randn(1, 3, 4, 4),
                    names=('input', 'scores')))
    assert [i.name for i in model.graph.input] == ['input']
    assert [o.name for o in model.graph.output] == ['scores']


def test_the_session_threads_stop_spinning_after_a_run(monkeypatch):
    import onnxruntime as ort
    opened = []
    session = ort.InferenceSession

    def recorded(model, options, **kwargs):
        opened.append(options)
        return session(model, options, **kwargs)

    monkeypatch.setattr(ort, 'InferenceSession', recorded)
    monkeypatch.setattr(torch, 'get_num_threads', lambda: 2)
    session_runner(export_onnx(Mean().eval(), torch.randn(1, 3, 4, 4)))
    options, = opened
    assert options.intra_op_num_threads == 2
    assert options.get_session_config_entry(
        'session.force_spinning_stop') == '1'


def test_layers_with_equal_weights_keep_their_own_initializers():
    # Layers of equal shape, weights and biases, which the exporter's
    # optimiser would merge into one initializer each.
    module = nn.Sequential(nn.Conv2d(4, 4, 1), nn.ReLU(), nn.Conv2d(4, 4, 1),
                           nn.ReLU(), nn.Conv2d(4, 4, 1)).eval()
    for conv in module[::2]:
        nn.init.ones_(conv.weight)
        nn.init.constant_(conv.bias, 0.5)
    x = torch.randn(1, 4, 3, 3)
    model = export_onnx(module, x)
    graph = onnx.load_from_string(model).graph
    initializers = {tensor.name for tensor in graph.initializer}
    read = [name for node in graph.node for name in node.input
            if name in initializers]
    assert len(read) == 6
    assert len(set(read)) == len(read)
    assert torch.allclose(session_runner(model)(x)[0], module(x), atol=1e-5)
