"""Backends: turn an inference module into a fast callable.

Each backend takes a module whose ``forward(x)`` returns a tensor or a
tuple of tensors, in eval mode, and an example input in the layout the
callable will be given; it returns a callable that takes such a tensor and
returns a tensor or a list of tensors. docs/benchmarks.md times each
(``tools/analysis_tools/deploy_speed.py``).
"""
import warnings
from typing import Callable, Dict, Sequence, Union

import torch
from torch import Tensor, nn

from .onnx_session import export_onnx, require_onnxruntime, session_runner
from .openvino_session import openvino_runner, require_openvino

Outputs = Union[Tensor, Sequence[Tensor]]
Runner = Callable[[Tensor], Outputs]


def eager(module: nn.Module, example: Tensor) -> Runner:
    """Run the module as it is.

    Args:
        module (nn.Module): The inference module.
        example (Tensor): An input (unused).

    Returns:
        Callable: The module.
    """
    return module


def torchscript(module: nn.Module, example: Tensor) -> Runner:
    """Trace, freeze and optimise for inference with TorchScript.

    ``torch.jit.freeze`` inlines the weights as constants;
    ``torch.jit.optimize_for_inference`` then fuses convolutions with their
    activations and adds, for the CPU.

    Args:
        module (nn.Module): The inference module.
        example (Tensor): The input to trace with; the trace is fixed to its
            layout, not to its batch size.

    Returns:
        Callable: The frozen ``torch.jit.ScriptModule``.
    """
    with torch.no_grad(), warnings.catch_warnings():
        # TorchScript is deprecated in favour of torch.compile, and warns so
        # at each call; the tracer warns that the layout tests of the
        # shuffles are fixed in the trace, which they are meant to be.
        warnings.simplefilter('ignore', FutureWarning)
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        traced = torch.jit.trace(module, example, check_trace=False)
        frozen = torch.jit.freeze(traced.eval())
        return torch.jit.optimize_for_inference(frozen)


def inductor(module: nn.Module, example: Tensor) -> Runner:
    """Compile with ``torch.compile`` and inductor, weights frozen.

    Freezing (``torch._inductor.config.freezing``, off by default) folds the
    weights into the graph as constants and lets inductor pre-pack them for
    oneDNN. It is passed as a compile option, so the global setting stays as
    it is. The compilation happens here, on ``example``; another input
    shape compiles again on its first call.

    Inductor's FX graph cache is off for this compilation: it keeps the
    pre-packed weights, in the layout oneDNN chose for the kernels of the
    process that compiled, and its key does not hold that choice
    (``ONEDNN_MAX_CPU_ISA``, ``ATEN_CPU_CAPABILITY``). A graph cached by a
    process on AVX-512 kernels and loaded by one on AVX2 kernels computes
    garbage or corrupts memory.

    Args:
        module (nn.Module): The inference module.
        example (Tensor): The input to compile for.

    Returns:
        Callable: The compiled module.
    """
    compiled = torch.compile(
        module, options={'freezing': True, 'fx_graph_cache': False})
    with torch.no_grad():
        compiled(example)
    return compiled


def onnx_requirements(backend: str) -> None:
    """Check that an ONNX backend's runtime and the exporter import.

    Args:
        backend (str): A key of :data:`ONNX_RUNNERS`.

    Raises:
        ImportError: If the runtime, onnx or onnxscript is missing.
    """
    if backend == 'openvino':
        require_openvino("the 'openvino' backend")
    require_onnxruntime(f'the {backend!r} backend')


def _onnx_backend(backend: str) -> Callable[[nn.Module, Tensor], Runner]:
    """The backend that exports the module and runs the export with one of
    :data:`ONNX_RUNNERS`."""

    def build(module: nn.Module, example: Tensor) -> Runner:
        onnx_requirements(backend)
        return onnx_runner(backend, export_onnx(module, example))

    build.__doc__ = (f'Export to ONNX (dynamic batch and image size) and '
                     f'run it with {backend}; see :data:`ONNX_RUNNERS`.')
    return build


def onnx_runner(backend: str, onnx: bytes) -> Runner:
    """Run an ONNX export with one of :data:`ONNX_RUNNERS`.

    Args:
        backend (str): A key of :data:`ONNX_RUNNERS`.
        onnx (bytes): The serialised model.

    Returns:
        Callable: A function from an ``(N, C, H, W)`` tensor to the list of
        the outputs; its ``onnx`` attribute is ``onnx``.
    """
    run = ONNX_RUNNERS[backend](onnx)
    run.onnx = onnx
    return run


# The backends that run the ONNX export, from the model bytes: ONNX
# Runtime (``ORT_ENABLE_ALL``, :mod:`mmshuffle.deploy.onnx_session`) and
# OpenVINO's CPU plugin at fp32 (:mod:`mmshuffle.deploy.openvino_session`).
ONNX_RUNNERS: Dict[str, Callable[[bytes], Runner]] = {
    'onnxruntime': session_runner,
    'openvino': openvino_runner,
}


BACKENDS: Dict[str, Callable[[nn.Module, Tensor], Runner]] = {
    'eager': eager,
    'torchscript': torchscript,
    'inductor': inductor,
    **{name: _onnx_backend(name) for name in ONNX_RUNNERS},
}
# Backends that run the module's own kernels, for which the memory layout
# of the weights and input matters; ONNX Runtime picks its own.
TORCH_BACKENDS = ('eager', 'torchscript', 'inductor')
