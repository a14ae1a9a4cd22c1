"""tools/analysis_tools/benchmark.py: its report drawn again from a run's
JSON, and its arguments checked (the measuring parts are tested in
tests/benchmark; benchmarks measure, tests do not time)."""
import json

import pytest

from ..benchmark.stub import stub_results
from .tiny_digits import ROOT, run_tool, run_tool_here

BENCHMARK = ROOT / 'tools' / 'analysis_tools' / 'benchmark.py'


def test_the_report_is_drawn_again_from_a_run_s_json(tmp_path):
    results = stub_results()
    (tmp_path / 'run.json').write_text(json.dumps(results))
    result = run_tool([str(BENCHMARK), '--from-json',
                       str(tmp_path / 'run.json'), '--out-dir',
                       str(tmp_path / 'docs')])
    report = (tmp_path / 'docs' / 'benchmark.md').read_text()
    assert result.stdout == report + '\n'
    assert report.startswith(f'{results["date"]}, `{results["command"]}`')
    assert (tmp_path / 'docs' / 'benchmark.png').exists()
    assert json.loads(
        (tmp_path / 'docs' / 'benchmark.json').read_text()) == results


@pytest.mark.parametrize('args, message', [
    (['--threads', '0'], '--threads must be at least 1, got 0'),
    (['--families', 'v3'], "invalid choice: 'v3'"),
    (['--sweep-variants', 'resnet50'], "invalid choice: 'resnet50'"),
])
def test_bad_arguments_are_named(args, message):
    result = run_tool_here([str(BENCHMARK), *args])
    assert result.returncode == 2 and message in result.stderr
