"""A classifier's confusion matrix and its per-class precision, recall and
F1 on the config's test set.

    python tools/analysis_tools/confusion_matrix.py CONFIG CHECKPOINT_OR_PKL
        [--out-dir DIR] [--include-values] [--show] [--cfg-options K=V ...]

CHECKPOINT_OR_PKL is a checkpoint (the test set is run through it, as
tools/test.py does) or the predictions ``tools/test.py --out FILE.pkl``
wrote. Computed with mmpretrain's ``ConfusionMatrix`` and
``SingleLabelMetric`` and drawn with ``ConfusionMatrix.plot``; writes
``confusion_matrix.png`` and ``per_class.csv`` to --out-dir (default:
the work dir) and prints the per-class table.
"""
import argparse
import csv
import tempfile
from pathlib import Path

import torch

import mmshuffle.compat  # noqa: F401  (applies the fixes on import)
from mmshuffle.benchmark.report import markdown_table
from mmshuffle.cli import (
    add_cfg_options_arg,
    build_runner,
    check_checkpoint,
    load_config,
    load_predictions,
    run_tool,
    test_set_metainfo,
)


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the classification config')
    parser.add_argument('checkpoint',
                        help='a checkpoint, or the .pkl of tools/test.py '
                        '--out')
    parser.add_argument('--out-dir', help='where to write (default: the '
                        'work dir, ./work_dirs/<config name>)')
    parser.add_argument('--include-values', action='store_true',
                        help='write the counts in the cells')
    parser.add_argument('--show', action='store_true',
                        help='show the matrix in a window')
    add_cfg_options_arg(parser)
    return parser.parse_args()


def predictions(cfg, checkpoint: str):
    """The test set's predictions: read from a .pkl, or made by running the
    test loop, as tools/test.py does, with MMEngine's ``DumpResults``."""
    if checkpoint.endswith(('.pkl', '.pickle')):
        return load_predictions(checkpoint, classifier=True)
    from mmengine.evaluator import DumpResults
    check_checkpoint(checkpoint)
    cfg.load_from = checkpoint
    with tempfile.TemporaryDirectory() as folder:
        dump = str(Path(folder) / 'predictions.pkl')
        runner = build_runner(cfg, ('test', ))
        runner.test_evaluator.metrics.append(DumpResults(out_file_path=dump))
        runner.test()
        return load_predictions(dump, classifier=True)




def main() -> None:
    """Compute, print and draw."""
    from mmpretrain.evaluation import ConfusionMatrix, SingleLabelMetric
    args = parse_args()
    cfg = load_config(args.config, None, 'none', args.cfg_options)
    results = predictions(cfg, args.checkpoint)
    pred = torch.stack([torch.as_tensor(r['pred_label']).flatten()[0]
                        for r in results])
    target = torch.stack([torch.as_tensor(r['gt_label']).flatten()[0]
                          for r in results])
    num_classes = len(results[0]['pred_score'])
    classes = list(test_set_metainfo(cfg).get('classes') or
                   map(str, range(num_classes)))
    matrix = ConfusionMatrix.calculate(pred, target, num_classes=num_classes)
    precision, recall, f1, support = SingleLabelMetric.calculate(
        pred, target, average=None, num_classes=num_classes)
    out_dir = Path(args.out_dir or cfg.work_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = [[name, f'{p:.2f}', f'{r:.2f}', f'{f:.2f}', int(s)]
            for name, p, r, f, s in zip(classes, precision.tolist(),
                                        recall.tolist(), f1.tolist(),
                                        support.tolist())]
    header = ['class', 'precision %', 'recall %', 'F1 %', 'images']
    with open(out_dir / 'per_class.csv', 'w', newline='') as file:
        csv.writer(file).writerows([header] + rows)
    figure = ConfusionMatrix.plot(matrix, include_values=args.include_values,
                                  classes=classes, show=args.show)
    figure.savefig(out_dir / 'confusion_matrix.png', dpi=100,
                   bbox_inches='tight')
    accuracy = 100 * (pred == target).float().mean().item()
    print(markdown_table(header, rows))
    print(f'\ntop-1 {accuracy:.2f}% over {len(results)} images\n'
          f'confusion matrix: {out_dir / "confusion_matrix.png"}\n'
          f'per class: {out_dir / "per_class.csv"}')


if __name__ == '__main__':
    run_tool(main)
