"""Small, pure helpers shared by the backbones."""
from .channel_shuffle import (
    channel_shuffle,
    channels_innermost,
    interleave,
    plain_shuffles,
)
from .checkpointed_block import CheckpointedBlock
from .checks import (
    check_choice,
    check_input_channels,
    check_int_in_range,
    check_out_indices,
    check_positive_number,
)
from .make_divisible import make_divisible
from .weight_init import (
    has_pretrained,
    init_shufflenet_weights,
    is_pretrained,
    unscope_pretrained,
)

__all__ = [
    'channel_shuffle', 'channels_innermost', 'interleave', 'plain_shuffles',
    'make_divisible',
    'check_choice', 'check_input_channels', 'check_int_in_range',
    'check_out_indices',
    'check_positive_number', 'CheckpointedBlock', 'has_pretrained',
    'init_shufflenet_weights', 'is_pretrained', 'unscope_pretrained'
]
