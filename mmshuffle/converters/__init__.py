"""Weight converters: torchvision's ShuffleNetV2 and MobileNetV2 into
mmshuffle ``ImageClassifier`` checkpoints, and MMDetection's MobileNetV2 to
mmshuffle's layout and back. ``tools/model_converters/`` wraps them.

mmpretrain's and mmcls 0.x's checkpoints need no converter: their keys are
ours.
"""
from ..errors import (
    ConversionError,
    ShapeMismatchError,
    UnknownArchitectureError,
)
from .architectures import (
    ZOO_CONFIGS,
    ZOO_NUM_CLASSES,
    Architecture,
    detect_architecture,
    match_shapes,
    mobilenet_v2_width,
    shufflenet_v2_width,
)
from .mmdet_mobilenet_v2 import (
    convert_mmdet_checkpoint,
    convert_mmdet_state_dict,
)
from .torchvision_to_mmshuffle import (
    convert_torchvision_checkpoint,
    convert_torchvision_state_dict,
    detect_torchvision_family,
)

__all__ = [
    'Architecture', 'ZOO_CONFIGS', 'ZOO_NUM_CLASSES', 'detect_architecture',
    'match_shapes',
    'mobilenet_v2_width', 'shufflenet_v2_width', 'ConversionError',
    'ShapeMismatchError', 'UnknownArchitectureError',
    'convert_mmdet_checkpoint', 'convert_mmdet_state_dict',
    'convert_torchvision_checkpoint', 'convert_torchvision_state_dict',
    'detect_torchvision_family'
]
