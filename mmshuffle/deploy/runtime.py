"""What :func:`mmshuffle.deploy.optimize` wraps and what it returns."""
import copy
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModel
from torch import Tensor, nn

Outputs = Union[Tensor, Tuple[Tensor, ...]]


def as_tuple(outputs: Union[Outputs, List[Tensor]]) -> Tuple[Tensor, ...]:
    """A model's or a runner's outputs as a tuple of tensors.

    Args:
        outputs (Tensor | Sequence[Tensor]): One tensor, or several.

    Returns:
        tuple[Tensor]: The tensors.
    """
    return (outputs, ) if isinstance(outputs, Tensor) else tuple(outputs)


class TensorForward(nn.Module):
    """An MMEngine model whose ``forward(x)`` is ``model(x, mode='tensor')``.

    Tracers, compilers and exporters call ``forward`` with the input alone;
    an mmpretrain ``ImageClassifier`` needs ``mode='tensor'`` to return its
    logits.

    Args:
        model (BaseModel): The model, e.g. an mmpretrain classifier.
    """

    def __init__(self, model: BaseModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: Tensor) -> Outputs:
        """Return ``model(x, mode='tensor')``.

        Args:
            x (Tensor): The input images.

        Returns:
            Tensor | tuple[Tensor]: The model's tensor outputs.
        """
        return self.model(x, mode='tensor')


def inference_module(model: nn.Module) -> nn.Module:
    """Give a model a ``forward(x)`` that returns its tensor outputs.

    Args:
        model (nn.Module): An MMDetection detector (wrapped in a
            :class:`~mmshuffle.deploy.detector.DetectorGraph`: one image to
            boxes, scores and labels), another MMEngine model (wrapped in
            :class:`TensorForward`) or a plain module such as a backbone
            (returned as it is).

    Returns:
        nn.Module: The module to optimise.
    """
    from .detector import DetectorGraph, is_detector
    if is_detector(model):
        return DetectorGraph(model)
    if isinstance(model, BaseModel):
        return TensorForward(model)
    return model


class OptimizedModel:
    """A fast inference callable, as :func:`mmshuffle.deploy.optimize`
    returns it.

    It converts the input to the layout the backend was built for, runs
    the backend without autograd (a batch in chunks of ``chunk_size``
    images where one is set) and returns what the model returns: a tensor
    for a classifier, a tuple of tensors for a backbone.

    Args:
        runner (Callable): The backend's callable.
        backend (str): The backend's name.
        steps (Sequence[str]): The steps applied before the backend.
        channels_last (bool): Whether the runner takes channels-last input.
        tuple_output (bool): Whether the model returns a tuple.
        timings (dict, optional): Seconds per call of each backend measured
            when the backend was chosen by speed. Defaults to None.
        onnx (bytes, optional): The serialised ONNX model the backend runs
            (ONNX Runtime's or OpenVINO's fp32 export, ONNX Runtime's INT8
            model), to save or quantise. Defaults to None.
        openvino_model (openvino.Model, optional): The model OpenVINO runs
            where it is not an ONNX file (NNCF's INT8 model), to save with
            :func:`~mmshuffle.deploy.openvino_session.save_openvino_model`.
            Defaults to None.
        float_precision (str): The precision the float layers run in:
            ``'fp32'``, or ``'bf16'`` (the bf16 path, and an OpenVINO INT8
            model whose float layers ran faster in bf16). Defaults to
            ``'fp32'``.
        chunk_size (int, optional): Run a larger batch as chunks of this
            many images, one after the other, and concatenate their outputs
            along the batch dimension (the outputs must all lead with it):
            a chunk's activations stay in the CPU's caches, where a whole
            batch's do not (docs/deployment.md). Defaults to None: the
            batch in one call.
    """

    def __init__(self,
                 runner: Callable,
                 backend: str,
                 steps: Sequence[str],
                 channels_last: bool,
                 tuple_output: bool,
                 timings: Optional[Dict[str, float]] = None,
                 onnx: Optional[bytes] = None,
                 openvino_model: Optional[object] = None,
                 float_precision: str = 'fp32',
                 chunk_size: Optional[int] = None) -> None:
        self.runner = runner
        self.backend = backend
        self.steps = tuple(steps)
        self.channels_last = channels_last
        self.tuple_output = tuple_output
        self.timings = timings
        self.onnx = onnx
        self.openvino_model = openvino_model
        self.float_precision = float_precision
        self.chunk_size = chunk_size

    def __call__(self, x: Tensor) -> Outputs:
        """Run the optimised model.

        Args:
            x (Tensor): ``(N, C, H, W)`` images, float32.

        Returns:
            Tensor | tuple[Tensor]: The outputs of ``forward(x,
            mode='tensor')`` (a classifier) or ``forward(x)`` (a backbone).
        """
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        with torch.no_grad():
            if self.chunk_size is None or len(x) <= self.chunk_size:
                outputs = as_tuple(self.runner(x))
            else:
                chunks = [as_tuple(self.runner(chunk))
                          for chunk in x.split(self.chunk_size)]
                outputs = tuple(torch.cat(parts) for parts in zip(*chunks))
        return outputs if self.tuple_output else outputs[0]

    def in_chunks(self, chunk_size: Optional[int]) -> 'OptimizedModel':
        """The same model, running batches in chunks of ``chunk_size``
        images (None: whole), sharing this one's runner.

        Args:
            chunk_size (int, optional): See the class's ``chunk_size``.

        Returns:
            OptimizedModel: A new one; this one is not changed.

        Raises:
            ValueError: If ``chunk_size`` is below 1.
        """
        if chunk_size is not None and chunk_size < 1:
            raise ValueError(
                f'chunk_size must be at least 1, got {chunk_size}')
        chunked = copy.copy(self)
        chunked.chunk_size = chunk_size
        return chunked

    @property
    def description(self) -> str:
        """The backend, and what was chosen with it: for an OpenVINO INT8
        model the precision of its float layers, e.g. ``'openvino-int8,
        float layers bf16'``; for an export whose channel shuffles took the
        plain form (the ``plain_shuffles`` step), ``'plain shuffles'``,
        e.g. ``'openvino, plain shuffles'``; where batches run in chunks,
        their size, e.g. ``'onnxruntime, chunks of 4'``."""
        parts = [self.backend]
        if self.openvino_model is not None:
            parts.append(f'float layers {self.float_precision}')
        if 'plain_shuffles' in self.steps:
            parts.append('plain shuffles')
        if self.chunk_size is not None:
            parts.append(f'chunks of {self.chunk_size}')
        return ', '.join(parts)

    def __repr__(self) -> str:
        chunks = ('' if self.chunk_size is None else
                  f', chunk_size={self.chunk_size}')
        return (f'OptimizedModel(backend={self.backend!r}, '
                f'steps={self.steps!r}{chunks})')
