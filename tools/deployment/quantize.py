"""Quantise a trained classifier to INT8 and check what it costs in top-1.

    python tools/deployment/quantize.py CONFIG CHECKPOINT
        [--calibration-images 256] [--max-drop 1.0] [--out FILE]
        [--metrics FILE] [--threads N] [--cfg-options K=V ...]

Post-training static quantisation with ONNX Runtime
(:func:`mmshuffle.deploy.quantize`): the activation ranges are calibrated
on a random sample of the training images, through the test pipeline. The
tool then evaluates the fp32 model and the INT8 model on the validation
set, times both (and the fp32 deploy path) at batch 1, and writes the INT8
ONNX model (by default beside the checkpoint: epoch_30.pth ->
epoch_30.int8.onnx). It takes and gives what ``export.py --format onnx``
does: normalised float images in, pre-softmax scores out.

Exits 1 if top-1 drops by more than --max-drop points.
"""
import argparse
import json
import sys
from pathlib import Path

import torch

import mmshuffle.compat  # noqa: F401  (applies the fixes on import)
from mmshuffle.cli import (
    add_cfg_options_arg,
    load_config,
    load_for_export,
    quantize_and_check,
    run_tool,
)
from mmshuffle.cli.tool_support import (
    add_trained_model_args,
    check_at_least_one,
)
from mmshuffle.compat.atomic_files import atomic_write
from mmshuffle.deploy import interleaved_medians, optimize
from mmshuffle.deploy.export import default_export_path


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Quantise a classifier to INT8 and check its top-1')
    add_trained_model_args(parser)
    parser.add_argument('--calibration-images', type=int, default=256,
                        help='training images to calibrate on (default: '
                        '256)')
    parser.add_argument('--max-drop', type=float, default=1.0,
                        help='largest top-1 drop accepted, in points '
                        '(default: 1.0)')
    parser.add_argument('--out', type=Path,
                        help='INT8 ONNX file to write (default: the '
                        'checkpoint with .int8.onnx)')
    parser.add_argument('--metrics', type=Path,
                        help='also write the top-1s and times as JSON here')
    parser.add_argument('--threads', type=int, default=1,
                        help='threads for the timing (default: 1)')
    add_cfg_options_arg(parser)
    args = parser.parse_args()
    check_at_least_one(parser, args, 'threads')
    if args.max_drop < 0:
        parser.error(f'--max-drop must be >= 0, got {args.max_drop}')
    return args


def main() -> None:
    """Quantise, evaluate, time, write; exit 1 past the accepted drop."""
    args = parse_args()
    torch.set_num_threads(args.threads)
    cfg = load_config(args.config, None, 'none', args.cfg_options)
    out = default_export_path(args.checkpoint, 'int8-onnx', args.out)
    model = load_for_export(cfg, args.checkpoint)
    result = quantize_and_check(cfg, model, args.calibration_images)
    int8 = result.pop('int8')

    example = result.pop('example')
    fp32_deploy = optimize(model, example)
    times = interleaved_medians(
        {
            'fp32 eager': lambda x: model(x, mode='tensor'),
            'fp32 deploy': fp32_deploy,
            'int8': int8
        }, example)
    result['ms'] = {name: 1e3 * seconds for name, seconds in times.items()}
    atomic_write(int8.onnx, out)

    print(f'calibrated on {result["calibration_images"]} training images; '
          f'evaluated on {result["val_images"]} validation images')
    print(f'top-1 fp32 {result["fp32_top1"]:.2f}%, INT8 '
          f'{result["int8_top1"]:.2f}%: drop {result["drop"]:.2f} points '
          f'(accepted: {args.max_drop:g})')
    shape = 'x'.join(map(str, example.shape[1:]))
    print(f'batch 1 ({shape}), {args.threads} thread(s): ' + ', '.join(
        f'{name} {ms:.2f} ms' for name, ms in result['ms'].items()) +
        f' ({times["fp32 eager"] / times["int8"]:.1f}x eager)')
    print(f'INT8 ONNX model: {out}')
    if args.metrics:
        args.metrics.write_text(json.dumps(result, indent=2))
    if result['drop'] > args.max_drop:
        sys.exit(f'error: INT8 top-1 drops by {result["drop"]:.2f} points, '
                 f'more than --max-drop {args.max_drop:g}')


if __name__ == '__main__':
    run_tool(main)
