"""tools/analysis_tools/confusion_matrix.py on the trained digits model:
the same matrix and per-class table from the checkpoint and from
tools/test.py's predictions, and mistakes in one line."""
import csv

import cv2

from .tiny_digits import ROOT, run_tool, run_tool_here

TOOL = ROOT / 'tools' / 'analysis_tools' / 'confusion_matrix.py'


def test_the_checkpoint_and_its_predictions_agree(trained_digits,
                                                  tested_digits, tmp_path):
    config, checkpoint = map(str, trained_digits)
    run_tool([str(TOOL), config, checkpoint, '--out-dir',
              str(tmp_path / 'from_checkpoint')])
    result = run_tool([str(TOOL), config, str(tested_digits.predictions),
                       '--out-dir', str(tmp_path / 'from_pkl')])
    tables = [list(csv.reader(open(tmp_path / name / 'per_class.csv')))
              for name in ('from_checkpoint', 'from_pkl')]
    assert tables[0] == tables[1]
    header, *rows = tables[0]
    assert header == ['class', 'precision %', 'recall %', 'F1 %', 'images']
    assert [row[0] for row in rows] == [str(digit) for digit in range(10)]
    # The tiny config tests on 64 held-out digits.
    assert sum(int(row[4]) for row in rows) == 64
    assert 'top-1' in result.stdout and '| 9 |' in result.stdout
    image = cv2.imread(str(tmp_path / 'from_pkl' / 'confusion_matrix.png'))
    assert image is not None and min(image.shape[:2]) > 500


def test_predictions_that_are_not_a_classifier_s_are_one_line(
        trained_digits, tmp_path):
    result = run_tool_here([str(TOOL), str(trained_digits.config),
                            str(tmp_path / 'nope.pkl')])
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f'error: predictions {tmp_path / "nope.pkl"}: no such file')
