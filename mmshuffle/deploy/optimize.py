"""``optimize``: the fastest CPU inference callable for a model.

Five backends run the optimised model: eager PyTorch, TorchScript,
inductor, ONNX Runtime (``ORT_ENABLE_ALL``) and OpenVINO's CPU plugin, the
last two on the same ONNX export. The default, ``'auto'``, times the
backends that build in seconds (all but inductor, whose compilation alone
takes longer than the others together) on the caller's model and machine
the first time, keeps the fastest and remembers the choice per CPU
(:mod:`mmshuffle.deploy.backend_choice`); ``'fastest'`` times them all,
inductor too, every time. Each backend takes the steps that made it
faster (:data:`DEFAULT_STEPS`):

- ``fold_bn``: batch norms folded into the convolutions before them. It
  pays in eager mode and under inductor; TorchScript and ONNX Runtime fold
  them themselves.
- ``channels_last``: eager mode only; inductor and TorchScript choose their
  layouts themselves and were slower with it.
- ``pad_channels``, ``pool_as_conv``: the ONNX backends. They keep ONNX
  Runtime's blocked layout (channels in blocks of 4, 8 or 16) through
  ShuffleNetV2's 58-channel branches and ShuffleNetV1's shortcut average
  pools, so that no reorder runs between its kernels; OpenVINO runs the
  same export as fast as one without them, so the two share one export.
- ``fold_shuffles``: OpenVINO's bf16 and INT8 models only
  (:data:`LOW_PRECISION_STEPS`); ShuffleNet V2 without its channel
  shuffles (:mod:`mmshuffle.deploy.fold_shuffles`).
- ``plain_shuffles``: OpenVINO at fp32 on more than one thread or on
  batches, where ``'auto'`` or ``'fastest'`` timed it faster on the model
  (:data:`SHUFFLE_FORMS`, :func:`times_shuffle_forms`; OpenVINO's INT8
  model the same way): the channel shuffles exported as OpenVINO's
  ``ShuffleChannels`` rather than as a ``Gather`` (V1) or a stack (V2).

On a batch, ``'auto'`` and ``'fastest'`` also time ONNX Runtime and
OpenVINO running it in chunks of fewer images (:data:`CHUNKED_BACKENDS`),
and ``'auto'`` the bf16 model: a chunk's activations stay in the caches.
On more than one thread, chunks are taken only where they save
:data:`CHUNK_MARGIN` of the fastest whole run's time.

``precision='bf16'`` runs the model in bfloat16 on the CPU's bf16 units
(AMX, AVX-512 BF16) with OpenVINO; like INT8 it is judged by accuracy, not
by the fp32 tolerance.

A step stays only where the benchmark shows it paying more than
run-to-run noise on some model (:mod:`mmshuffle.deploy.steps`).

The times, with the machine and command that measured them, are in
docs/benchmarks.md (``tools/analysis_tools/deploy_speed.py`` measures each
backend and step).
"""
import copy
from typing import Callable, Dict, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor, nn

from ..errors import ExportVerificationError, UnsupportedPrecisionError
from .backend_choice import fastest, model_key, remembered_or_fastest
from .backends import (
    BACKENDS,
    ONNX_RUNNERS,
    TORCH_BACKENDS,
    onnx_requirements,
    onnx_runner,
)
from .detector import COMPARED_SCORE, DetectorGraph, match_detections
from .machine import cpu_model, isa_flags, onednn_cap_setting
from .onnx_session import export_onnx
from .openvino_session import cpu_has_bf16, openvino_runner
from .runtime import OptimizedModel, Outputs, as_tuple, inference_module
from .steps import check_steps, has_channel_shuffles, prepare

