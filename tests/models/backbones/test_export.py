"""Every family traces and exports: TorchScript, FX, torch.export, ONNX."""
import pytest
import torch

from ...helpers import FAMILY_DEFAULTS, all_stages, build_family

FAMILIES = list(FAMILY_DEFAULTS)


def eval_model(family):
    model = build_family(family, out_indices=all_stages(family))
    return model.eval()


def assert_outputs_close(actual, expected, atol=1e-5):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        torch.testing.assert_close(a, e, rtol=1e-4, atol=atol)


@pytest.mark.parametrize('family', FAMILIES)
def test_torch_jit_trace(family):
    model, x = eval_model(family), torch.randn(1, 3, 64, 64)
    traced = torch.jit.trace(model, x)
    other = torch.randn(2, 3, 64, 64)
    assert_outputs_close(traced(other), model(other))


@pytest.mark.parametrize('family', FAMILIES)
def test_fx_symbolic_trace_keeps_shuffle_and_input_check(family):
    model = eval_model(family)
    graph_module = torch.fx.symbolic_trace(model)
    targets = {getattr(node.target, '__name__', '')
               for node in graph_module.graph.nodes}
    assert 'check_input_channels' in targets
    # The shuffle is one node: ShuffleNet V2's units end in interleave
    # (their concatenation and shuffle at once).
    shuffle = {'ShuffleNetV1': 'channel_shuffle', 'ShuffleNetV2': 'interleave'}
    assert {'channel_shuffle', 'interleave'} & targets == (
        {shuffle[family]} if family in shuffle else set())
    x = torch.randn(2, 3, 64, 64)
    assert_outputs_close(graph_module(x), model(x))
    with pytest.raises(ValueError, match='must have 3 channels, got 1'):
        graph_module(torch.randn(1, 1, 64, 64))


@pytest.mark.parametrize('family', FAMILIES)
def test_torch_export(family):
    model, x = eval_model(family), torch.randn(1, 3, 64, 64)
    exported = torch.export.export(model, (x, ))
    assert_outputs_close(exported.module()(x), model(x))


@pytest.mark.parametrize('family', FAMILIES)
def test_onnx_export_runs_in_onnxruntime(family, tmp_path):
    import onnxruntime
    model, x = eval_model(family), torch.randn(1, 3, 64, 64)
    path = tmp_path / 'model.onnx'
    torch.onnx.export(model, (x, ), str(path), dynamo=True)
    session = onnxruntime.InferenceSession(
        str(path), providers=['CPUExecutionProvider'])
    name = session.get_inputs()[0].name
    outputs = session.run(None, {name: x.numpy()})
    assert_outputs_close([torch.from_numpy(o) for o in outputs], model(x),
                         atol=1e-4)
