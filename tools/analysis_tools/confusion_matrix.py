"""A classifier's or detector's confusion matrix and its per-class
precision, recall and F1 on the config's test set.

    python tools/analysis_tools/confusion_matrix.py CONFIG CHECKPOINT_OR_PKL
        [--out-dir DIR] [--include-values] [--show]
        [--score-thr 0.3] [--tp-iou-thr 0.5] [--cfg-options K=V ...]

CHECKPOINT_OR_PKL is a checkpoint (the test set is run through it, as
tools/test.py does) or the predictions ``tools/test.py --out FILE.pkl``
wrote. A classifier's is computed with mmpretrain's ``ConfusionMatrix`` and
``SingleLabelMetric`` and drawn with ``ConfusionMatrix.plot``. A detector's
(an MMDetection config) is mmdet's: the boxes scoring above --score-thr
matched to the ground truth at IoU --tp-iou-thr, with a background row
(boxes that match nothing) and column (objects nothing found), computed by
the ``calculate_confusion_matrix`` of the
``tools/analysis_tools/confusion_matrix.py`` that mmdet ships (its own
drawing is unreadable on today's matplotlib: both are drawn by
mmpretrain's); precision, recall and F1 are read from it. Writes
``confusion_matrix.png`` and ``per_class.csv`` to --out-dir (default: the
work dir) and prints the per-class table.
"""
import argparse
import csv
import tempfile
from pathlib import Path
from typing import List, Sequence

import numpy as np
import torch

import mmshuffle.compat  # noqa: F401  (applies the fixes on import)
from mmshuffle.apis.inference import is_detection_config
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
from mmshuffle.cli.split_images import split_dataset
from mmshuffle.errors import UserInputError


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config',
                        help='the classifier or detector config')
    parser.add_argument('checkpoint',
                        help='a checkpoint, or the .pkl of tools/test.py '
                        '--out')
    parser.add_argument('--out-dir', help='where to write (default: the '
                        'work dir, ./work_dirs/<config name>)')
    parser.add_argument('--include-values', action='store_true',
                        help='write the counts in the cells')
    parser.add_argument('--show', action='store_true',
                        help='show the matrix in a window')
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='a detector: count the boxes scoring above '
                        'this (default: 0.3)')
    parser.add_argument('--tp-iou-thr', type=float, default=0.5,
                        help='a detector: the IoU at which a box matches an '
                        'object (default: 0.5)')
    add_cfg_options_arg(parser)
    return parser.parse_args()


def predictions(cfg, checkpoint: str, classifier: bool):
    """The test set's predictions: read from a .pkl, or made by running the
    test loop, as tools/test.py does, with MMEngine's ``DumpResults``."""
    if checkpoint.endswith(('.pkl', '.pickle')):
        return load_predictions(checkpoint, classifier=classifier)
    from mmengine.evaluator import DumpResults
    check_checkpoint(checkpoint)
    cfg.load_from = checkpoint
    with tempfile.TemporaryDirectory() as folder:
        dump = str(Path(folder) / 'predictions.pkl')
        runner = build_runner(cfg, ('test', ))
        runner.test_evaluator.metrics.append(DumpResults(out_file_path=dump))
        runner.test()
        return load_predictions(dump, classifier=classifier)




def draw(matrix: torch.Tensor, classes: Sequence[str], out_dir: Path,
         args: argparse.Namespace) -> None:
    """Draw a confusion matrix with mmpretrain's ``ConfusionMatrix.plot``
    to ``confusion_matrix.png``."""
    from mmpretrain.evaluation import ConfusionMatrix
    figure = ConfusionMatrix.plot(matrix, include_values=args.include_values,
                                  classes=list(classes), show=args.show)
    figure.savefig(out_dir / 'confusion_matrix.png', dpi=100,
                   bbox_inches='tight')


