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
    (['--int8-backend', 'tensorrt'], "invalid choice: 'tensorrt'"),
])
def test_bad_arguments_are_named(args, message):
    result = run_tool_here([str(BENCHMARK), *args])
    assert result.returncode == 2 and message in result.stderr


def test_your_own_classifier_is_timed_every_way(trained_digits, tmp_path):
    result = run_tool_here([
        str(BENCHMARK), str(trained_digits.config),
        str(trained_digits.checkpoint), '--rounds', '1', '--batch-rounds',
        '1', '--batch', '2', '--out-dir', str(tmp_path)
    ])
    assert result.returncode == 0, result.stderr
    results = json.loads((tmp_path / 'digits_48x48.json').read_text())
    # The config's test size, its weights, every runtime at both batches.
    assert results['size'] == [48, 48]
    assert results['checkpoint'] == str(trained_digits.checkpoint)
    runtimes = ['eager', 'deploy', 'INT8', 'ONNX Runtime, plain export']
    assert list(results['latency_ms']) == runtimes
    assert list(results['images_per_second']) == runtimes
    report = (tmp_path / 'digits_48x48.md').read_text()
    assert result.stdout == report + '\n'
    assert '| runtime | batch 1 (ms) | faster than eager by | batch 2 ' \
        '(img/s) |' in report
    assert '| eager | ' in report and '| 1.00x |' in report
