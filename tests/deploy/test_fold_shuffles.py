"""fold_shuffles: ShuffleNet V2 without channel shuffles, the same outputs
for every width and every set of returned stages."""
import onnx
import pytest
import torch

from mmshuffle.deploy import prepare
from mmshuffle.deploy.fold_shuffles import FoldedUnit
from mmshuffle.deploy.onnx_session import export_onnx
from mmshuffle.models.backbones.shufflenet_v2 import InvertedResidual

from ..helpers import build_family, randomize_norm_stats
from .models import assert_outputs_close, reference


@pytest.mark.parametrize('widen_factor, out_indices, folded', [
    (0.5, (3, ), 16),
    (1.0, (0, 1, 2), 0),
    (1.5, (0, 3), 12),
    (2.0, (1, ), 0),
    (1.0, (2, 3), 0),
])
@pytest.mark.parametrize('steps', [('fold_shuffles', ),
                                   ('fold_bn', 'pad_channels',
                                    'fold_shuffles')])
def test_the_outputs_stay_those_of_the_model(widen_factor, out_indices,
                                             folded, steps):
    torch.manual_seed(0)
    model = build_family('ShuffleNetV2', widen_factor=widen_factor,
                         out_indices=out_indices)
    randomize_norm_stats(model)
    model.eval()
    units = sum(isinstance(m, InvertedResidual) for m in model.modules())
    prepared = prepare(model, steps)
    # The stages after the last unit stage returned are folded; that stage
    # and those before it keep their shuffles, their outputs in order.
    assert sum(isinstance(m, FoldedUnit)
               for m in prepared.modules()) == folded
    assert sum(isinstance(m, InvertedResidual)
               for m in prepared.modules()) == units - folded
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert_outputs_close(prepared(x), reference(model, x), atol=1e-5)


def test_the_export_moves_channels_only_to_concatenate():
    torch.manual_seed(0)
    model = build_family('ShuffleNetV2', widen_factor=0.5).eval()
    x = torch.randn(1, 3, 64, 64)
    graph = onnx.load_from_string(
        export_onnx(prepare(model, ('fold_bn', 'fold_shuffles')), x)).graph
    # No split, stack, reshape or gather.
    assert {node.op_type for node in graph.node} == {
        'Conv', 'Relu', 'MaxPool', 'Slice', 'Concat'}
