"""Post-training static INT8 quantisation, run by ONNX Runtime or
OpenVINO, whichever is faster on the machine.

``quantize(model, calibration_data)`` prepares the model as the fp32
ONNX backends do (batch norms folded, branch channels padded, shortcut
pools as convolutions), exports it to ONNX, and quantises the export,
calibrated on the given images, two ways:

- ONNX Runtime's static quantisation (:func:`quantize_to_onnx`): INT8
  convolutions and matrix products in QDQ format, weights signed and per
  output channel, activations unsigned and per tensor, min-max ranges;
- NNCF's post-training quantisation for OpenVINO
  (:func:`~mmshuffle.deploy.openvino_session.quantize_with_nncf`): every
  convolution INT8, the depthwise and grouped ones too, and ShuffleNet
  V2's concatenations (:mod:`mmshuffle.deploy.int8_concats`); where the
  CPU has bf16 units, the layers left float run in fp32 or bf16, whichever ran
  faster on this model here (timed once and remembered, as below); its
  export also folds ShuffleNet V2's channel shuffles into the weights
  (``fold_shuffles``, as OpenVINO's bf16 model does), and those that stay
  (ShuffleNet V1's) take the faster of their two forms on more than one
  thread, as ``optimize``'s fp32 OpenVINO model does
  (:func:`~mmshuffle.deploy.optimize.times_shuffle_forms`).

By default (``backend='auto'``) both are built and timed on the first
calibration image the first time, and the faster is kept and remembered
for this model and CPU (:mod:`mmshuffle.deploy.backend_choice`): the two
runtimes' INT8 kernels (VNNI, AMX) differ in speed from CPU to CPU. A
detector's box decoding and NMS stay float either way.

Both were faster than PyTorch's own route, PT2E with torchao's
``X86InductorQuantizer`` and inductor; PyTorch's default ``x86``
quantized engine runs INT8 depthwise convolutions far slower than
``onednn``. The times are in docs/benchmarks.md
(``tools/analysis_tools/benchmark.py``).
"""
import tempfile
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from .backend_choice import model_key, remembered_or_fastest
from .detector import is_detector
from .onnx_session import export_onnx, require_onnxruntime, session_runner
from .openvino_session import (
    PRECISIONS,
    cpu_has_bf16,
    openvino_runner,
    quantize_with_nncf,
)
from .optimize import (
    AUTO,
    AUTO_TIMING,
    DEFAULT_STEPS,
    LOW_PRECISION_STEPS,
    SHUFFLE_FORMS,
    times_shuffle_forms,
)
from .runtime import OptimizedModel, inference_module
from .steps import prepare

# The INT8 runtimes, by the backend name of what quantize returns.
INT8_BACKENDS = {
    'onnxruntime': 'onnxruntime-int8',
    'openvino': 'openvino-int8',
}
INT8_BACKEND = INT8_BACKENDS['onnxruntime']
# The steps each INT8 runtime's export takes by default: ONNX Runtime's
# those of its fp32 backend, OpenVINO's those of its bf16 model.
INT8_STEPS = {
    'onnxruntime': DEFAULT_STEPS['onnxruntime'],
    'openvino': LOW_PRECISION_STEPS,
}


def _int8_steps(runtime: str,
                steps: Optional[Sequence[str]]) -> Tuple[str, ...]:
    """The steps a runtime's INT8 export takes: ``steps`` where given,
    else the runtime's :data:`INT8_STEPS`."""
    return tuple(INT8_STEPS[runtime] if steps is None else steps)


def _calibration_batches(calibration_data: Iterable[Tensor]) -> List[Tensor]:
    """Collect and check the calibration batches."""
    if isinstance(calibration_data, Tensor):
        calibration_data = [calibration_data]
    batches = []
    for index, batch in enumerate(calibration_data):
        if not (isinstance(batch, Tensor) and batch.dim() == 4
                and batch.is_floating_point()):
            described = (f'shape {tuple(batch.shape)}, dtype {batch.dtype}'
                         if isinstance(batch, Tensor) else
                         type(batch).__name__)
            raise ValueError(
                'calibration_data must give float (N, C, H, W) image '
                f'tensors, got {described} at batch {index}')
        batches.append(batch.detach().float().contiguous())
    if not batches:
        raise ValueError('calibration_data gave no batches: INT8 ranges '
                         'are calibrated on images, give at least one batch')
    return batches