# The steps each backend takes by default: those that made it faster (or
# no slower). channels_last only means something to the backends
# that run PyTorch's kernels.
DEFAULT_STEPS: Dict[str, Tuple[str, ...]] = {
    'eager': ('fold_bn', 'channels_last'),
    'torchscript': ('fold_bn', ),
    'inductor': ('fold_bn', ),
    'onnxruntime': ('fold_bn', 'pad_channels', 'pool_as_conv'),
    'openvino': ('fold_bn', 'pad_channels', 'pool_as_conv'),
}
# OpenVINO's bf16 and INT8 models also fold ShuffleNet V2's channel
# shuffles into the weights: faster there, slower at fp32 and in ONNX
# Runtime (docs/deployment.md).
LOW_PRECISION_STEPS = (*DEFAULT_STEPS['openvino'], 'fold_shuffles')
# The forms the channel shuffles of OpenVINO's fp32 export take, by name:
# the extra steps of each ('default': V1's gather, V2's stack). On more
# than one thread or on a batch 'auto' and 'fastest' time both: OpenVINO
# ran V1's plain form faster on two threads of both machines measured and
# at batch 32 on one; on one thread at batch 1 the gather as fast or
# faster, so that case takes the default untimed, without a second export
# (docs/benchmarks.md). OpenVINO's INT8 model of ShuffleNetV1 the same way
# (docs/deployment.md).
SHUFFLE_FORMS: Dict[str, Tuple[str, ...]] = {
    'default': (),
    'plain': ('plain_shuffles', ),
}
# Choose the backend by timing those that build in seconds, once per model
# and machine.
AUTO = 'auto'
AUTO_BACKENDS = ('onnxruntime', 'openvino', 'torchscript', 'eager')
# Its timing: fewer rounds than a benchmark's; backends within its noise of
# each other are as good a choice (each round's calls also follow an
# untimed one, mmshuffle.deploy.timing). On a batch each call is already
# many images' work: one call per round, in as many rounds as the
# benchmark's batch timing.
AUTO_TIMING = dict(rounds=7, calls=2, warmup=1)
AUTO_BATCH_TIMING = dict(rounds=5, calls=1, warmup=1)
# On a batch, 'auto' and 'fastest' also time these backends running it in
# chunks (:func:`chunk_sizes`): a chunk's activations stay in the CPU's
# caches, where a batch of 32's do not: both ran batches of 32 faster so
# (docs/deployment.md). The PyTorch backends stay whole: on batches they
# ran well behind both.
CHUNKED_BACKENDS = ('onnxruntime', 'openvino')
# On more than one thread, a batch runs in chunks only where they save
# this fraction of the fastest whole run's time: there, on a shared
# machine, chunked runs (more, shorter parallel sections, each a meeting
# of the threads) swung between two speeds minutes apart, whole ones far
# less (docs/deployment.md). On one thread the faster is taken.
CHUNK_MARGIN = 0.1
# Choose the backend by timing every one on the example input, each time.
FASTEST = 'fastest'
DEFAULT_BACKEND = AUTO
PRECISIONS = ('fp32', 'bf16')
BF16_BACKEND = 'openvino-bf16'


def _choice_timing(example: Tensor, remember: bool) -> Dict[str, int]:
    """How ``'auto'`` (``remember``) or ``'fastest'`` times its candidates
    on an input: on a batch :data:`AUTO_BATCH_TIMING`; at batch 1
    :data:`AUTO_TIMING`, or for ``'fastest'`` a benchmark's rounds (the
    defaults of :func:`~mmshuffle.deploy.timing.interleaved_medians`)."""
    if example.shape[0] > 1:
        return AUTO_BATCH_TIMING
    return AUTO_TIMING if remember else {}


def chunk_sizes(batch: int) -> Tuple[int, ...]:
    """The chunk sizes ``'auto'`` and ``'fastest'`` time on a batch: the
    powers of two from 2 below the batch size.

    Args:
        batch (int): The batch size.

    Returns:
        tuple[int]: E.g. ``(2, 4, 8, 16)`` for 32; none for 2.
    """
    sizes = []
    size = 2
    while size < batch:
        sizes.append(size)
        size *= 2
    return tuple(sizes)


def chunk_margin() -> float:
    """The fraction of the fastest whole run's time that chunks must save
    to be taken: :data:`CHUNK_MARGIN` on more than one thread
    (``torch.get_num_threads()``), none on one.

    Returns:
        float: The margin.
    """
    return CHUNK_MARGIN if torch.get_num_threads() > 1 else 0.0


def _chunk_candidates(
        backends: Sequence[str], chunked: Sequence[str],
        batch: int) -> Dict[str, Tuple[str, Optional[int]]]:
    """The candidates of a choice on a batch of ``batch`` images, by name:
    each backend whole (chunk size None), and those of ``chunked`` also in
    chunks of each of :func:`chunk_sizes` (e.g. ``'openvino in chunks of
    4'``), as ``(backend, chunk size)``."""
    candidates = {name: (name, None) for name in backends}
    candidates.update({
        f'{name} in chunks of {size}': (name, size)
        for name in backends if name in chunked
        for size in chunk_sizes(batch)})
    return candidates


