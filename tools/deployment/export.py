"""Export a trained classifier or detector and check the export against
PyTorch.

    python tools/deployment/export.py CONFIG CHECKPOINT
        --format {onnx,torchscript,exported-program,ncnn} [--dynamic-batch]
        [--out FILE] [--shape H W] [--score-thr THR] [--cfg-options K=V ...]

The exported graph maps a float image batch (N, 3, H, W), normalised as the
config's data_preprocessor does, to the head's pre-softmax scores
(``model(x, mode='tensor')``). ONNX goes through ``torch.onnx.export(...,
dynamo=True)`` and is checked with onnxruntime; TorchScript through
``torch.jit.trace``; exported programs through ``torch.export``; ncnn (the
``.param`` and ``.bin`` that Android and iOS apps load) through pnnx from
the ONNX export, each channel shuffle one ``ShuffleChannel`` layer, and is
checked with ncnn's Python module. Each export is checked on a random batch
(with --dynamic-batch, at batches 1 and 3) within a max abs difference of
1e-4, and written only if it passes; the tool exits 1 if it does not. By
default the export is written beside the checkpoint (epoch_30.pth ->
epoch_30.onnx, .pt, .pt2, .ncnn.param and .ncnn.bin).

An MMDetection config exports to ONNX, end to end: one image ``(1, 3, H,
W)`` of any height and width in; boxes, scores and labels out, after the
head's decoding and NMS (``mmshuffle.deploy.detector``). It is checked with
onnxruntime against the detector's own ``predict`` on real test images at
three sizes (the boxes scoring above --score-thr: same count and labels,
coordinates within 1e-3 relative); without the config's test data, on a
random image of --shape at three sizes.
"""
import argparse
import sys

from mmengine.config import Config

import mmshuffle.compat  # noqa: F401  (applies the fixes on import)
from mmshuffle.apis.inference import is_detection_config
from mmshuffle.cli import (
    add_cfg_options_arg,
    add_shape_arg,
    load_config,
    load_for_export,
    parse_image_shape,
    run_tool,
)
from mmshuffle.cli.split_images import detector_check_images
from mmshuffle.cli.tool_support import add_trained_model_args
from mmshuffle.deploy import EXPORT_FORMATS, export_and_verify
from mmshuffle.deploy.detector import BOX_RTOL, export_detector
from mmshuffle.deploy.export import TOLERANCE, default_export_path
from mmshuffle.deploy.ncnn_export import bin_path, layer_counts
from mmshuffle.errors import ExportVerificationError, UserInputError

# What runs the export to check it.
CHECKED_WITH = {
    'onnx': 'onnxruntime',
    'torchscript': 'torch.jit.load',
    'exported-program': 'torch.export.load',
    'ncnn': "ncnn's Python module",
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
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='a detector: compare the boxes scoring above '
                        'this (default: 0.3)')
    add_cfg_options_arg(parser)
    return parser.parse_args()


def describe_io(cfg: Config, dims: str, outputs: str) -> str:
    """Say what the exported graph takes and gives.

    Args:
        cfg (Config): The config, for its ``data_preprocessor``.
        dims (str): The input's dimensions, e.g. ``'(N, 3, 224, 224)'``.
        outputs (str): What comes out.

    Returns:
        str: One line.
    """
    preprocessor = cfg.get('data_preprocessor') or cfg.model.get(
        'data_preprocessor') or {}
    text = f'input: float32 {dims}'
    if 'mean' in preprocessor and 'std' in preprocessor:
        text += (f", normalised: (image - {list(preprocessor['mean'])}) / "
                 f"{list(preprocessor['std'])}")
        rgb = preprocessor.get('to_rgb') or preprocessor.get('bgr_to_rgb')
        text += (', channels in RGB order' if rgb else
                 ', channels in BGR order, as mmcv loads images')
    divisor = preprocessor.get('pad_size_divisor', 1)
    if divisor > 1:
        text += f', padded to a multiple of {divisor}'
    return f'{text}; {outputs}'


def export_a_detector(cfg: Config, args: argparse.Namespace) -> None:
    """Export a detector end to end, check it on test images, report."""
    if args.format != 'onnx':
        raise UserInputError(
            f'--format {args.format}: a detector exports to onnx only '
            '(its NMS is ONNX NonMaxSuppression)')
    if args.dynamic_batch:
        raise UserInputError('--dynamic-batch: a detector exports for one '
                             'image at a time (its height and width are '
                             'dynamic)')
    out = default_export_path(args.checkpoint, args.format, args.out)
    model = load_for_export(cfg, args.checkpoint)
    images, source = detector_check_images(cfg, model,
                                           parse_image_shape(args.shape))
    try:
        checked = export_detector(model, out, images, args.score_thr)
    except ExportVerificationError as error:
        sys.exit(f'error: {error}')
    print(f'exported {type(model).__name__} to {out} (onnx, one image, '
          'dynamic height and width, decoding and NMS inside)')
    print(describe_io(
        cfg, '(1, 3, H, W)', 'outputs: boxes (K, 4) x1 y1 x2 y2 in input '
        'pixels, scores (K,), labels (K,) int64'))
    for (height, width), count in checked:
        print(f'verified with onnxruntime against mmdet on a {source} at '
              f'{height}x{width}: {count} box{"es" * (count != 1)} above '
              f'{args.score_thr:g}, '
              f'same labels, boxes within {BOX_RTOL:g}')


def main() -> None:
    """Load the model, export it, check it and say how it went."""
    args = parse_args()
    shape = parse_image_shape(args.shape)
    cfg = load_config(args.config, None, 'none', args.cfg_options)
    if is_detection_config(cfg):
        export_a_detector(cfg, args)
        return
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
    if args.format == 'ncnn':
        print(f'weights: {bin_path(out)}; layers: ' + ', '.join(
            f'{count} {kind}' for kind, count in sorted(
                layer_counts(out).items())))
    print(describe_io(cfg, f'(N, 3, {shape[0]}, {shape[1]})',
                      'output: (N, num_classes) pre-softmax scores'))
    for size, diff in diffs.items():
        print(f'verified with {CHECKED_WITH[args.format]} at batch {size}: '
              f'max abs diff {diff:.2e} (tolerance {TOLERANCE:.0e})')


if __name__ == '__main__':
    run_tool(main)