def quantize_to_onnx(model: nn.Module,
                     calibration_data: Iterable[Tensor],
                     steps: Optional[Sequence[str]] = None,
                     reduce_range: bool = False,
                     fp32_onnx: Optional[bytes] = None) -> bytes:
    """Quantise a model to an INT8 ONNX model, calibrated on images.

    Args:
        model (nn.Module): An MMEngine model (its ``mode='tensor'`` forward
            is taken), an MMDetection detector (its
            :class:`~mmshuffle.deploy.detector.DetectorGraph`: only its
            convolutions and matrix products are quantised, the box decoding
            and NMS stay float) or a backbone; it is quantised as in eval
            mode and not changed.
        calibration_data (Iterable[Tensor]): Batches of input images,
            ``(N, C, H, W)`` float tensors normalised as the model takes
            them (the output of its ``data_preprocessor``), e.g. a few
            hundred training images. A single tensor is one batch.
        steps (Sequence[str], optional): Steps of
            :data:`~mmshuffle.deploy.STEPS` taken before the export.
            Defaults to None, meaning those of the fp32 ONNX Runtime
            backend.
        reduce_range (bool): Quantise weights to 7 bits, for CPUs without
            AVX-512 VNNI or AVX-VNNI, whose u8 x s8 products can saturate.
            Defaults to False.
        fp32_onnx (bytes, optional): The model already exported with these
            steps (the ``onnx`` of :func:`~mmshuffle.deploy.optimize`'s
            ONNX Runtime backend), to quantise without exporting again.
            Defaults to None: exported here.

    Returns:
        bytes: The serialised INT8 ONNX model; its input and outputs are
        float32, as the model's.

    Raises:
        ImportError: If onnxruntime, onnx or onnxscript is missing.
        ValueError: If the calibration data holds no batch or something
            else than image tensors, or a step is unknown.
    """
    require_onnxruntime('INT8 quantisation')
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process
    batches = _calibration_batches(calibration_data)
    if fp32_onnx is None:
        fp32_onnx = _fp32_export(model, batches[0],
                                 _int8_steps('onnxruntime', steps))

    with tempfile.TemporaryDirectory() as work:
        fp32, ready, int8 = (Path(work) / name for name in (
            'fp32.onnx', 'ready.onnx', 'int8.onnx'))
        fp32.write_bytes(fp32_onnx)
        # Shape inference and graph clean-up, as ONNX Runtime advises
        # before quantising.
        quant_pre_process(str(fp32), str(ready), skip_symbolic_shape=True)
        import onnx
        input_name = onnx.load(str(ready)).graph.input[0].name

        class Reader(CalibrationDataReader):

            def __init__(self) -> None:
                self.batches = iter(batches)

            def get_next(self) -> Optional[dict]:
                batch = next(self.batches, None)
                return None if batch is None else {input_name: batch.numpy()}

        quantize_static(
            str(ready),
            str(int8),
            Reader(),
            # A detector's box decoding and NMS stay in float.
            op_types_to_quantize=(['Conv', 'Gemm', 'MatMul']
                                  if is_detector(model) else None),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            reduce_range=reduce_range)
        return int8.read_bytes()


def _fp32_export(model: nn.Module, example: Tensor,
                 steps: Sequence[str]) -> bytes:
    """The model prepared with ``steps`` and exported to ONNX."""
    return _export_prepared(prepare(model, steps), example)


def _export_prepared(module: nn.Module, example: Tensor) -> bytes:
    """A model prepared for export (:func:`~mmshuffle.deploy.steps.prepare`)
    exported to ONNX, in the contiguous layout."""
    return export_onnx(module.to(memory_format=torch.contiguous_format),
                       example)


