"""The embedded detection demo: train a detector with one of our backbones
on generated shapes, evaluate it with mmdet's CocoMetric, plot the curves.

    python tools/det_demo.py [--config CONFIG] [--work-dir DIR] [--threads N]

1. writes the shapes data set to data/shapes (COCO format, deterministic);
2. trains CONFIG with tools/train.py;
3. evaluates the last checkpoint with tools/test.py: bbox mAP (COCO,
   IoU 0.5:0.95) and mAP@0.5;
4. plots the loss and mAP with tools/analysis_tools/analyze_logs.py;
5. exports the detector to ONNX, end to end (decoding and NMS inside),
   with tools/deployment/export.py, which checks it against mmdet on test
   images at three sizes;
6. quantises it to INT8 with tools/deployment/quantize.py (ONNX Runtime,
   calibrated on 64 training images) and scores mmdet's detector, the fp32
   deploy path and the INT8 model with the same metric, one image at a
   time, timing each.

Exits with status 1 if mAP < 0.7 or mAP@0.5 < 0.9, or INT8 loses more than
0.01 of the mAP.
"""
import sys
import time
from pathlib import Path

from mmshuffle.cli.demo_runner import (
    parse_demo_args,
    quantize_step,
    run_repo_tool,
    train_test_plot,
)
from mmshuffle.demo_data import materialize_shapes

DEFAULT_CONFIG = 'configs/detection/fcos_shufflenet-v2-1x_fpn_shapes.py'
TARGETS = {'coco/bbox_mAP': 0.7, 'coco/bbox_mAP_50': 0.9}
# The most bbox mAP INT8 may cost, in points (100 x mAP).
MAX_INT8_DROP = 1.0
TOTAL_STEPS = 6


def main() -> int:
    """Run the demo; return the exit status."""
    config, work_dir = parse_demo_args(__doc__.splitlines()[0],
                                       DEFAULT_CONFIG, 'det_demo')
    name = Path(config).stem
    start = time.monotonic()

    counts = materialize_shapes(Path('data') / 'shapes')
    print(f'[1/{TOTAL_STEPS}] shapes written to data/shapes: '
          f'{counts["train"]} train, {counts["val"]} val images', flush=True)
    result = train_test_plot(config, work_dir,
                             ['loss', 'coco/bbox_mAP', 'coco/bbox_mAP_50'],
                             f'{name} on the shapes', TOTAL_STEPS)

    print(f'[5/{TOTAL_STEPS}] exporting to ONNX', flush=True)
    exported = work_dir / 'detector.onnx'
    run_repo_tool('tools/deployment/export.py', config, result['checkpoint'],
                  '--format', 'onnx', '--out', str(exported))
    print(f'[6/{TOTAL_STEPS}] quantising to INT8', flush=True)
    int8 = quantize_step(config, result['checkpoint'], work_dir,
                         MAX_INT8_DROP)
    if int8 is None:
        return 1

    minutes = (time.monotonic() - start) / 60
    met = all(result[key] >= target for key, target in TARGETS.items())
    int8_ok = int8['drop'] <= MAX_INT8_DROP
    scores = int8['scores']
    eager_ms = scores['fp32 eager']['ms']
    print(f'\nbbox mAP (0.5:0.95): {result["coco/bbox_mAP"]:.3f} (target '
          f'0.7)\nbbox mAP@0.5: {result["coco/bbox_mAP_50"]:.3f} (target '
          f'0.9)\n{"meets" if met else "MISSES"} the targets')
    for name, label in (('fp32 deploy', 'fp32 deploy path'),
                        ('int8', f'INT8 ({int8["backend"]})')):
        print(f'{label}: bbox mAP {scores[name]["coco/bbox_mAP"]:.3f}, '
              f'{scores[name]["ms"]:.1f} ms an image '
              f'({eager_ms / scores[name]["ms"]:.2f}x mmdet eager, '
              f'{eager_ms:.1f} ms)')
    print(f'INT8 mAP drop: {int8["drop"]:.2f} points '
          f'({"within" if int8_ok else "MORE THAN"} the {MAX_INT8_DROP:g} '
          f'accepted)\n'
          f'curves: {result["curves"]}\n'
          f'drawn test images: {result["predictions"]}\n'
          f'ONNX detector: {exported}\n'
          f'checkpoint: {result["checkpoint"]}\n'
          f'time: {minutes:.1f} min')
    return 0 if met and int8_ok else 1


if __name__ == '__main__':
    sys.exit(main())
