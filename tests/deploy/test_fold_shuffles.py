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


@pytest.mark.parametrize('widen_factor, out_indices', [
    (0.5, (3, )),
    (1.0, (0, 1, 2)),
    (1.5, (1, 3)),
    (2.0, (2, )),
])
@pytest.mark.parametrize('steps', [('fold_shuffles', ),
                                   ('fold_bn', 'pad_channels',
                                    'fold_shuffles')])
def test_the_outputs_stay_those_of_the_model(widen_factor, out_indices,
                                             steps):
    torch.manual_seed(0)
    model = build_family('ShuffleNetV2', widen_factor=widen_factor,
                         out_indices=out_indices)
    randomize_norm_stats(model)
    model.eval()
    folded = prepare(model, steps)
    assert not any(isinstance(m, InvertedResidual) for m in folded.modules())
    assert sum(isinstance(m, FoldedUnit) for m in folded.modules()) == 16
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert_outputs_close(folded(x), reference(model, x), atol=1e-5)


def test_the_export_moves_channels_only_to_concatenate_and_return():
    torch.manual_seed(0)
    model = build_family('ShuffleNetV2', widen_factor=0.5,
                         out_indices=(1, 3)).eval()
    x = torch.randn(1, 3, 64, 64)
    graph = onnx.load_from_string(
        export_onnx(prepare(model, ('fold_bn', 'fold_shuffles')), x)).graph
    kinds = {node.op_type for node in graph.node}
    # No split, stack or reshape: the one gather puts the returned stage 1
    # back in order.
    assert kinds == {'Conv', 'Relu', 'MaxPool', 'Slice', 'Concat', 'Gather'}
    assert [node.op_type for node in graph.node].count('Gather') == 1