def mmdet_confusion_matrix_tool():
    """The ``tools/analysis_tools/confusion_matrix.py`` mmdet ships in its
    wheel (``mmdet/.mim``), as a module, for its
    ``calculate_confusion_matrix``."""
    import importlib.util

    import mmdet
    path = (Path(mmdet.__file__).parent / '.mim' / 'tools' /
            'analysis_tools' / 'confusion_matrix.py')
    spec = importlib.util.spec_from_file_location(
        'mmdet_confusion_matrix', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def per_class_rows(matrix: np.ndarray, classes: Sequence[str]) -> List:
    """Precision, recall and F1 (percent) and objects of each class, from a
    detection confusion matrix whose last row and column are background."""
    rows = []
    for index, name in enumerate(classes):
        hits = matrix[index, index]
        found, real = matrix[:, index].sum(), matrix[index].sum()
        precision = 100 * hits / found if found else 0.0
        recall = 100 * hits / real if real else 0.0
        f1 = (2 * precision * recall / (precision + recall)
              if precision + recall else 0.0)
        rows.append([name, f'{precision:.2f}', f'{recall:.2f}', f'{f1:.2f}',
                     int(real)])
    return rows


def detection_main(cfg, args, out_dir: Path) -> None:
    """mmdet's confusion matrix of a detector, drawn, with its per-class
    table."""
    from mmengine.registry import DefaultScope
    tool = mmdet_confusion_matrix_tool()
    results = predictions(cfg, args.checkpoint, classifier=False)
    if 'pred_instances' not in results[0]:
        raise UserInputError(
            f'predictions {args.checkpoint}: not a detector\'s (no '
            'pred_instances)')
    with DefaultScope.overwrite_default_scope('mmdet'):
        dataset = split_dataset(cfg, 'test')
    classes = tuple(dataset.metainfo['classes'])
    matrix = tool.calculate_confusion_matrix(
        dataset, results, args.score_thr, None, args.tp_iou_thr)
    draw(torch.from_numpy(matrix).long(), classes + ('background', ),
         out_dir, args)
    header = ['class', 'precision %', 'recall %', 'F1 %', 'objects']
    rows = per_class_rows(matrix, classes)
    with open(out_dir / 'per_class.csv', 'w', newline='') as file:
        csv.writer(file).writerows([header] + rows)
    print(markdown_table(header, rows))
    print(f'\nboxes scoring above {args.score_thr:g}, matched at IoU '
          f'{args.tp_iou_thr:g}, over {len(results)} images\n'
          f'confusion matrix: {out_dir / "confusion_matrix.png"}\n'
          f'per class: {out_dir / "per_class.csv"}')


def main() -> None:
    """Compute, print and draw."""
    from mmpretrain.evaluation import ConfusionMatrix, SingleLabelMetric
    args = parse_args()
    cfg = load_config(args.config, None, 'none', args.cfg_options)
    out_dir = Path(args.out_dir or cfg.work_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if is_detection_config(cfg):
        detection_main(cfg, args, out_dir)
        return
    results = predictions(cfg, args.checkpoint, classifier=True)
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
    rows = [[name, f'{p:.2f}', f'{r:.2f}', f'{f:.2f}', int(s)]
            for name, p, r, f, s in zip(classes, precision.tolist(),
                                        recall.tolist(), f1.tolist(),
                                        support.tolist())]
    header = ['class', 'precision %', 'recall %', 'F1 %', 'images']
    with open(out_dir / 'per_class.csv', 'w', newline='') as file:
        csv.writer(file).writerows([header] + rows)
    draw(matrix, classes, out_dir, args)
    accuracy = 100 * (pred == target).float().mean().item()
    print(markdown_table(header, rows))
    print(f'\ntop-1 {accuracy:.2f}% over {len(results)} images\n'
          f'confusion matrix: {out_dir / "confusion_matrix.png"}\n'
          f'per class: {out_dir / "per_class.csv"}')


if __name__ == '__main__':
    run_tool(main)
