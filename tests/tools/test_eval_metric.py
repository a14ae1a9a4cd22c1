"""tools/analysis_tools/eval_metric.py scores tools/test.py's predictions
again to the same metrics, without the model."""
import json

from .tiny_digits import ROOT, run_tool, run_tool_here

TOOL = ROOT / 'tools' / 'analysis_tools' / 'eval_metric.py'


def test_the_saved_predictions_score_as_the_test_did(
        trained_digits, tested_digits, tmp_path):
    rescored = tmp_path / 'rescored.json'
    result = run_tool([str(TOOL), str(trained_digits.config),
                       str(tested_digits.predictions), '--out',
                       str(rescored)])
    expected = json.loads(tested_digits.metrics.read_text())
    assert json.loads(rescored.read_text()) == expected
    assert json.loads(result.stdout[result.stdout.index('{'):]) == expected


def test_a_missing_file_is_one_line(trained_digits, tmp_path):
    result = run_tool_here([str(TOOL), str(trained_digits.config),
                            str(tmp_path / 'none.pkl')])
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f'error: predictions {tmp_path / "none.pkl"}: no such file')
