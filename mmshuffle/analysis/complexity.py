"""Complexity of a backbone as the papers count it."""
from typing import Tuple

import torch
from mmengine.analysis import FlopAnalyzer
from torch import Tensor, nn

# The operators the papers count: convolutions and the classifier's matmul.
COUNTED_OPERATORS = ('conv', 'linear', 'addmm', 'mm', 'matmul')


class _Classifier(nn.Module):
    """A backbone, global average pooling and a linear classifier."""

    def __init__(self, backbone: nn.Module, num_classes: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.fc = nn.Linear(backbone.out_channels[-1], num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(self.backbone(x)[-1].mean((2, 3)))


def classifier_complexity(backbone: nn.Module,
                          input_size: int = 224,
                          num_classes: int = 1000) -> Tuple[float, int]:
    """Count multiply-adds and parameters of a backbone as a classifier.

    The backbone's last output is pooled and fed to a ``num_classes``-way
    linear layer, and only convolutions and that layer are counted, as the
    ShuffleNet and MobileNetV2 papers count complexity. The counting is
    MMEngine's ``FlopAnalyzer``, which counts one per multiply-add.

    Args:
        backbone (nn.Module): A backbone with ``out_channels``.
        input_size (int): The input's height and width. Defaults to 224.
        num_classes (int): The classifier's classes. Defaults to 1000.

    Returns:
        tuple[float, int]: Multiply-adds in millions, and parameters.
    """
    model = _Classifier(backbone, num_classes).eval()
    analyzer = FlopAnalyzer(model, torch.zeros(1, 3, input_size, input_size))
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    with torch.no_grad():
        by_operator = analyzer.by_operator()
    madds = sum(by_operator[op] for op in COUNTED_OPERATORS) / 1e6
    return madds, sum(p.numel() for p in model.parameters())
