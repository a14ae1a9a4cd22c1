"""tools/analysis_tools/analyze_results.py: the trained digits model's most
confident right and wrong predictions, drawn in two grids."""
import cv2
import mmengine

from .tiny_digits import ROOT, run_tool, run_tool_here

TOOL = ROOT / 'tools' / 'analysis_tools' / 'analyze_results.py'


def test_the_best_and_worst_are_drawn(trained_digits, tested_digits,
                                      tmp_path):
    result = run_tool([str(TOOL), str(trained_digits.config),
                       str(tested_digits.predictions), '--topk', '4',
                       '--out-dir', str(tmp_path)])
    predictions = mmengine.load(tested_digits.predictions)
    wrong = sum(int(p['pred_label'][0]) != int(p['gt_label'][0])
                for p in predictions)
    lines = result.stdout.strip().splitlines()
    assert lines[-2].startswith(f'best: 4 of {64 - wrong} right')
    assert lines[-1].startswith(f'worst: {min(4, wrong)} of {wrong} wrong')
    best = cv2.imread(str(tmp_path / 'best.png'))
    # Four digits in a row, each drawn with a 224-pixel short edge.
    assert best.shape[0] == 224 and best.shape[1] >= 4 * 224


def test_bad_arguments_are_named(trained_digits, tested_digits, tmp_path):
    result = run_tool_here([str(TOOL), str(trained_digits.config),
                            str(tested_digits.predictions), '--topk', '0'])
    assert result.returncode == 2 and '--topk must be at least 1, got 0' \
        in result.stderr
    result = run_tool_here([str(TOOL), str(trained_digits.config),
                            str(tmp_path / 'no.pkl')])
    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        f'error: predictions {tmp_path / "no.pkl"}: no such file')