def times_shuffle_forms(module: nn.Module, example: Tensor) -> bool:
    """Whether ``'auto'`` times an OpenVINO model in both
    :data:`SHUFFLE_FORMS` (fp32, and INT8 in
    :func:`~mmshuffle.deploy.quantize`): where it has channel shuffles
    (:func:`~mmshuffle.deploy.steps.has_channel_shuffles`) and runs on
    more than one thread or on a batch; one image on one thread takes the
    default form untimed.

    Args:
        module (nn.Module): The model, prepared with the steps of its
            export but the form's.
        example (Tensor): The ``(N, C, H, W)`` input it is chosen for.

    Returns:
        bool: True where both forms are built and timed.
    """
    return ((torch.get_num_threads() > 1 or example.shape[0] > 1)
            and has_channel_shuffles(module))


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
    actual, expected = as_tuple(actual), as_tuple(expected)
    shapes = [tuple(t.shape) for t in actual]
    if shapes != [tuple(t.shape) for t in expected]:
        raise ValueError(f'outputs of shapes {shapes} where '
                         f'{[tuple(t.shape) for t in expected]} were '
                         'expected')
    return max((a.float() - e.float()).abs().max().item()
               for a, e in zip(actual, expected))


def _build(model: nn.Module, example: Tensor, backend: str,
           steps: Optional[Sequence[str]], tuple_output: bool,
           exports: Optional[Dict[Tuple[str, ...], bytes]] = None
           ) -> OptimizedModel:
    """Prepare the model and build one backend on it. ``exports`` holds
    the ONNX exports made so far, by steps, for the ONNX backends to
    share (default: none made)."""
    exports = {} if exports is None else exports
    if steps is None:
        steps = DEFAULT_STEPS[backend]
    if backend not in TORCH_BACKENDS:
        steps = [step for step in steps if step != 'channels_last']
    channels_last = 'channels_last' in steps
    module = prepare(model, steps)
    if channels_last:
        example = example.contiguous(memory_format=torch.channels_last)
    if backend in ONNX_RUNNERS:
        onnx_requirements(backend)
        if tuple(steps) not in exports:
            exports[tuple(steps)] = export_onnx(module, example)
        runner = onnx_runner(backend, exports[tuple(steps)])
    else:
        runner = BACKENDS[backend](module, example)
    return OptimizedModel(runner, backend, steps, channels_last, tuple_output,
                          onnx=getattr(runner, 'onnx', None))


