"""Export a model as ONNX, TorchScript, a ``torch.export`` program or
ncnn's files for phones, and check the export against PyTorch.

The exported graph maps a float image batch ``(N, 3, H, W)``, already
normalised as the config's ``data_preprocessor`` does, to the head's
pre-softmax scores: ``model(x, mode='tensor')`` of mmpretrain's
``ImageClassifier``.
"""
import contextlib
import os
import warnings
from pathlib import Path
from typing import Callable, Dict, Iterator, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor, nn

from ..errors import ExportError, ExportVerificationError, UserInputError
from .ncnn_export import bin_path, export_ncnn, ncnn_runner
from .onnx_session import export_onnx, session_runner
from .runtime import TensorForward

EXPORT_FORMATS = ('onnx', 'torchscript', 'exported-program', 'ncnn')
# The file suffix of each format, for the default output file.
SUFFIXES = {
    'onnx': '.onnx',
    'torchscript': '.pt',
    'exported-program': '.pt2',
    # ncnn's .param (and .bin beside it).
    'ncnn': '.ncnn.param',
    # tools/deployment/quantize.py's INT8 ONNX model.
    'int8-onnx': '.int8.onnx',
    # Its bf16 model: OpenVINO's .xml (and .bin beside it).
    'bf16-openvino': '.bf16.xml',
}
# The largest max abs difference from PyTorch an export may show.
TOLERANCE = 1e-4
# A dynamic batch is traced at EXPORT_BATCH (torch.export specialises a
# batch of 1) and checked at the others.
EXPORT_BATCH = 2
DYNAMIC_CHECK_BATCHES = (1, 3)


def check_exportable(module: nn.Module, example: Tensor) -> None:
    """Run the module once: it must give one tensor of scores.

    Args:
        module (nn.Module): The module to export.
        example (Tensor): The batch it will be traced with.

    Raises:
        ExportError: If the forward fails or gives anything else.
    """
    try:
        with torch.no_grad():
            out = module(example)
    except Exception as error:  # a model can raise anything on a shape
        raise ExportError(
            f'the model fails on a {tuple(example.shape)} batch: '
            f'{type(error).__name__}: {error}') from error
    if not isinstance(out, Tensor):
        raise ExportError(
            f"model(x, mode='tensor') gives a {type(out).__name__}, not a "
            'tensor of scores: export takes a classifier with a head '
            '(model.head in the config)')


@contextlib.contextmanager
def _quiet_jit() -> Iterator[None]:
    """Silence torch 2.14's deprecation warnings of ``torch.jit``."""
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', category=FutureWarning,
                                message=r'.*torch\.jit.*deprecated')
        yield


