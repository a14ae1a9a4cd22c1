"""OpenVINO's CPU plugin on the ONNX export, as the deploy backends use it:
fp32, bf16 on the CPUs that have bf16 units (AMX, AVX-512 BF16), and INT8
quantised by NNCF."""
import contextlib
import io
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Callable,
    Dict,
    Iterator,
    List,
    Sequence,
    Tuple,
    Union,
)

import torch
from torch import Tensor

from ..compat.atomic_files import atomic_write
from .int8_concats import quantize_concats
from .machine import ONEDNN_CAP_VARIABLES, isa_flags, onednn_allows

if TYPE_CHECKING:
    import openvino

Runner = Callable[[Tensor], List[Tensor]]
# Our precision names and OpenVINO's inference precision hints.
PRECISIONS: Dict[str, str] = {'fp32': 'f32', 'bf16': 'bf16'}


def openvino_obeys_cap() -> bool:
    """Whether OpenVINO's CPU plugin is given oneDNN's instruction-set cap
    (:func:`~mmshuffle.deploy.machine.onednn_cap`): where none is set, or
    it keeps the CPU's vector width (an AVX-512 cap on a CPU with AVX-512,
    an AVX2 or wider one on a CPU with AVX2). The plugin picks some kernels
    of its own from the CPU and takes the rest from its copy of oneDNN,
    which obeys the cap: capped at AVX2 on a CPU with AVX-512 (as the tests
    run once on other kernels), it crashed running the shapes detector. A
    narrower cap is hidden from it (:func:`openvino_cap`): OpenVINO then
    runs the CPU's own kernels.

    Returns:
        bool: True where OpenVINO runs under the cap, if any.
    """
    flags = isa_flags()
    width = ('AVX512_CORE' if 'avx512f' in flags else
             'AVX2' if 'avx2' in flags else None)
    return width is None or onednn_allows(width)


def _openvino_allows(isa: str) -> bool:
    """Whether OpenVINO's kernels may use an instruction set of
    :data:`~mmshuffle.deploy.machine.ONEDNN_ISA_MASKS` that the CPU has:
    oneDNN's cap allows it, or OpenVINO does not obey the cap."""
    return not openvino_obeys_cap() or onednn_allows(isa)


@contextlib.contextmanager
def openvino_cap() -> Iterator[None]:
    """Within the block, OpenVINO's copy of oneDNN (which reads the cap
    the first time the plugin compiles in a process) sees oneDNN's cap
    only where it obeys it (:func:`openvino_obeys_cap`); PyTorch's oneDNN
    keeps the cap it read. Compile OpenVINO models inside it.

    Yields:
        None
    """
    hidden = ({} if openvino_obeys_cap() else
              {name: os.environ.pop(name) for name in ONEDNN_CAP_VARIABLES
               if name in os.environ})
    try:
        yield
    finally:
        os.environ.update(hidden)


def precision_hint(precision: str) -> str:
    """OpenVINO's inference precision hint for one of our precisions.

    Args:
        precision (str): ``'fp32'`` or ``'bf16'`` (:data:`PRECISIONS`).

    Returns:
        str: The hint, ``'f32'`` or ``'bf16'``.

    Raises:
        ValueError: If ``precision`` is unknown.
    """
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {tuple(PRECISIONS)}, '
                         f'got {precision!r}')
    return PRECISIONS[precision]


def require_openvino(what: str) -> None:
    """Check that OpenVINO imports.

    Args:
        what (str): What needs it, for the message.

    Raises:
        ImportError: If openvino is missing.
    """
    try:
        import openvino  # noqa: F401
    except ImportError as error:
        raise ImportError(f'{what} needs OpenVINO: pip install openvino '
                          '(or pip install "mmshuffle[openvino]")') from error


def cpu_has_bf16() -> bool:
    """Whether this CPU computes in bf16 natively, as OpenVINO's CPU plugin
    reports it (``'BF16'`` in its ``OPTIMIZATION_CAPABILITIES``: AMX-BF16
    or AVX-512 BF16), and, where OpenVINO obeys oneDNN's instruction-set
    cap (:func:`openvino_obeys_cap`), the cap lets its kernels use them
    (``AVX512_CORE_BF16`` or above). The plugin reports what the CPU has
    whatever the cap.

    Returns:
        bool: True where the bf16 path runs on the CPU's own bf16 units.

    Raises:
        ImportError: If openvino is missing.
    """
    require_openvino('the bf16 check')
    import openvino as ov
    with openvino_cap():
        capabilities = ov.Core().get_property('CPU',
                                              'OPTIMIZATION_CAPABILITIES')
    return 'BF16' in capabilities and _openvino_allows('AVX512_CORE_BF16')


