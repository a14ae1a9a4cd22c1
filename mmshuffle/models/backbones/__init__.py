"""The backbones: ShuffleNet V1, ShuffleNet V2 and MobileNetV2."""
from .mobilenet_v2 import MobileNetV2
from .shufflenet_v1 import ShuffleNetV1
from .shufflenet_v2 import ShuffleNetV2

__all__ = ['ShuffleNetV1', 'ShuffleNetV2', 'MobileNetV2']
