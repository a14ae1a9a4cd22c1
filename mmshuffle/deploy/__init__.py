"""Export and fast CPU inference for the backbones and the classifiers
built on them.

``export_and_verify`` writes a model as ONNX, TorchScript or a
``torch.export`` program and checks the file against PyTorch.
``optimize(model, example_inputs)`` returns a callable that computes what
the model computes in eval mode, faster: batch norms folded, branch
channels padded and pools made convolutions for ONNX Runtime's blocked
kernels (:mod:`mmshuffle.deploy.steps`), then a backend (ONNX Runtime by
default; inductor, TorchScript or eager on request); OpenVINO's bf16 and
INT8 models also fold ShuffleNet V2's channel shuffles into the weights
(:mod:`mmshuffle.deploy.fold_shuffles`).
``quantize(model, calibration_data)`` returns an INT8 callable (ONNX
Runtime's static quantisation or NNCF's for OpenVINO, whichever is faster
here, calibrated on the images given; NNCF's with ShuffleNet V2's
concatenations INT8 too, :mod:`mmshuffle.deploy.int8_concats`).
``optimize(..., precision='bf16')`` runs the model in bfloat16 with
OpenVINO; ``export_and_verify(..., 'ncnn')`` writes ncnn's files for
phones.

Needs torch, mmengine and ``mmcv.cnn``; the ONNX backends also need onnx
and onnxscript, and onnxruntime or openvino (with nncf for its INT8); the
ncnn export needs ncnn and pnnx.
"""
from .backends import BACKENDS
from .export import EXPORT_FORMATS, export_and_verify
from .fold_shuffles import fold_channel_shuffles
from .optimize import DEFAULT_BACKEND, DEFAULT_STEPS, max_abs_diff, optimize
from .quantize import INT8_BACKEND, INT8_BACKENDS, quantize, quantize_to_onnx
from .runtime import OptimizedModel, TensorForward
from .steps import (
    STEPS,
    PlainShuffles,
    avg_pools_as_convs,
    count_batch_norms,
    fold_bn,
    pad_branch_channels,
    prepare,
)
from .timing import interleaved_medians

__all__ = [
    'optimize', 'prepare', 'OptimizedModel', 'TensorForward', 'fold_bn',
    'count_batch_norms', 'pad_branch_channels', 'avg_pools_as_convs',
    'fold_channel_shuffles', 'PlainShuffles',
    'BACKENDS', 'DEFAULT_BACKEND', 'DEFAULT_STEPS', 'STEPS', 'max_abs_diff',
    'interleaved_medians', 'quantize', 'quantize_to_onnx', 'INT8_BACKEND',
    'INT8_BACKENDS',
    'EXPORT_FORMATS', 'export_and_verify'
]