def openvino_runner(model: Union[bytes, 'openvino.Model'],
                    precision: str = 'fp32') -> Runner:
    """Compile a model with OpenVINO's CPU plugin and wrap it as a
    function.

    The plugin is set for latency: one stream, as many threads as torch
    (``torch.get_num_threads()``), and the inference precision asked for
    (OpenVINO would pick bf16 by itself on a CPU with bf16 units). Each
    input shape gets its own compilation, made on its first call: the CPU
    plugin runs a model of static shapes faster than one of dynamic shapes.

    Args:
        model (bytes | openvino.Model): A serialised ONNX model of one
            input, or an OpenVINO model (e.g. NNCF's INT8 one).
        precision (str): ``'fp32'`` or ``'bf16'`` (:data:`PRECISIONS`): the
            precision of the float layers. Defaults to ``'fp32'``.

    Returns:
        Callable: A function from an input tensor to the list of the
        outputs, float32 (or the model's integer outputs).

    Raises:
        ImportError: If openvino is missing.
        ValueError: If ``precision`` is unknown.
    """
    hint = precision_hint(precision)
    require_openvino(f'the OpenVINO {precision} backend')
    import openvino as ov
    core = ov.Core()
    dynamic = core.read_model(model) if isinstance(model, bytes) else model
    config = {
        'INFERENCE_NUM_THREADS': torch.get_num_threads(),
        'NUM_STREAMS': 1,
        'PERFORMANCE_HINT': 'LATENCY',
        'INFERENCE_PRECISION_HINT': hint,
    }
    requests: Dict[Tuple[int, ...], Callable] = {}

    def compiled_for(shape: Tuple[int, ...]) -> Callable:
        if shape not in requests:
            static = dynamic.clone()
            static.reshape({static.inputs[0]: list(shape)})
            with openvino_cap():
                requests[shape] = core.compile_model(
                    static, 'CPU', config).create_infer_request()
        return requests[shape]

    def run(x: Tensor) -> List[Tensor]:
        request = compiled_for(tuple(x.shape))
        # The plugin reads the input where it lies (no copy), bound as the
        # request's input: a little faster than infer([x]), which also
        # wraps the outputs in a new dict each call (docs/deployment.md).
        # The outputs are copied out of its buffers, which the next call
        # overwrites.
        request.set_input_tensor(
            ov.Tensor(x.detach().contiguous().numpy(), shared_memory=True))
        request.infer()
        return [
            torch.from_numpy(request.get_output_tensor(index).data.copy())
            for index in range(len(request.model_outputs))
        ]

    return run


def quantize_with_nncf(model: bytes,
                       calibration: Sequence[Tensor]) -> 'openvino.Model':
    """Quantise an ONNX model to INT8 with NNCF's post-training
    quantisation for OpenVINO (its defaults: symmetric INT8 weights per
    channel, activations per tensor, min-max ranges on the images given):
    every convolution and matrix product, the grouped ones (depthwise,
    ShuffleNet V1's grouped 1x1) too.

    The ONNX model is converted with ``openvino.convert_model``, which folds
    constant subgraphs: a grouped convolution's weights reach OpenVINO
    through a reshape (ONNX's ``(C_out, C_in / groups, kH, kW)`` to its
    ``(groups, C_out / groups, C_in / groups, kH, kW)``), and with the
    reshape left in the graph (``Core.read_model``) NNCF put its weight
    quantiser after it, where the CPU plugin did not take it as INT8
    weights: it ran those convolutions in float on fake-quantised inputs,
    slower than float ones (docs/deployment.md). ShuffleNet V2's
    concatenations are then quantised on their inputs
    (:func:`~mmshuffle.deploy.int8_concats.quantize_concats`), so that its
    units pass ``u8`` values on. The layers left float (the input's
    quantisation) run in fp32 or bf16
    (:func:`openvino_runner`'s ``precision``), whichever is the faster on
    the CPU (:func:`mmshuffle.deploy.quantize` times both).

    Args:
        model (bytes): The serialised fp32 ONNX model.
        calibration (Sequence[Tensor]): Batches of input images.

    Returns:
        openvino.Model: The INT8 model, its batch and image size dynamic as
        the export's.

    Raises:
        ImportError: If openvino or nncf is missing.
    """
    require_openvino('OpenVINO INT8')
    # NNCF imports torch's C++ extension builder, which warns that this
    # CUDA build of torch finds no CUDA.
    logging.getLogger('torch.utils.cpp_extension').setLevel(logging.ERROR)
    try:
        import nncf
    except ImportError as error:
        raise ImportError('OpenVINO INT8 needs NNCF: pip install nncf (or '
                          'pip install "mmshuffle[openvino]")') from error
    import openvino as ov
    fp32 = ov.convert_model(io.BytesIO(model))
    batches = [batch.numpy() for batch in calibration]
    # NNCF draws progress bars on stdout, which the tools' output is.
    with warnings.catch_warnings(), contextlib.redirect_stdout(
            io.StringIO()), openvino_cap():
        warnings.simplefilter('ignore')
        nncf.set_log_level(logging.ERROR)
        return quantize_concats(
            nncf.quantize(fp32, nncf.Dataset(batches),
                          subset_size=len(batches)))


def save_openvino_model(model: Union[bytes, 'openvino.Model'], path: Path,
                        precision: str) -> None:
    """Write a model as an OpenVINO model (``.xml`` and its ``.bin``)
    whose float layers compile at ``precision`` by themselves: the
    precision is written into the model as its inference precision hint (a
    runtime option), so that ``openvino.Core().compile_model(path, 'CPU')``
    runs it so. Float weights stay float32. Both files are written
    atomically.

    Args:
        model (bytes | openvino.Model): A serialised ONNX model, or an
            OpenVINO model (e.g. NNCF's INT8 one).
        path (Path): The ``.xml`` file; the ``.bin`` goes beside it.
        precision (str): ``'fp32'`` or ``'bf16'``.

    Raises:
        ImportError: If openvino is missing.
        ValueError: If ``precision`` is unknown or ``path`` does not end in
            ``.xml``.
    """
    hint = precision_hint(precision)
    if path.suffix != '.xml':
        raise ValueError(f'an OpenVINO model is a .xml file, got {path}')
    require_openvino('writing an OpenVINO model')
    import openvino as ov
    converted = (ov.Core().read_model(model) if isinstance(model, bytes)
                 else model.clone())
    converted.set_rt_info(hint,
                          ['runtime_options', 'INFERENCE_PRECISION_HINT'])
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as work:
        staged = Path(work) / 'model.xml'
        ov.save_model(converted, str(staged), compress_to_fp16=False)
        atomic_write(staged.with_suffix('.bin').read_bytes(),
                     path.with_suffix('.bin'))
        atomic_write(staged.read_bytes(), path)
