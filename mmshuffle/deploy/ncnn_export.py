"""ncnn's model files for phones: the ONNX export converted by pnnx, and
run by ncnn's Python module to check it.

ncnn (Tencent) is the inference library that Android and iOS apps embed;
a model is a ``.param`` file (the layers) and a ``.bin`` file (the
weights). pnnx, ncnn's converter, reads the ONNX export: exported under
:func:`~mmshuffle.models.utils.plain_shuffles`, every channel shuffle
becomes one ``ShuffleChannel`` layer and every channel split a ``Slice``,
ncnn's own layers, rather than generic reshapes and transposes.
"""
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from typing import Callable, List

import numpy as np
import torch
from torch import Tensor, nn

from ..errors import ExportVerificationError
from ..models.utils import plain_shuffles
from .onnx_session import export_onnx


def require_ncnn(what: str) -> None:
    """Check that ncnn and pnnx import.

    Args:
        what (str): What needs them, for the message.

    Raises:
        ImportError: If ncnn or pnnx is missing.
    """
    try:
        import ncnn  # noqa: F401
        import pnnx  # noqa: F401
    except ImportError as error:
        raise ImportError(f'{what} needs ncnn and pnnx: pip install ncnn '
                          'pnnx (or pip install "mmshuffle[ncnn]")') from error


def bin_path(param: Path) -> Path:
    """The weights file beside a ``.param`` file.

    Args:
        param (Path): E.g. ``epoch_30.ncnn.param``.

    Returns:
        Path: E.g. ``epoch_30.ncnn.bin``.
    """
    return param.with_suffix('.bin')


def layer_counts(param: Path) -> Counter:
    """How many layers of each type an ncnn ``.param`` file holds.

    Args:
        param (Path): The file.

    Returns:
        Counter: Layer type to count, e.g. ``{'Convolution': 37, ...}``.
    """
    lines = param.read_text().splitlines()[2:]  # magic, then the counts
    return Counter(line.split()[0] for line in lines if line.strip())


def export_ncnn(module: nn.Module, example: Tensor, param: Path) -> None:
    """Convert a module of one input to ncnn's ``.param`` and ``.bin``.

    The module is exported to ONNX at the example's shape with its shuffles
    in the plain form, then converted by pnnx at fp32 (``fp16=0``). Each
    transpose of the export must become a ``ShuffleChannel`` layer: the
    file holds no generic ``Permute``.

    Args:
        module (nn.Module): The module, eval mode.
        example (Tensor): A ``(1, C, H, W)`` input; ncnn runs one image at a
            time and takes other sizes too.
        param (Path): The ``.param`` file to write; the ``.bin`` goes
            beside it (:func:`bin_path`).

    Raises:
        ImportError: If ncnn, pnnx, onnx or onnxscript is missing.
        ExportVerificationError: If pnnx fails, or a shuffle did not become
            a ``ShuffleChannel`` layer.
    """
    require_ncnn('the ncnn export')
    import onnx
    import pnnx
    with plain_shuffles():
        exported = export_onnx(module, example[:1], dynamic_batch=False,
                               dynamic_size=False)
    shuffles = sum(node.op_type == 'Transpose'
                   for node in onnx.load_from_string(exported).graph.node)
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / 'model.onnx'
        source.write_bytes(exported)
        shape = ','.join(map(str, example[:1].shape))
        converted = subprocess.run(
            [pnnx.EXEC_PATH, str(source), f'inputshape=[{shape}]', 'fp16=0',
             f'ncnnparam={param}', f'ncnnbin={bin_path(param)}',
             *(f'{name}={Path(work) / name}' for name in (
                 'pnnxparam', 'pnnxbin', 'pnnxpy', 'pnnxonnx', 'ncnnpy'))],
            cwd=work, capture_output=True, text=True)
    if converted.returncode != 0 or not param.exists():
        raise ExportVerificationError(
            f'pnnx could not convert the model (exit status '
            f'{converted.returncode}): {converted.stderr.strip()[-500:]}')
    layers = layer_counts(param)
    if layers['ShuffleChannel'] != shuffles or layers['Permute']:
        raise ExportVerificationError(
            f'{shuffles} channel shuffle(s) became '
            f"{layers['ShuffleChannel']} ShuffleChannel and "
            f"{layers['Permute']} Permute layer(s) in ncnn")


def ncnn_runner(param: Path) -> Callable[[Tensor], List[Tensor]]:
    """Load an ncnn model with ncnn's Python module, at fp32 (no fp16 or
    bf16 storage or arithmetic), one thread per torch thread.

    Args:
        param (Path): The ``.param`` file; the ``.bin`` lies beside it.

    Returns:
        Callable: A function from ``(N, C, H, W)`` images to the list of the
        outputs, each with the batch dimension first (ncnn runs the images
        one by one).

    Raises:
        ImportError: If ncnn is missing.
    """
    require_ncnn('running an ncnn model')
    import ncnn
    net = ncnn.Net()
    for option in ('use_fp16_storage', 'use_fp16_packed',
                   'use_fp16_arithmetic', 'use_bf16_storage'):
        setattr(net.opt, option, False)
    net.opt.num_threads = torch.get_num_threads()
    net.load_param(str(param))
    net.load_model(str(bin_path(param)))
    (input_blob, ) = net.input_names()
    output_blobs = net.output_names()

    def run(x: Tensor) -> List[Tensor]:
        per_image = []
        for image in x.detach().float().contiguous().numpy():
            # ncnn.Mat reads the array's memory, not a copy: the array
            # must outlive the extraction.
            image = np.ascontiguousarray(image)
            extractor = net.create_extractor()
            extractor.input(input_blob, ncnn.Mat(image))
            per_image.append([
                torch.from_numpy(np.array(extractor.extract(blob)[1]))
                for blob in output_blobs])
        return [torch.stack(images) for images in zip(*per_image)]

    return run
