"""A classifier's pooled linear layer becomes a 1x1 convolution that
computes the same logits."""
import onnx
import pytest
import torch
from torch import nn

from mmshuffle.deploy import fc_as_conv, prepare
from mmshuffle.deploy.fc_as_conv import LinearAsConv, PooledMaps
from mmshuffle.deploy.onnx_session import export_onnx

from .models import assert_outputs_close, build_eval_model, inputs, reference


def test_the_neck_keeps_the_map_and_the_layer_becomes_a_conv():
    model = build_eval_model('ImageClassifier')
    expected = {batch: reference(model, x) for batch, x in inputs().items()}
    linear = model.head.fc
    fc_as_conv(model)
    assert isinstance(model.neck, PooledMaps)
    assert isinstance(model.head.fc, LinearAsConv)
    conv = model.head.fc.conv
    assert conv.kernel_size == (1, 1)
    assert (conv.in_channels, conv.out_channels) == (linear.in_features,
                                                     linear.out_features)
    for batch, x in inputs().items():
        assert_outputs_close(reference(model, x), expected[batch], 1e-5)


@pytest.mark.parametrize('bias', [True, False])
def test_a_linear_layer_as_conv_on_pooled_maps(bias):
    linear = nn.Linear(6, 4, bias=bias)
    maps = torch.randn(2, 6, 1, 1)
    assert_outputs_close(LinearAsConv(linear)(maps), linear(maps.flatten(1)),
                         1e-6)


def test_pooled_maps_take_a_tensor_or_a_tuple():
    x = inputs()[2]
    assert PooledMaps()(x).shape == (2, 3, 1, 1)
    pooled = PooledMaps()((x, x[:, :2]))
    assert [p.shape for p in pooled] == [(2, 3, 1, 1), (2, 2, 1, 1)]
    assert_outputs_close(pooled[0], x.mean((2, 3), keepdim=True), 0)


def test_the_export_pools_and_classifies_in_the_blocked_layout():
    # GlobalAveragePool and Conv stay in ONNX Runtime's NCHWc layout;
    # ReduceMean and Gemm would leave it.
    module = prepare(build_eval_model('ImageClassifier'), ['fc_as_conv'])
    graph = onnx.load_from_string(export_onnx(module, inputs()[1])).graph
    op_types = {node.op_type for node in graph.node}
    assert 'GlobalAveragePool' in op_types
    assert not op_types & {'Gemm', 'MatMul', 'ReduceMean'}


def test_other_heads_and_backbones_are_left_as_they_are():
    from mmpretrain.models.heads import LinearClsHead

    class ScaledHead(LinearClsHead):  # its own logits, not the plain layer

        def forward(self, feats):
            return 2 * super().forward(feats)

    model = build_eval_model('ImageClassifier')
    model.head = ScaledHead(num_classes=10, in_channels=1024)
    backbone = build_eval_model('MobileNetV2')
    for module in (model, backbone):
        kinds = [type(m) for m in module.modules()]
        fc_as_conv(module)
        assert [type(m) for m in module.modules()] == kinds
