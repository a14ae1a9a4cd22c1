"""The embedded detection demo: train a detector with one of our backbones
on generated shapes, evaluate it with mmdet's CocoMetric, plot the curves.

    python tools/det_demo.py [--config CONFIG] [--work-dir DIR] [--threads N]

1. writes the shapes data set to data/shapes (COCO format, deterministic);
2. trains CONFIG with tools/train.py;
3. evaluates the last checkpoint with tools/test.py: bbox mAP (COCO,
   IoU 0.5:0.95) and mAP@0.5;
4. plots the loss and mAP with tools/analysis_tools/analyze_logs.py.

Exits with status 1 if mAP < 0.7 or mAP@0.5 < 0.9.
"""
import sys
import time
from pathlib import Path

from mmshuffle.cli.demo_runner import parse_demo_args, train_test_plot
from mmshuffle.demo_data import materialize_shapes

DEFAULT_CONFIG = 'configs/detection/fcos_shufflenet-v2-1x_fpn_shapes.py'
TARGETS = {'coco/bbox_mAP': 0.7, 'coco/bbox_mAP_50': 0.9}


def main() -> int:
    """Run the demo; return the exit status."""
    config, work_dir = parse_demo_args(__doc__.splitlines()[0],
                                       DEFAULT_CONFIG, 'det_demo')
    name = Path(config).stem
    start = time.monotonic()

    counts = materialize_shapes(Path('data') / 'shapes')
    print(f'[1/4] shapes written to data/shapes: {counts["train"]} train, '
          f'{counts["val"]} val images', flush=True)
    result = train_test_plot(config, work_dir,
                             ['loss', 'coco/bbox_mAP', 'coco/bbox_mAP_50'],
                             f'{name} on the shapes')

    minutes = (time.monotonic() - start) / 60
    met = all(result[key] >= target for key, target in TARGETS.items())
    print(f'\nbbox mAP (0.5:0.95): {result["coco/bbox_mAP"]:.3f} (target '
          f'0.7)\nbbox mAP@0.5: {result["coco/bbox_mAP_50"]:.3f} (target '
          f'0.9)\n{"meets" if met else "MISSES"} the targets\n'
          f'curves: {result["curves"]}\n'
          f'drawn test images: {result["predictions"]}\n'
          f'checkpoint: {result["checkpoint"]}\n'
          f'time: {minutes:.1f} min')
    return 0 if met else 1


if __name__ == '__main__':
    sys.exit(main())
