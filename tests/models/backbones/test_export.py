"""Every family traces and exports (TorchScript, FX, torch.export, ONNX with
both exporters), and a graph traced at one batch and image size is right at
others: nothing in a forward turns a size into a constant."""
import pytest
import torch

from mmshuffle.models.variants import VARIANTS
from mmshuffle.registry import MODELS

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


# Traced at one batch and image size, checked at two others.
TRACED = (2, 3, 64, 64)
OTHER_SIZES = ((3, 3, 96, 80), (4, 3, 128, 112))
INPUT_AXES = {0: 'batch', 2: 'height', 3: 'width'}


class Logits(torch.nn.Module):
    """An mmpretrain classifier's ``forward(x, mode='tensor')``."""

    def __init__(self, classifier):
        super().__init__()
        self.classifier = classifier

    def forward(self, x):
        return self.classifier(x, mode='tensor')


def classifier(family):
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    backbone = eval_model(family)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(dict(
            type='ImageClassifier',
            backbone=dict(FAMILY_DEFAULTS[family]),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=10,
                      in_channels=backbone.out_channels[-1])))
    model.init_weights()
    return Logits(model).eval()


def onnx_runner(path):
    import onnxruntime
    session = onnxruntime.InferenceSession(
        str(path), providers=['CPUExecutionProvider'])
    name = session.get_inputs()[0].name
    return lambda x: [torch.from_numpy(out)
                      for out in session.run(None, {name: x.numpy()})]


def export_torchscript(model, x, tmp_path):
    return torch.jit.trace(model, x)


def export_program(model, x, tmp_path):
    # torch.export specialises sizes 0 and 1, and the smallest map of each
    # family must stay above 1x1: the ranges start at batch 2 and 64 pixels.
    dims = {0: torch.export.Dim('batch', min=2, max=64),
            2: torch.export.Dim('height', min=64, max=1024),
            3: torch.export.Dim('width', min=64, max=1024)}
    return torch.export.export(model, (x, ),
                               dynamic_shapes=(dims, )).module()


def export_onnx_torchscript(model, x, tmp_path):
    # As MMDeploy-style scripts call it: dynamic axes on the input alone.
    path = tmp_path / 'torchscript.onnx'
    torch.onnx.export(model, (x, ), str(path), dynamo=False,
                      input_names=['input'],
                      dynamic_axes={'input': INPUT_AXES})
    return onnx_runner(path)


EXPORTERS = {
    'torch.jit.trace': export_torchscript,
    'torch.export': export_program,
    'onnx torchscript': export_onnx_torchscript,
}


def as_list(outputs):
    return [outputs] if isinstance(outputs, torch.Tensor) else list(outputs)


def check_other_sizes(model, exported):
    for size in OTHER_SIZES:
        x = torch.randn(size)
        actual, expected = as_list(exported(x)), as_list(model(x))
        assert [a.shape for a in actual] == [e.shape for e in expected]
        assert_outputs_close(actual, expected, atol=1e-4)


# The ONNX dynamo export, which takes seconds, runs on each family's
# backbone in tests/deploy/test_optimize.py and on each family's classifier
# in tests/tools/test_export.py, at other sizes too.
@pytest.mark.parametrize('exporter', EXPORTERS)
@pytest.mark.parametrize('family', FAMILIES)
def test_an_export_is_right_at_other_sizes(family, exporter, tmp_path):
    model = eval_model(family)
    exported = EXPORTERS[exporter](model, torch.randn(TRACED), tmp_path)
    check_other_sizes(model, exported)


@pytest.mark.parametrize('exporter', EXPORTERS)
@pytest.mark.parametrize('family', FAMILIES)
def test_a_classifier_export_is_right_at_other_sizes(family, exporter,
                                                     tmp_path):
    model = classifier(family)
    exported = EXPORTERS[exporter](model, torch.randn(TRACED), tmp_path)
    check_other_sizes(model, exported)


@pytest.mark.parametrize('variant', VARIANTS, ids=lambda v: v.name)
def test_every_variant_exports_with_dynamic_sizes(variant, tmp_path):
    # The TorchScript-based exporter, the one that bakes traced sizes into
    # the graph wherever it can tell them.
    model = MODELS.build(dict(variant.cfg, out_indices=all_stages(
        variant.type))).eval()
    exported = export_onnx_torchscript(model, torch.randn(TRACED), tmp_path)
    check_other_sizes(model, exported)