def export_module(module: nn.Module,
                  fmt: str,
                  path: Union[str, Path],
                  example: Tensor,
                  dynamic_batch: bool = False) -> None:
    """Export a module that maps one tensor to one tensor.

    Args:
        module (nn.Module): The module, in eval mode.
        fmt (str): One of :data:`EXPORT_FORMATS`.
        path (str | Path): The file to write.
        example (Tensor): An input to trace with.
        dynamic_batch (bool): Whether the batch dimension is dynamic
            (ONNX and exported programs; a TorchScript trace keeps the batch
            dynamic where the model's code does; ncnn runs one image at a
            time, of any size). Defaults to False.

    Raises:
        ValueError: For an unknown format.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f'format must be one of {EXPORT_FORMATS}, '
                         f'got {fmt!r}')
    if fmt == 'onnx':
        Path(path).write_bytes(
            export_onnx(module, example,
                        dynamic_batch=dynamic_batch, dynamic_size=False,
                        names=('input', 'scores')))
    elif fmt == 'torchscript':
        with _quiet_jit(), torch.no_grad():
            torch.jit.trace(module, example).save(str(path))
    elif fmt == 'ncnn':
        export_ncnn(module, example, Path(path))
    else:
        dynamic_shapes = (({
            0: torch.export.Dim('batch', min=1)
        }, ) if dynamic_batch else None)
        program = torch.export.export(module, (example, ),
                                      dynamic_shapes=dynamic_shapes)
        torch.export.save(program, str(path))


def load_export(fmt: str,
                path: Union[str, Path]) -> Callable[[Tensor], Tensor]:
    """Load an export to run it: onnxruntime for ONNX, ncnn's Python module
    for ncnn, ``torch.jit.load`` and ``torch.export.load`` for the others.

    Args:
        fmt (str): One of :data:`EXPORT_FORMATS`.
        path (str | Path): The exported file.

    Returns:
        callable: Maps an input tensor to the output tensor.
    """
    if fmt == 'onnx':
        run = session_runner(Path(path).read_bytes())
        return lambda x: run(x)[0]
    if fmt == 'ncnn':
        run = ncnn_runner(Path(path))
        return lambda x: run(x)[0]
    if fmt == 'torchscript':
        with _quiet_jit():
            return torch.jit.load(str(path), map_location='cpu')
    return torch.export.load(str(path)).module()


def verify_export(module: nn.Module,
                  fmt: str,
                  path: Union[str, Path],
                  inputs: Sequence[Tensor],
                  tolerance: float = TOLERANCE) -> Dict[int, float]:
    """Compare an export with the module on inputs.

    Args:
        module (nn.Module): The module that was exported.
        fmt (str): One of :data:`EXPORT_FORMATS`.
        path (str | Path): The exported file.
        inputs (Sequence[Tensor]): The batches to compare on.
        tolerance (float): The largest max abs difference allowed.
            Defaults to :data:`TOLERANCE`.

    Returns:
        dict[int, float]: The max abs difference at each batch size.

    Raises:
        ExportVerificationError: If an output has another shape or
            differs by more than ``tolerance``.
    """
    run = load_export(fmt, path)
    diffs = {}
    for x in inputs:
        with torch.no_grad():
            expected, got = module(x), run(x)
        if got.shape != expected.shape:
            raise ExportVerificationError(
                f'the {fmt} export gives shape {tuple(got.shape)} '
                f'for a {tuple(x.shape)} batch; PyTorch gives '
                f'{tuple(expected.shape)}')
        diff = (got - expected).abs().max().item()
        diffs[len(x)] = diff
        if not diff <= tolerance:  # NaN fails too
            raise ExportVerificationError(
                f'the {fmt} export differs from PyTorch at batch '
                f'{len(x)}: max abs diff {diff:.3g} > tolerance '
                f'{tolerance:g}')
    return diffs


def export_and_verify(model: nn.Module,
                      fmt: str,
                      out: Union[str, Path],
                      shape: Tuple[int, int] = (224, 224),
                      dynamic_batch: bool = False,
                      tolerance: float = TOLERANCE,
                      seed: int = 0) -> Dict[int, float]:
    """Export ``model(x, mode='tensor')`` and check it on random batches.

    The export is written beside ``out`` and renamed to it once checked, so
    a failed export never replaces a file.

    Args:
        model (nn.Module): An MMEngine classifier, in eval mode.
        fmt (str): One of :data:`EXPORT_FORMATS`.
        out (str | Path): The file to write.
        shape (tuple[int, int]): Height and width of the input.
            Defaults to (224, 224).
        dynamic_batch (bool): Whether the batch dimension is dynamic; it is
            then checked at batches :data:`DYNAMIC_CHECK_BATCHES`, else at
            1. Defaults to False.
        tolerance (float): The largest max abs difference allowed.
            Defaults to :data:`TOLERANCE`.
        seed (int): Seed of the random batches. Defaults to 0.

    Returns:
        dict[int, float]: The max abs difference at each batch size.

    Raises:
        ExportError: If the model does not give one tensor of scores.
        ExportVerificationError: If the export differs from PyTorch.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f'format must be one of {EXPORT_FORMATS}, '
                         f'got {fmt!r}')
    module = TensorForward(model).eval()
    generator = torch.Generator().manual_seed(seed)
    batches = DYNAMIC_CHECK_BATCHES if dynamic_batch else (1, )
    example_batch = EXPORT_BATCH if dynamic_batch else 1
    example, *inputs = (
        torch.randn(n, 3, *shape, generator=generator)
        for n in (example_batch, ) + batches)
    check_exportable(module, example)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f'.{os.getpid()}.partial.{out.name}')
    # ncnn's weights lie beside its .param.
    files = {partial: out}
    if fmt == 'ncnn':
        files[bin_path(partial)] = bin_path(out)
    try:
        export_module(module, fmt, partial, example, dynamic_batch)
        try:
            diffs = verify_export(module, fmt, partial, inputs, tolerance)
        except ExportVerificationError as error:
            raise ExportVerificationError(
                f'{error}; {out} was not written') from None
        for staged, final in files.items():
            os.replace(staged, final)
    finally:
        for staged in files:
            if staged.exists():
                staged.unlink()
    return diffs


def default_export_path(checkpoint: Union[str, Path],
                        fmt: str,
                        out: Optional[Union[str, Path]] = None) -> Path:
    """The file to export to: ``out``, else the checkpoint's path with the
    format's suffix (``epoch_30.pth`` -> ``epoch_30.onnx``).

    Args:
        checkpoint (str | Path): The checkpoint exported.
        fmt (str): A key of :data:`SUFFIXES`: one of :data:`EXPORT_FORMATS`,
            or ``'int8-onnx'`` or ``'bf16-openvino'``.
        out (str | Path, optional): ``--out``. Defaults to None.

    Returns:
        Path: The file.

    Raises:
        UserInputError: If the file is the checkpoint itself, or an
            exported program's file does not end in ``.pt2``.
    """
    path = Path(out) if out else Path(checkpoint).with_suffix(SUFFIXES[fmt])
    if path.resolve() == Path(checkpoint).resolve():
        raise UserInputError(f'--out {path} is the checkpoint: give the '
                             'export another file name')
    if fmt == 'ncnn' and path.suffix != '.param':
        raise UserInputError(
            f'--out {path}: an ncnn model is a .param file (its weights go '
            f'to the .bin beside it), e.g. {path.with_suffix(".param")}')
    if fmt == 'exported-program' and path.suffix != '.pt2':
        raise UserInputError(
            f'--out {path}: an exported program must be a .pt2 file '
            '(torch.export.save and torch.export.load expect one), e.g. '
            f'{path.with_suffix(".pt2")}')
    return path
