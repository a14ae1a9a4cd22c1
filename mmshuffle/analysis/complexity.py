"""Complexity of a model, counted by MMEngine's ``FlopAnalyzer``: every
operator MMEngine counts, and the convolutions and linear layers alone, as
the ShuffleNet and MobileNetV2 papers count it."""
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.analysis import FlopAnalyzer
from torch import Tensor, nn

# The operators the papers count: convolutions and matrix products (the
# classifier). MMEngine counts one per multiply-add for each.
COUNTED_OPERATORS = ('conv', 'linear', 'addmm', 'mm', 'matmul', 'bmm',
                     'einsum')


@dataclass(frozen=True)
class Complexity:
    """What MMEngine counted in one forward pass.

    Args:
        flops (int): Every operator MMEngine counts: one per multiply-add
            for convolutions and matrix products, one per element for
            normalisation, upsampling and adaptive pooling.
        madds (int): The operators of :data:`COUNTED_OPERATORS` alone:
            multiply-adds, as the papers count complexity.
        params (int): Parameters of the whole model.
        by_operator (dict[str, int]): ``flops`` by operator.
        uncounted (dict[str, int]): The operators MMEngine has no counter
            for (e.g. ``aten::max_pool2d``, ``aten::add``), with how often
            each ran.
        traced (str): What was run, e.g. ``"model(x, mode='tensor')"``.
        fallback_reason (str, optional): Why the whole model could not be
            traced, where ``traced`` is only a part of it. Defaults to None.
    """

    flops: int
    madds: int
    params: int
    by_operator: Dict[str, int]
    uncounted: Dict[str, int]
    traced: str
    fallback_reason: Optional[str] = None


class _Forward(nn.Module):
    """A module whose forward is ``fn(model, x)``, for the tracer."""

    def __init__(self, model: nn.Module,
                 fn: Callable[[nn.Module, Tensor], object]) -> None:
        super().__init__()
        self.model = model
        self.fn = fn

    def forward(self, x: Tensor):
        return self.fn(self.model, x)


def count_complexity(module: nn.Module,
                     inputs: Tuple[Tensor, ...],
                     traced: str = 'model(x)') -> Complexity:
    """Count one forward of ``module`` with MMEngine's ``FlopAnalyzer``.

    Args:
        module (nn.Module): The module, in the mode to count (eval mode
            counts batch norm as inference runs it).
        inputs (tuple[Tensor]): The forward's arguments.
        traced (str): What the forward is, for the report.
            Defaults to 'model(x)'.

    Returns:
        Complexity: The counts; ``params`` counts ``module``'s parameters.
    """
    analyzer = FlopAnalyzer(module, inputs)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    with torch.no_grad():
        by_operator = dict(analyzer.by_operator())
    uncounted = dict(analyzer.unsupported_ops())
    return Complexity(
        flops=sum(by_operator.values()),
        madds=sum(by_operator.get(op, 0) for op in COUNTED_OPERATORS),
        params=sum(p.numel() for p in module.parameters()),
        by_operator=by_operator,
        uncounted=uncounted,
        traced=traced)


def _image_metas(height: int, width: int) -> List:
    """One data sample holding what MMDetection's heads read in
    ``mode='tensor'``: the image's shapes and a unit scale factor."""
    from mmengine.structures import BaseDataElement
    shape = (height, width)
    return [
        BaseDataElement(
            metainfo=dict(
                img_shape=shape,
                ori_shape=shape,
                pad_shape=shape,
                batch_input_shape=shape,
                scale_factor=(1.0, 1.0)))
    ]


def _forwards(model: nn.Module, height: int,
              width: int) -> List[Tuple[str, bool, Callable]]:
    """The forwards to try, in order: what each is, whether it runs the
    whole model, and how to run it."""
    from mmengine.model import BaseModel
    if not isinstance(model, BaseModel):
        return [('model(x)', True, lambda m, x: m(x))]
    forwards = [
        ("model(x, mode='tensor')", True,
         lambda m, x: m(x, mode='tensor')),
        # Two-stage detectors need the image shapes to make proposals.
        ("model(x, [image metas], mode='tensor')", True,
         lambda m, x: m(x, _image_metas(height, width), mode='tensor')),
    ]
    if hasattr(model, 'extract_feat'):
        forwards.append(
            ('model.extract_feat(x): backbone and neck only', False,
             lambda m, x: m.extract_feat(x)))
    return forwards


def model_complexity(model: nn.Module,
                     input_shape: Sequence[int]) -> Complexity:
    """Count one forward of a whole model on one image.

    An MMEngine model (e.g. mmpretrain's ``ImageClassifier``, an
    MMDetection detector) runs ``model(x, mode='tensor')``; where that
    cannot be traced, the same with image metas (two-stage detectors), then
    ``model.extract_feat(x)`` (backbone and neck only). Any other module
    runs ``model(x)``. The model is counted in eval mode and given back in
    the mode it was in.

    Args:
        model (nn.Module): The model.
        input_shape (Sequence[int]): ``(C, H, W)`` of the image; the batch
            is one image.

    Returns:
        Complexity: The counts, with ``params`` of the whole model, what
        was traced and, for a part of the model, why.

    Raises:
        ValueError: If ``input_shape`` is not three positive integers.
        RuntimeError: If no forward could be traced, with the error of the
            full model's.
    """
    if len(input_shape) != 3 or any(
            not isinstance(size, int) or size < 1 for size in input_shape):
        raise ValueError('input_shape must be three positive integers '
                         f'(C, H, W), got {tuple(input_shape)}')
    x = torch.zeros(1, *input_shape)
    params = sum(p.numel() for p in model.parameters())
    was_training = model.training
    model.eval()
    first_error = None
    try:
        for traced, whole, fn in _forwards(model, *input_shape[1:]):
            try:
                counted = count_complexity(_Forward(model, fn), (x, ), traced)
            except Exception as error:  # the tracer raises anything
                if first_error is None:
                    first_error = error
                continue
            reason = None if whole else (
                f'{type(first_error).__name__}: {first_error}')
            return Complexity(counted.flops, counted.madds, params,
                              counted.by_operator, counted.uncounted,
                              traced, reason)
    finally:
        model.train(was_training)
    raise RuntimeError(
        f'could not trace {type(model).__name__} at input shape '
        f'{tuple(input_shape)}: {type(first_error).__name__}: '
        f'{first_error}') from first_error


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
    counted = count_complexity(
        model, (torch.zeros(1, 3, input_size, input_size), ))
    return counted.madds / 1e6, counted.params
