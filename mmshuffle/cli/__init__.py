"""What the tools share: config loading with ``--cfg-options``, checks
before a run (data, neck, checkpoints), one-line errors, drawing the test
images, the trained model of a config and the demos' sequence."""
from ..errors import (
    BadCfgOptionError,
    MissingDataError,
    NeckChannelsError,
    UserInputError,
)
from .cfg_options import CfgOptionsAction, merge_cfg_options
from .data_checks import check_data_roots
from .int8_check import labelled_batches, quantize_and_check, top1
from .model_checks import check_neck_in_channels
from .predictions import load_predictions, test_set_metainfo
from .registry_errors import explain_unknown_type
from .run_checks import check_checkpoint
from .show import enable_drawing, tile_images
from .tool_support import (
    add_cfg_options_arg,
    add_common_args,
    add_shape_arg,
    build_runner,
    enable_amp,
    load_config,
    parse_image_shape,
    parse_tool_args,
    run_tool,
)
from .trained_model import build_model, load_for_export

__all__ = [
    'quantize_and_check', 'labelled_batches', 'top1', 'CfgOptionsAction',
    'merge_cfg_options', 'check_data_roots', 'explain_unknown_type',
    'check_checkpoint', 'load_config', 'run_tool', 'add_common_args',
    'parse_tool_args', 'build_runner', 'enable_amp', 'add_cfg_options_arg',
    'add_shape_arg', 'BadCfgOptionError', 'MissingDataError',
    'UserInputError', 'NeckChannelsError', 'check_neck_in_channels',
    'build_model', 'load_for_export', 'parse_image_shape', 'enable_drawing',
    'tile_images', 'load_predictions', 'test_set_metainfo'
]
