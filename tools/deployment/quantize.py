"""Quantise a trained classifier or detector to INT8, or run a classifier
in bf16, and check what it costs in top-1 or bbox mAP.

    python tools/deployment/quantize.py CONFIG CHECKPOINT
        [--precision int8|bf16] [--calibration-images N] [--max-drop D]
        [--out FILE] [--metrics FILE] [--threads N] [--cfg-options K=V ...]

Post-training static quantisation (:func:`mmshuffle.deploy.quantize`) by
ONNX Runtime or OpenVINO's NNCF, the faster on this machine unless the
suffix of --out chooses (.onnx or .xml): the activation ranges are
calibrated on a random sample of the training images, through the test
pipeline. The tool then evaluates the fp32 model and the INT8 model on the
validation set, times both (and the fp32 deploy path) at batch 1, and
writes the INT8 model (by default beside the checkpoint: epoch_30.pth ->
epoch_30.int8.onnx, or epoch_30.int8.xml and .bin). It takes and gives what
``export.py --format onnx`` does: normalised float images in, pre-softmax
scores out.

A detector (an MMDetection config) is quantised end to end, as
``export.py`` exports it (its convolutions in INT8, its box decoding and
NMS in float), calibrated on 64 training images by
default, and scored with the config's test metric on the test set, one
image at a time, beside the fp32 deploy path and mmdet's own detector, each
timed on the same images.

``--precision bf16`` runs the classifier in bfloat16 on the CPU's bf16
units (AMX, AVX-512 BF16) with OpenVINO
(``mmshuffle.deploy.optimize(..., precision='bf16')``), checks its top-1
the same way (accepted drop: 0.5 points by default) and writes the model
as OpenVINO's ``.bf16.xml`` and ``.bin``, which compile in bf16 by
themselves. On a CPU without bf16 units it says so in one line.

Exits 1 if top-1 (or the detector's first metric, in points: 100 x bbox
mAP) drops by more than --max-drop points.
"""
import argparse
import json
import sys
from pathlib import Path
from typing import Dict

import torch
from mmengine.config import Config
from torch import nn

import mmshuffle.compat  # noqa: F401  (applies the fixes on import)
from mmshuffle.apis.inference import is_detection_config
from mmshuffle.benchmark.report import markdown_table
from mmshuffle.cli import (
    add_cfg_options_arg,
    load_config,
    load_for_export,
    quantize_and_check,
    run_tool,
)
from mmshuffle.cli.int8_check import (
    PRECISIONS,
    quantize_and_check_detector,
    slower_than_fp32,
)
from mmshuffle.cli.tool_support import (
    add_trained_model_args,
    check_at_least_one,
)
from mmshuffle.compat.atomic_files import atomic_write
from mmshuffle.deploy import interleaved_medians
from mmshuffle.deploy.export import default_export_path
from mmshuffle.deploy.openvino_session import save_openvino_model
from mmshuffle.deploy.optimize import require_bf16
from mmshuffle.errors import UnsupportedPrecisionError, UserInputError

# The drop accepted by default, in points, by precision.
MAX_DROP = {'int8': 1.0, 'bf16': 0.5}
# The files each precision writes, by suffix: the runtime that runs them.
OUT_SUFFIXES = {
    'int8': {'.onnx': 'onnxruntime', '.xml': 'openvino'},
    'bf16': {'.xml': 'openvino'},
}


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Quantise a classifier to INT8 and check its top-1')
    add_trained_model_args(parser)
    parser.add_argument('--precision', choices=PRECISIONS, default='int8',
                        help='int8 (ONNX Runtime, calibrated) or bf16 '
                        '(OpenVINO, classifiers; default: int8)')
    parser.add_argument('--calibration-images', type=int,
                        help='training images to calibrate on (default: '
                        '256 for a classifier, 64 for a detector)')
    parser.add_argument('--max-drop', type=float,
                        help='largest top-1 drop accepted, in points '
                        '(default: 1.0 for int8, 0.5 for bf16)')
    parser.add_argument('--out', type=Path,
                        help='file to write, whose suffix chooses the INT8 '
                        'runtime: .onnx (ONNX Runtime) or .xml (OpenVINO; '
                        'default: the faster here, beside the checkpoint, '
                        '.int8.onnx or .int8.xml; bf16: .bf16.xml)')
    parser.add_argument('--metrics', type=Path,
                        help='also write the top-1s and times as JSON here')
    parser.add_argument('--threads', type=int, default=1,
                        help='threads for the timing (default: 1)')
    add_cfg_options_arg(parser)
    args = parser.parse_args()
    check_at_least_one(parser, args, 'threads')
    if args.max_drop is None:
        args.max_drop = MAX_DROP[args.precision]
    if args.max_drop < 0:
        parser.error(f'--max-drop must be >= 0, got {args.max_drop}')
    return args


