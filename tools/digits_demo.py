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
import sys
import time
from pathlib import Path

from mmshuffle.apis.demo_runner import ROOT, parse_demo_args, train_test_plot
from mmshuffle.datasets import materialize_digits

DEFAULT_CONFIG = 'configs/shufflenet_v2/shufflenet-v2-1x_digits.py'
TARGET_TOP1 = 98.0


def main() -> int:
    """Run the demo; return the exit status."""
    config, work_dir = parse_demo_args(__doc__.splitlines()[0],
                                       DEFAULT_CONFIG, 'digits_demo')
    name = Path(config).stem
    start = time.monotonic()

    counts = materialize_digits(ROOT / 'data' / 'digits')
    print(f'[1/4] digits written to data/digits: {counts["train"]} train, '
          f'{counts["val"]} val images', flush=True)
    result = train_test_plot(config, work_dir, ['loss', 'accuracy/top1'],
                             f'{name} on the digits')
    top1 = result['accuracy/top1']

    minutes = (time.monotonic() - start) / 60
    verdict = 'meets' if top1 >= TARGET_TOP1 else 'MISSES'
    print(f'\ntop-1 on the held-out digits: {top1:.2f}% ({verdict} the '
          f'{TARGET_TOP1:g}% target)\ncurves: {result["curves"]}\n'
          f'checkpoint: {result["checkpoint"]}\ntime: {minutes:.1f} min')
    return 0 if top1 >= TARGET_TOP1 else 1


if __name__ == '__main__':
    sys.exit(main())
