"""Fast CPU inference for the backbones and the classifiers built on them.

``optimize(model, example_inputs)`` returns a callable that computes what
the model computes in eval mode, faster: batch norms folded, channel
shuffles made cheaper, branch channels padded for ONNX Runtime's blocked
kernels, a classifier's pool and linear layer kept in that layout, then a
backend (ONNX Runtime by default; inductor, TorchScript or
eager on request). The steps are also available one by one.
``export_and_verify`` writes a model as ONNX, TorchScript or a
``torch.export`` program and checks the file against PyTorch.
``quantize(model, calibration_data)`` returns an INT8 callable (ONNX
Runtime static quantisation, calibrated on the images given).

Needs torch, mmengine and ``mmcv.cnn``; the ``onnxruntime`` backend also
needs onnxruntime, onnx and onnxscript.
"""
from .backends import BACKENDS
from .export import EXPORT_FORMATS, export_and_verify
from .fc_as_conv import fc_as_conv
from .fold_bn import count_batch_norms, fold_bn
from .optimize import (
    DEFAULT_BACKEND,
    DEFAULT_STEPS,
    STEPS,
    max_abs_diff,
    optimize,
    prepare,
)
from .pad_channels import pad_branch_channels
from .pool_as_conv import avg_pools_as_convs
from .quantize import INT8_BACKEND, quantize, quantize_to_onnx
from .runtime import OptimizedModel, TensorForward
from .shuffle_fusion import fuse_shuffles
from .timing import interleaved_medians

__all__ = [
    'optimize', 'prepare', 'OptimizedModel', 'TensorForward', 'fold_bn',
    'count_batch_norms', 'fuse_shuffles', 'pad_branch_channels',
    'avg_pools_as_convs', 'fc_as_conv', 'BACKENDS',
    'DEFAULT_BACKEND', 'DEFAULT_STEPS', 'STEPS', 'max_abs_diff',
    'interleaved_medians', 'quantize', 'quantize_to_onnx', 'INT8_BACKEND',
    'EXPORT_FORMATS', 'export_and_verify'
]
