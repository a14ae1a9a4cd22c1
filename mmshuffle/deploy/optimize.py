"""``optimize``: the fastest CPU inference callable for a model.

Four backends run the optimised model: eager PyTorch, TorchScript,
inductor and ONNX Runtime (``ORT_ENABLE_ALL``), the default, which was the
fastest for every family; ``'fastest'`` times them all on the caller's
machine and keeps the quickest. Each backend takes the steps that made it
faster (:data:`DEFAULT_STEPS`):

- ``fold_bn``: batch norms folded into the convolutions before them. It
  pays in eager mode and under inductor; TorchScript and ONNX Runtime fold
  them themselves.
- ``channels_last``: eager mode only; inductor and TorchScript choose their
  layouts themselves and were slower with it.
- ``pad_channels``, ``pool_as_conv``: ONNX Runtime only. They keep its
  blocked layout (channels in blocks of 4, 8 or 16) through ShuffleNetV2's
  58-channel branches and ShuffleNetV1's shortcut average pools, so that
  no reorder runs between its kernels.

A step stays only where the benchmark shows it paying more than
run-to-run noise on some model (:mod:`mmshuffle.deploy.steps`).

The times, with the machine and command that measured them, are in
docs/benchmarks.md (``tools/analysis_tools/deploy_speed.py`` measures each
backend and step).
"""
import copy
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor, nn

from ..errors import ExportVerificationError
from .backends import BACKENDS, TORCH_BACKENDS
from .detector import COMPARED_SCORE, DetectorGraph, match_detections
from .runtime import OptimizedModel, Outputs, inference_module
from .steps import check_steps, prepare
from .timing import interleaved_medians

# The steps each backend takes by default: those that made it faster (or
# no slower). channels_last only means something to the backends
# that run PyTorch's kernels.
DEFAULT_STEPS: Dict[str, Tuple[str, ...]] = {
    'eager': ('fold_bn', 'channels_last'),
    'torchscript': ('fold_bn', ),
    'inductor': ('fold_bn', ),
    'onnxruntime': ('fold_bn', 'pad_channels', 'pool_as_conv'),
}
DEFAULT_BACKEND = 'onnxruntime'
# Choose the backend by timing every one on the example input.
FASTEST = 'fastest'


def _example(example_inputs: Union[Tensor, Sequence[Tensor]]) -> Tensor:
    """Take the one input tensor out of ``example_inputs``, checked."""
    example = example_inputs
    if isinstance(example_inputs, (tuple, list)):
        if len(example_inputs) != 1:
            raise ValueError('example_inputs must be a tensor or a sequence '
                             'of one tensor (the images), got '
                             f'{len(example_inputs)} items')
        example = example_inputs[0]
    if not isinstance(example, Tensor):
        raise TypeError('example_inputs must be a tensor of images, got '
                        f'{type(example).__name__}')
    if example.dim() != 4 or not example.is_floating_point():
        raise ValueError('example_inputs must be a float (N, C, H, W) '
                         f'tensor, got shape {tuple(example.shape)} and '
                         f'dtype {example.dtype}')
    return example.detach()


def _as_tuple(outputs: Outputs) -> Tuple[Tensor, ...]:
    return (outputs, ) if isinstance(outputs, Tensor) else tuple(outputs)


def max_abs_diff(actual: Outputs, expected: Outputs) -> float:
    """The largest absolute difference between two sets of outputs.

    Args:
        actual (Tensor | Sequence[Tensor]): Outputs.
        expected (Tensor | Sequence[Tensor]): Outputs of the same shapes.

    Returns:
        float: ``max |actual - expected|`` over every output.

    Raises:
        ValueError: If the number or shapes of the outputs differ.
    """
    actual, expected = _as_tuple(actual), _as_tuple(expected)
    shapes = [tuple(t.shape) for t in actual]
    if shapes != [tuple(t.shape) for t in expected]:
        raise ValueError(f'outputs of shapes {shapes} where '
                         f'{[tuple(t.shape) for t in expected]} were '
                         'expected')
    return max((a.float() - e.float()).abs().max().item()
               for a, e in zip(actual, expected))


def _build(model: nn.Module, example: Tensor, backend: str,
           steps: Optional[Sequence[str]],
           tuple_output: bool) -> OptimizedModel:
    """Prepare the model and build one backend on it."""
    if steps is None:
        steps = DEFAULT_STEPS[backend]
    if backend not in TORCH_BACKENDS:
        steps = [step for step in steps if step != 'channels_last']
    channels_last = 'channels_last' in steps
    module = prepare(model, steps)
    if channels_last:
        example = example.contiguous(memory_format=torch.channels_last)
    runner = BACKENDS[backend](module, example)
    return OptimizedModel(runner, backend, steps, channels_last, tuple_output,
                          onnx=getattr(runner, 'onnx', None))