def quantize_a_detector(cfg: Config, model: nn.Module, out: Path,
                        runtime: str, args: argparse.Namespace) -> Dict:
    """Quantise a detector with ``runtime`` (see
    :func:`mmshuffle.deploy.quantize`), score and time it; write the INT8
    model."""
    result = quantize_and_check_detector(
        cfg, model,
        64 if args.calibration_images is None else args.calibration_images,
        runtime)
    int8 = result.pop('int8')
    out = write_model(int8, out, 'int8')
    metric, scores = result['metric'], result['scores']
    print(f'calibrated on {result["calibration_images"]} training images; '
          f'scored on the test set, one image at a time, {args.threads} '
          'thread(s)')
    rows = [[name, f'{value[metric]:.3f}', f'{value["ms"]:.1f}',
             f'{scores["fp32 eager"]["ms"] / value["ms"]:.2f}x']
            for name, value in scores.items()]
    print(markdown_table(['model', metric, 'ms / image', 'speed-up'], rows))
    print(f'INT8 {metric} drop: {result["drop"]:.2f} points (accepted: '
          f'{args.max_drop:g})')
    print(f'INT8 model ({int8.description}): {out}')
    return result


def write_model(reduced, out: Path, precision: str) -> Path:
    """Write an INT8 or bf16 model as its runtime loads it: ONNX Runtime's
    INT8 ONNX file, or OpenVINO's .xml and .bin (NNCF's INT8 model, its
    float layers at the precision they ran in here, or the fp32 model with
    the bf16 hint). Returns the file written."""
    if reduced.openvino_model is not None:  # OpenVINO's INT8
        out = out.with_suffix('.xml')
        save_openvino_model(reduced.openvino_model, out,
                            reduced.float_precision)
    elif precision == 'int8':
        atomic_write(reduced.onnx, out)
    else:
        save_openvino_model(reduced.onnx, out, reduced.float_precision)
    return out


def main() -> None:
    """Quantise, evaluate, time, write; exit 1 past the accepted drop."""
    args = parse_args()
    torch.set_num_threads(args.threads)
    cfg = load_config(args.config, None, 'none', args.cfg_options)
    fmt = 'int8-onnx' if args.precision == 'int8' else 'bf16-openvino'
    out = default_export_path(args.checkpoint, fmt, args.out)
    allowed = OUT_SUFFIXES[args.precision]
    if args.out and out.suffix not in allowed:
        raise UserInputError(
            f'--out {out}: a {args.precision} model is written as ' +
            ' or '.join(f'{suffix} ({what})'
                        for suffix, what in allowed.items()))
    if is_detection_config(cfg) and args.precision != 'int8':
        raise UnsupportedPrecisionError(
            f'--precision {args.precision}: detectors are quantised to '
            'int8 only; bf16 runs classifiers')
    if args.precision == 'bf16':
        require_bf16()  # before any work
    runtime = allowed[out.suffix] if args.out else 'auto'
    model = load_for_export(cfg, args.checkpoint)
    if is_detection_config(cfg):
        result = quantize_a_detector(cfg, model, out, runtime, args)
    else:
        result = quantize_a_classifier(cfg, model, out, runtime, args)
    if args.metrics:
        args.metrics.write_text(json.dumps(result, indent=2))
    if result['drop'] > args.max_drop:
        what = result.get('metric', 'top-1')
        sys.exit(f'error: {args.precision.upper()} {what} drops by '
                 f'{result["drop"]:.2f} points, more than --max-drop '
                 f'{args.max_drop:g}')


def quantize_a_classifier(cfg: Config, model: nn.Module, out: Path,
                          runtime: str, args: argparse.Namespace) -> Dict:
    """Quantise a classifier with ``runtime`` (or run it in bf16), check
    its top-1 and time it; write the model."""
    precision = args.precision
    result = quantize_and_check(
        cfg, model,
        256 if args.calibration_images is None else args.calibration_images,
        precision, runtime)
    reduced = result.pop(precision)
    fp32_deploy = result.pop('fp32_deploy')
    example = result.pop('example')
    times = interleaved_medians(
        {
            'fp32 eager': lambda x: model(x, mode='tensor'),
            'fp32 deploy': fp32_deploy,
            precision: reduced
        }, example)
    result['ms'] = {name: 1e3 * seconds for name, seconds in times.items()}
    out = write_model(reduced, out, precision)
    if precision == 'int8':
        print(f'calibrated on {result["calibration_images"]} training '
              f'images; evaluated on {result["val_images"]} validation '
              'images')
    else:
        print(f'evaluated on {result["val_images"]} validation images')
    name = precision.upper()
    print(f'top-1 fp32 {result["fp32_top1"]:.2f}%, {name} '
          f'{result[precision + "_top1"]:.2f}%: drop {result["drop"]:.2f} '
          f'points (accepted: {args.max_drop:g})')
    shape = 'x'.join(map(str, example.shape[1:]))
    print(f'batch 1 ({shape}), {args.threads} thread(s): ' + ', '.join(
        f'{runtime} {ms:.2f} ms' for runtime, ms in result['ms'].items()) +
        f' ({times["fp32 eager"] / times[precision]:.1f}x eager)')
    note = slower_than_fp32(result['ms'], precision)
    if note:
        print(note)
    print(f'{name} model ({reduced.description}): {out}' + (
        f' (and {out.with_suffix(".bin").name})' if out.suffix == '.xml'
        else ''))
    return result


if __name__ == '__main__':
    run_tool(main)
