"""The embedded demo: train and evaluate a backbone on real handwritten
digits, the way an ImageNet user would, then plot the curves.

    python tools/digits_demo.py [--config CONFIG] [--work-dir DIR]
        [--threads N]

1. writes scikit-learn's 1,797 digits to data/digits (PNG + annotation
   lists, a stratified split);
2. trains CONFIG with tools/train.py (CustomDataset + LoadImageFromFile);
3. evaluates the last checkpoint with tools/test.py and prints top-1;
4. plots loss and accuracy with tools/analysis_tools/analyze_logs.py.

Exits with status 1 if top-1 is below the 98% target.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from mmshuffle.datasets import materialize_digits

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = 'configs/shufflenet_v2/shufflenet-v2-1x_digits.py'
TARGET_TOP1 = 98.0


def run(*args: str) -> None:
    """Run a tool of this repository with this interpreter; stop on error."""
    subprocess.run([sys.executable, *args], cwd=ROOT, check=True)


def main() -> int:
    """Run the demo; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG,
                        help=f'digits config (default: {DEFAULT_CONFIG})')
    parser.add_argument('--work-dir', type=Path,
                        help='default: work_dirs/digits_demo/<config name>')
    parser.add_argument(
        '--threads', type=int, default=len(os.sched_getaffinity(0)),
        help='torch threads (default: the cores this process may use)')
    args = parser.parse_args()
    name = Path(args.config).stem
    work_dir = args.work_dir or ROOT / 'work_dirs' / 'digits_demo' / name
    os.environ['OMP_NUM_THREADS'] = str(args.threads)
    start = time.monotonic()

    counts = materialize_digits(ROOT / 'data' / 'digits')
    print(f'[1/4] digits written to data/digits: {counts["train"]} train, '
          f'{counts["val"]} val images', flush=True)

    print(f'[2/4] training {args.config}', flush=True)
    run('tools/train.py', args.config, '--work-dir', str(work_dir))

    print('[3/4] evaluating the last checkpoint', flush=True)
    checkpoint = (work_dir / 'last_checkpoint').read_text().strip()
    metrics_file = work_dir / 'test_metrics.json'
    run('tools/test.py', args.config, checkpoint, '--work-dir',
        str(work_dir / 'test'), '--out', str(metrics_file), '--out-item',
        'metrics')
    top1 = json.loads(metrics_file.read_text())['accuracy/top1']

    print('[4/4] plotting the curves', flush=True)
    runs = sorted(work_dir.glob('*/vis_data/scalars.json'))
    curves = work_dir / 'curves.png'
    run('tools/analysis_tools/analyze_logs.py', 'plot_curve', str(runs[-1]),
        '--keys', 'loss', 'accuracy/top1', '--out', str(curves), '--title',
        f'{name}: top-1 {top1:.2f}%')

    minutes = (time.monotonic() - start) / 60
    verdict = 'meets' if top1 >= TARGET_TOP1 else 'MISSES'
    print(f'\ntop-1 on the held-out digits: {top1:.2f}% ({verdict} the '
          f'{TARGET_TOP1:g}% target)\ncurves: {curves}\n'
          f'checkpoint: {checkpoint}\ntime: {minutes:.1f} min')
    return 0 if top1 >= TARGET_TOP1 else 1


if __name__ == '__main__':
    sys.exit(main())