def optimize(model: nn.Module,
             example_inputs: Union[Tensor, Sequence[Tensor]],
             backend: str = DEFAULT_BACKEND,
             steps: Optional[Sequence[str]] = None,
             atol: float = 1e-4,
             precision: str = 'fp32') -> OptimizedModel:
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
            one such tensor; ``'auto'`` and ``'fastest'`` choose the
            backend for this shape, batch size included (the fastest on
            one image need not be the fastest on 32), and on a batch
            whether ONNX Runtime or OpenVINO run it in chunks
            (:data:`CHUNKED_BACKENDS`, :func:`chunk_sizes`; on more than
            one thread where they save :data:`CHUNK_MARGIN` of the whole
            run's time). Other batch
            and image sizes work too (ONNX Runtime's export keeps them
            dynamic; the ``inductor`` backend compiles again for each new
            shape).
        backend (str): ``'auto'`` (the default): the backend remembered
            for this model on this machine, or, the first time, the fastest
            of :data:`AUTO_BACKENDS` that are installed, timed on
            ``example_inputs`` and remembered
            (:mod:`mmshuffle.deploy.backend_choice`); ``'fastest'``: each
            installed backend built and timed, every call (interleaved
            medians, at torch's thread count: a benchmark's 15 rounds of
            5 calls on one image, ``'auto'``'s rounds on a batch); or one
            backend:
            ``'onnxruntime'``, ``'openvino'``, ``'inductor'``
            (torch.compile with frozen weights; it compiles anew, for
            tens of seconds, for each model and shape), ``'torchscript'``,
            ``'eager'``.
        steps (Sequence[str], optional): The steps of :data:`STEPS` to take
            before the backend. Defaults to None, meaning the backend's
            entry in :data:`DEFAULT_STEPS` (with ``'auto'`` or
            ``'fastest'`` on more than one thread or on a batch,
            OpenVINO's plus the faster of :data:`SHUFFLE_FORMS`).
        atol (float): The largest absolute difference from the model's
            outputs accepted on ``example_inputs``, scaled by the largest
            output magnitude where that exceeds 1. Defaults to 1e-4.
        precision (str): ``'fp32'`` (the default, exact to ``atol``) or
            ``'bf16'``: the model in bfloat16 on the CPU's bf16 units
            with OpenVINO (backend ``'openvino-bf16'``), checked only for
            finite outputs of the right shapes; judge it by its accuracy
            on data, as ``tools/deployment/quantize.py --precision bf16``
            does. On a batch ``'auto'`` times it whole and in chunks
            (:func:`chunk_sizes`) and remembers the faster.

    Returns:
        OptimizedModel: The callable; ``.backend``, ``.steps`` and
        ``.chunk_size`` say what it runs, ``.timings`` the seconds per call
        of each candidate where ``'auto'`` or ``'fastest'`` timed them now
        (None otherwise).

    Raises:
        TypeError: If ``model`` is not a module, ``example_inputs`` holds
            no tensor, or the model returns something else than a tensor or
            a tuple of tensors.
        ValueError: If ``backend`` or a step is unknown, or the input is
            not an ``(N, C, H, W)`` float tensor.
        ImportError: If the backend needs a package that is missing.
        UnsupportedPrecisionError: If ``precision`` is ``'bf16'`` and the
            CPU has no bf16 units, or a backend other than OpenVINO is
            asked for.
        RuntimeError: If the optimised outputs differ from the model's.
    """
    if not isinstance(model, nn.Module):
        raise TypeError('model must be a torch.nn.Module, got '
                        f'{type(model).__name__}')
    if backend not in (*BACKENDS, AUTO, FASTEST):
        raise ValueError('backend must be one of '
                         f'{(*BACKENDS, AUTO, FASTEST)}, got {backend!r}')
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {PRECISIONS}, got '
                         f'{precision!r}')
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
    chunkable = (not isinstance(reference_module, DetectorGraph)
                 and all(t.dim() > 0 and len(t) == len(example)
                         for t in as_tuple(expected)))
    if precision == 'bf16':
        optimized = _bf16(model, example, backend, steps, tuple_output)
        if backend == AUTO and chunkable:
            optimized = _bf16_in_chunks(optimized, reference_module, example)
        _check_bf16(optimized, example, expected,
                    isinstance(reference_module, DetectorGraph))
        return optimized
    if backend in (AUTO, FASTEST):
        optimized = _fastest(
            model, example, steps, tuple_output, reference_module,
            AUTO_BACKENDS if backend == AUTO else tuple(BACKENDS),
            remember=backend == AUTO, chunkable=chunkable)
    else:
        optimized = _build(model, example, backend, steps, tuple_output)
    if isinstance(reference_module, DetectorGraph):
        _check_detections(optimized, example, expected)
        return optimized
    diff = max_abs_diff(optimized(example), expected)
    scale = max(1.0, max(t.abs().max().item() for t in as_tuple(expected)))
    if not diff <= atol * scale:
        raise RuntimeError(
            f'optimize: the {optimized.backend} backend with steps '
            f'{optimized.steps} gives outputs that differ from the model\'s '
            f'by up to {diff:.3g} (allowed: {atol * scale:.3g}); try another '
            'backend or fewer steps')
    return optimized


def _check_bf16(optimized: OptimizedModel, example: Tensor,
                expected: Outputs, detector: bool) -> None:
    """Check that the bf16 model gives finite outputs, of the model's
    shapes where they are fixed (a detector's box count varies); its
    accuracy is for the caller to check on data, as the tools do."""
    actual = as_tuple(optimized(example))
    shapes = [tuple(t.shape) for t in actual]
    expected_shapes = [tuple(t.shape) for t in as_tuple(expected)]
    if not detector and shapes != expected_shapes:
        raise RuntimeError(f'optimize: the bf16 model gives outputs of '
                           f'shapes {shapes}, the model {expected_shapes}')
    if not all(torch.isfinite(t).all() for t in actual
               if t.is_floating_point()):
        raise RuntimeError('optimize: the bf16 model gives non-finite '
                           'outputs')


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
             steps: Optional[Sequence[str]], tuple_output: bool,
             reference_module: nn.Module, backends: Sequence[str],
             remember: bool, chunkable: bool) -> OptimizedModel:
    """The fastest of ``backends`` that are installed (the ONNX ones built
    on one export), timed here; with ``remember``, the one remembered for
    this model on this machine, or the fastest, timed once and remembered
    (:mod:`mmshuffle.deploy.backend_choice`). With the default steps, on
    more than one thread or on a batch, OpenVINO's export of a model with
    channel shuffles takes the faster of :data:`SHUFFLE_FORMS`, chosen the
    same way. Where the model is ``chunkable`` (its outputs lead with the
    batch), :data:`CHUNKED_BACKENDS` are also timed running the batch in
    chunks of each of :func:`chunk_sizes` (e.g. ``'openvino in chunks of
    4'``), on the backend built for the whole batch, and the fastest of
    them taken where it saves :func:`chunk_margin` of the fastest whole
    backend's time."""
    exports: Dict[Tuple[str, ...], bytes] = {}
    key = model_key(reference_module, example)
    timing = _choice_timing(example, remember)

    def choose(prefix: str,
               names: Sequence[str],
               build: Callable[[str], OptimizedModel],
               whole: Sequence[str] = ()) -> OptimizedModel:
        if not remember:
            return fastest(names, build, example, whole, chunk_margin(),
                           **timing)
        return remembered_or_fastest(prefix + key, names, build, example,
                                     whole, chunk_margin(), **timing)

    def build_form(form: str) -> OptimizedModel:
        return _build(model, example, 'openvino',
                      (*DEFAULT_STEPS['openvino'], *SHUFFLE_FORMS[form]),
                      tuple_output, exports)

    def build_backend(name: str) -> OptimizedModel:
        if (name != 'openvino' or steps is not None
                or not times_shuffle_forms(reference_module, example)):
            return _build(model, example, name, steps, tuple_output, exports)
        chosen = choose('OpenVINO shuffles ', tuple(SHUFFLE_FORMS),
                        build_form)
        chosen.timings = None  # the forms', not the backends'
        return chosen

    candidates = _chunk_candidates(
        backends, CHUNKED_BACKENDS if chunkable else (), len(example))
    built: Dict[str, OptimizedModel] = {}

    def build(candidate: str) -> OptimizedModel:
        name, chunk_size = candidates[candidate]
        if name not in built:
            built[name] = build_backend(name)
        return built[name].in_chunks(chunk_size)

    return choose('', tuple(candidates), build, backends)


def require_bf16() -> None:
    """Check that the bf16 path can run here: OpenVINO (with the exporter)
    is installed and the CPU has bf16 units.

    Raises:
        ImportError: If openvino, onnx or onnxscript is missing.
        UnsupportedPrecisionError: If the CPU has no bf16 units, or
            oneDNN's instruction-set cap leaves them out.
    """
    onnx_requirements('openvino')
    if not cpu_has_bf16():
        cap = onednn_cap_setting()
        capped = (f' allowed by {cap}'
                  if cap and any(flag in isa_flags()
                                 for flag in ('amx_bf16', 'avx512_bf16'))
                  else '')
        raise UnsupportedPrecisionError(
            f'this CPU ({cpu_model()}) has no bf16 units{capped} (AMX-BF16 '
            "or AVX-512 BF16): use precision='fp32', the exact path")


def _bf16(model: nn.Module, example: Tensor, backend: str,
          steps: Optional[Sequence[str]],
          tuple_output: bool) -> OptimizedModel:
    """The model in bfloat16 with OpenVINO, on a CPU with bf16 units."""
    if backend not in (AUTO, 'openvino'):
        raise UnsupportedPrecisionError(
            f"precision 'bf16' runs on the 'openvino' backend, not on "
            f'{backend!r}: leave backend at its default')
    require_bf16()
    steps = LOW_PRECISION_STEPS if steps is None else steps
    module = prepare(model, [step for step in steps
                             if step != 'channels_last'])
    onnx = export_onnx(module, example)
    runner = openvino_runner(onnx, 'bf16')
    return OptimizedModel(runner, BF16_BACKEND, steps, False, tuple_output,
                          onnx=onnx, float_precision='bf16')


def _bf16_in_chunks(bf16: OptimizedModel, reference_module: nn.Module,
                    example: Tensor) -> OptimizedModel:
    """On a batch, the bf16 model whole or in chunks
    (:func:`chunk_sizes`), whichever is remembered for this model and
    machine, or the fastest (chunks where they save :func:`chunk_margin`
    of the whole run's time), timed once and remembered; at batch 1 (or 2)
    the model as it is."""
    candidates = _chunk_candidates((BF16_BACKEND, ), (BF16_BACKEND, ),
                                   len(example))
    if len(candidates) == 1:
        return bf16
    return remembered_or_fastest(
        'bf16 ' + model_key(reference_module, example), tuple(candidates),
        lambda name: bf16.in_chunks(candidates[name][1]), example,
        (BF16_BACKEND, ), chunk_margin(), **AUTO_BATCH_TIMING)