def optimize(model: nn.Module,
             example_inputs: Union[Tensor, Sequence[Tensor]],
             backend: str = DEFAULT_BACKEND,
             steps: Optional[Sequence[str]] = None,
             atol: float = 1e-4) -> OptimizedModel:
    """Turn a model into a fast CPU inference callable.

    The callable computes what the model computes in eval mode: for an
    MMEngine model such as an mmpretrain ``ImageClassifier``,
    ``model(x, mode='tensor')`` (the logits); for a backbone, its tuple of
    feature maps. The model itself is not changed (a copy is optimised).
    Before returning, the callable is run on ``example_inputs`` and its
    outputs compared with the model's.

    Args:
        model (nn.Module): The model; it is optimised as in eval mode.
        example_inputs (Tensor | Sequence[Tensor]): Images of the shape the
            callable will mostly see, ``(N, C, H, W)``, or a sequence of
            one such tensor. Other batch and image sizes work too (ONNX
            Runtime's export keeps them dynamic; the ``inductor`` backend
            compiles again for each new shape).
        backend (str): One of ``'onnxruntime'`` (the default: the fastest
            measured, see the module's docstring), ``'inductor'``
            (torch.compile with frozen weights; it compiles anew, for
            tens of seconds, for each model and shape), ``'torchscript'``,
            ``'eager'``, or ``'fastest'``, which builds each of them that is
            installed, times them on ``example_inputs`` (interleaved
            medians, at torch's thread count) and keeps the fastest.
        steps (Sequence[str], optional): The steps of :data:`STEPS` to take
            before the backend. Defaults to None, meaning the backend's
            entry in :data:`DEFAULT_STEPS`.
        atol (float): The largest absolute difference from the model's
            outputs accepted on ``example_inputs``, scaled by the largest
            output magnitude where that exceeds 1. Defaults to 1e-4.

    Returns:
        OptimizedModel: The callable; ``.backend`` and ``.steps`` say what
        it runs, ``.timings`` the times measured by ``'fastest'``.

    Raises:
        TypeError: If ``model`` is not a module, ``example_inputs`` holds
            no tensor, or the model returns something else than a tensor or
            a tuple of tensors.
        ValueError: If ``backend`` or a step is unknown, or the input is
            not an ``(N, C, H, W)`` float tensor.
        ImportError: If the backend needs a package that is missing.
        RuntimeError: If the optimised outputs differ from the model's.
    """
    if not isinstance(model, nn.Module):
        raise TypeError('model must be a torch.nn.Module, got '
                        f'{type(model).__name__}')
    if backend not in (*BACKENDS, FASTEST):
        raise ValueError(f'backend must be one of {(*BACKENDS, FASTEST)}, '
                         f'got {backend!r}')
    if steps is not None:
        check_steps(steps)
    example = _example(example_inputs)
    reference_module = inference_module(copy.deepcopy(model)).eval()
    with torch.no_grad():
        expected = reference_module(example)
    tuple_output = not isinstance(expected, Tensor)
    if tuple_output and not (isinstance(expected, (tuple, list)) and all(
            isinstance(t, Tensor) for t in expected)):
        raise TypeError(
            'optimize takes models whose forward returns a tensor or a '
            f'tuple of tensors, got {type(expected).__name__} from '
            f'{type(model).__name__}')
    if backend == FASTEST:
        optimized = _fastest(model, example, steps, tuple_output)
    else:
        optimized = _build(model, example, backend, steps, tuple_output)
    if isinstance(reference_module, DetectorGraph):
        _check_detections(optimized, example, expected)
        return optimized
    diff = max_abs_diff(optimized(example), expected)
    scale = max(1.0, max(t.abs().max().item() for t in _as_tuple(expected)))
    if not diff <= atol * scale:
        raise RuntimeError(
            f'optimize: the {optimized.backend} backend with steps '
            f'{optimized.steps} gives outputs that differ from the model\'s '
            f'by up to {diff:.3g} (allowed: {atol * scale:.3g}); try another '
            'backend or fewer steps')
    return optimized


def _check_detections(optimized: OptimizedModel, example: Tensor,
                      expected: Outputs) -> None:
    """Check a detector's optimised detections against the model's."""
    try:
        match_detections(optimized(example), expected, COMPARED_SCORE)
    except ExportVerificationError as error:
        raise RuntimeError(
            f'optimize: the {optimized.backend} backend with steps '
            f'{optimized.steps} detects other boxes than the model: '
            f'{error}; try another backend or fewer steps') from None


def _fastest(model: nn.Module, example: Tensor,
             steps: Optional[Sequence[str]],
             tuple_output: bool) -> OptimizedModel:
    """Build every installed backend, time each, return the fastest."""
    candidates = {}
    for name in BACKENDS:
        try:
            candidates[name] = _build(model, example, name, steps,
                                      tuple_output)
        except ImportError:
            continue
    timings = interleaved_medians(candidates, example)
    best = min(timings, key=timings.get)
    candidates[best].timings = timings
    return candidates[best]