def quantize(model: nn.Module,
             calibration_data: Iterable[Tensor],
             steps: Optional[Sequence[str]] = None,
             reduce_range: bool = False,
             fp32_onnx: Optional[bytes] = None,
             backend: str = AUTO) -> OptimizedModel:
    """Quantise a model to INT8 and return a fast CPU callable.

    The callable takes float32 images and returns float32 outputs, as the
    model's ``forward(x, mode='tensor')`` does (a backbone: its tuple of
    feature maps); they differ from the fp32 outputs by the quantisation
    error, so check the accuracy on held-out data (as
    ``tools/deployment/quantize.py`` does).

    Args:
        model (nn.Module): The model, see :func:`quantize_to_onnx`.
        calibration_data (Iterable[Tensor]): Batches of normalised input
            images, see :func:`quantize_to_onnx`.
        steps (Sequence[str], optional): Steps of
            :data:`~mmshuffle.deploy.STEPS` taken before the export.
            Defaults to None, meaning each runtime's entry in
            :data:`INT8_STEPS` (OpenVINO's plus the faster of
            :data:`~mmshuffle.deploy.optimize.SHUFFLE_FORMS` where
            :func:`~mmshuffle.deploy.optimize.times_shuffle_forms`).
        reduce_range (bool): See :func:`quantize_to_onnx` (ONNX Runtime).
        fp32_onnx (bytes, optional): See :func:`quantize_to_onnx`; with
            ``steps`` left at None, only ONNX Runtime's INT8 model is made
            from it, and OpenVINO's from its own export.
        backend (str): ``'auto'`` (the default: the faster of the two on
            this machine, timed once per model and CPU, see the module's
            docstring), ``'onnxruntime'`` or
            ``'openvino'`` (:data:`INT8_BACKENDS`).

    Returns:
        OptimizedModel: The callable, backend ``'onnxruntime-int8'`` (its
        ``onnx`` is the INT8 ONNX model, to save and deploy) or
        ``'openvino-int8'`` (its ``openvino_model`` is the INT8 OpenVINO
        model, its ``float_precision`` that of the float layers);
        ``timings`` holds the seconds per call of both where they were
        timed.

    Raises:
        ImportError: If onnxruntime, onnx or onnxscript is missing, or
            OpenVINO or NNCF where ``backend='openvino'``.
        ValueError: If the calibration data holds no batch or something
            else than image tensors, a step or the backend is unknown.
    """
    if backend not in (AUTO, *INT8_BACKENDS):
        raise ValueError(f'backend must be one of {(AUTO, *INT8_BACKENDS)}, '
                         f'got {backend!r}')
    require_onnxruntime('INT8 quantisation')
    batches = _calibration_batches(calibration_data)
    with torch.no_grad():
        tuple_output = not isinstance(prepare(model, ())(batches[0][:1]),
                                      Tensor)
    example = batches[0][:1]
    key = model_key(inference_module(model), example)
    # The prepared models and their fp32 exports, by steps.
    modules: Dict[Tuple[str, ...], nn.Module] = {}
    exports: Dict[Tuple[str, ...], bytes] = {}
    if fp32_onnx is not None:
        exports[_int8_steps('onnxruntime', steps)] = fp32_onnx

    def prepared(taken: Tuple[str, ...]) -> nn.Module:
        if taken not in modules:
            modules[taken] = prepare(model, taken)
        return modules[taken]

    def export(taken: Tuple[str, ...]) -> bytes:
        if taken not in exports:
            exports[taken] = _export_prepared(prepared(taken), batches[0])
        return exports[taken]

    def build_openvino(taken: Tuple[str, ...]) -> OptimizedModel:
        nncf_int8 = quantize_with_nncf(export(taken), batches)

        def compiled(precision: str) -> OptimizedModel:
            return OptimizedModel(openvino_runner(nncf_int8, precision),
                                  INT8_BACKENDS['openvino'], taken, False,
                                  tuple_output, openvino_model=nncf_int8,
                                  float_precision=precision)

        if not cpu_has_bf16():
            return compiled('fp32')
        chosen = remembered_or_fastest(
            f'INT8 float layers {"+".join(taken)} ' + key, tuple(PRECISIONS),
            compiled, example, **AUTO_TIMING)
        chosen.timings = None  # the precisions', not the backends'
        return chosen

    def build_form(form: str) -> OptimizedModel:
        return build_openvino((*INT8_STEPS['openvino'], *SHUFFLE_FORMS[form]))

    def build(name: str) -> OptimizedModel:
        taken = _int8_steps(name, steps)
        if name == 'onnxruntime':
            int8 = quantize_to_onnx(model, batches, taken, reduce_range,
                                    export(taken))
            return OptimizedModel(session_runner(int8), INT8_BACKENDS[name],
                                  taken, False, tuple_output, onnx=int8)
        if steps is not None or not times_shuffle_forms(
                prepared(taken), example):
            return build_openvino(taken)
        chosen = remembered_or_fastest('INT8 OpenVINO shuffles ' + key,
                                       tuple(SHUFFLE_FORMS), build_form,
                                       example, **AUTO_TIMING)
        chosen.timings = None  # the forms', not the backends'
        return chosen

    if backend != AUTO:
        return build(backend)
    return remembered_or_fastest('INT8 ' + key, tuple(INT8_BACKENDS), build,
                                 example, **AUTO_TIMING)
