"""Export a trained classifier and check the export against PyTorch.

    python tools/deployment/export.py CONFIG CHECKPOINT
        --format {onnx,torchscript,exported-program} [--dynamic-batch]
        [--out FILE] [--shape H W] [--cfg-options K=V ...]

The exported graph maps a float image batch (N, 3, H, W), normalised as the
config's data_preprocessor does, to the head's pre-softmax scores
(``model(x, mode='tensor')``). ONNX goes through ``torch.onnx.export(...,
dynamo=True)`` and is checked with onnxruntime; TorchScript through
``torch.jit.trace``; exported programs through ``torch.export``. Each export
is checked on a random batch (with --dynamic-batch, at batches 1 and 3)
within a max abs difference of 1e-4, and written only if it passes; the
tool exits 1 if it does not. By default the export is written beside the
checkpoint (epoch_30.pth -> epoch_30.onnx, .pt, .pt2).
"""
import argparse
import sys
from typing import Tuple

from mmengine.config import Config

import mmshuffle.compat  # noqa: F401  (applies the fixes on import)
from mmshuffle.cli import (
    add_cfg_options_arg,
    add_shape_arg,
    load_config,
    load_for_export,
    parse_image_shape,
    run_tool,
)
from mmshuffle.cli.tool_support import add_trained_model_args
from mmshuffle.deploy import EXPORT_FORMATS, export_and_verify
from mmshuffle.deploy.export import TOLERANCE, default_export_path
from mmshuffle.errors import ExportVerificationError

# What runs the export to check it.
CHECKED_WITH = {
    'onnx': 'onnxruntime',
    'torchscript': 'torch.jit.load',
    'exported-program': 'torch.export.load',
}


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Export a classifier and check it against PyTorch')
    add_trained_model_args(parser)
    parser.add_argument('--format', required=True, choices=EXPORT_FORMATS,
                        help='what to export to')
    parser.add_argument('--dynamic-batch', action='store_true',
                        help='export with a dynamic batch dimension')
    parser.add_argument('--out', help='file to write (default: the '
                        'checkpoint with .onnx, .pt or .pt2)')
    add_shape_arg(parser)
    add_cfg_options_arg(parser)
    return parser.parse_args()


def describe_input(cfg: Config, shape: Tuple[int, int]) -> str:
    """Say what the exported graph takes and gives.

    Args:
        cfg (Config): The config, for its ``data_preprocessor``.
        shape (tuple[int, int]): Height and width of the input.

    Returns:
        str: One line.
    """
    preprocessor = cfg.get('data_preprocessor') or cfg.model.get(
        'data_preprocessor') or {}
    text = f'input: float32 (N, 3, {shape[0]}, {shape[1]})'
    if 'mean' in preprocessor and 'std' in preprocessor:
        text += (f", normalised: (image - {list(preprocessor['mean'])}) / "
                 f"{list(preprocessor['std'])}")
        text += (', channels in RGB order' if preprocessor.get('to_rgb')
                 else ', channels in BGR order, as mmcv loads images')
    return text + "; output: (N, num_classes) pre-softmax scores"


def main() -> None:
    """Load the model, export it, check it and say how it went."""
    args = parse_args()
    shape = parse_image_shape(args.shape)
    cfg = load_config(args.config, None, 'none', args.cfg_options)
    out = default_export_path(args.checkpoint, args.format, args.out)
    model = load_for_export(cfg, args.checkpoint)
    try:
        diffs = export_and_verify(model, args.format, out, shape,
                                  args.dynamic_batch)
    except ExportVerificationError as error:
        sys.exit(f'error: {error}')
    batch = 'dynamic batch' if args.dynamic_batch else 'batch 1'
    print(f'exported {type(model).__name__} to {out} '
          f'({args.format}, {batch})')
    print(describe_input(cfg, shape))
    for size, diff in diffs.items():
        print(f'verified with {CHECKED_WITH[args.format]} at batch {size}: '
              f'max abs diff {diff:.2e} (tolerance {TOLERANCE:.0e})')


if __name__ == '__main__':
    run_tool(main)
