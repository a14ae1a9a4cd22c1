"""Run a classifier's linear layer on the pooled map, as a 1x1 convolution,
in place.

mmpretrain's ``GlobalAveragePooling`` neck flattens the pooled
``(N, C, 1, 1)`` map to ``(N, C)``, and ``LinearClsHead`` multiplies that by
its weights. In ONNX Runtime the flattened vector leaves the blocked layout
(NCHWc) and the layer runs as a ``Gemm`` at batch 1, which streams its
weights slowly. Kept 4-D, the pool exports as ``GlobalAveragePool`` (see
:func:`~mmshuffle.deploy.onnx_session.export_onnx`) and the layer as a 1x1
``Conv``, both blocked, and ONNX Runtime's profile shows both nodes
faster.
"""
import sys
from typing import Tuple, Union

import torch
from torch import Tensor, nn


class PooledMaps(nn.Module):
    """Global average pooling that keeps the ``(N, C, 1, 1)`` shape.

    It takes what mmpretrain's ``GlobalAveragePooling`` takes: a feature map
    or a tuple of them.
    """

    def forward(
        self, inputs: Union[Tensor, Tuple[Tensor, ...]]
    ) -> Union[Tensor, Tuple[Tensor, ...]]:
        """Average every map over its height and width.

        Args:
            inputs (Tensor | tuple[Tensor]): ``(N, C, H, W)`` maps.

        Returns:
            Tensor | tuple[Tensor]: ``(N, C, 1, 1)`` means, as given.
        """
        if isinstance(inputs, Tensor):
            return inputs.mean((2, 3), keepdim=True)
        return tuple(x.mean((2, 3), keepdim=True) for x in inputs)


class LinearAsConv(nn.Module):
    """A linear layer applied to ``(N, C, 1, 1)`` maps, as a 1x1 convolution.

    Args:
        linear (nn.Linear): The layer; its weights are copied.
    """

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        self.conv = nn.Conv2d(linear.in_features, linear.out_features, 1,
                              bias=linear.bias is not None)
        with torch.no_grad():
            self.conv.weight.copy_(linear.weight[:, :, None, None])
            if linear.bias is not None:
                self.conv.bias.copy_(linear.bias)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the layer.

        Args:
            x (Tensor): ``(N, C, 1, 1)`` pooled maps.

        Returns:
            Tensor: ``(N, out_features)``, what the linear layer gives on
            the flattened maps.
        """
        return self.conv(x).flatten(1)


def _pooled_linear_classifier(module: nn.Module) -> bool:
    """Whether a module is an mmpretrain classifier whose neck is a 2-D
    global average pool and whose head a plain ``LinearClsHead``."""
    from mmpretrain.models.heads import LinearClsHead
    from mmpretrain.models.necks import GlobalAveragePooling
    neck = getattr(module, 'neck', None)
    head = getattr(module, 'head', None)
    return (isinstance(neck, GlobalAveragePooling)
            and isinstance(neck.gap, nn.AdaptiveAvgPool2d)
            and type(head) is LinearClsHead
            and isinstance(head.fc, nn.Linear))


def fc_as_conv(model: nn.Module) -> nn.Module:
    """Keep the pooled map 4-D and make the head's linear layer a 1x1
    convolution, in every mmpretrain classifier in a model.

    Only a ``GlobalAveragePooling`` neck followed by a ``LinearClsHead``
    (whose logits are its linear layer on the last pooled map) is changed;
    other necks and heads, and backbones, are left as they are.

    Args:
        model (nn.Module): The model; changed in place, so convert a copy
            made for inference.

    Returns:
        nn.Module: ``model``.
    """
    if 'mmpretrain.models' not in sys.modules:  # no mmpretrain model here
        return model
    for module in list(model.modules()):
        if _pooled_linear_classifier(module):
            module.neck = PooledMaps()
            module.head.fc = LinearAsConv(module.head.fc)
    return model
