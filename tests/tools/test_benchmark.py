"""tools/analysis_tools/benchmark.py, at toy sizes: every runtime, target,
training set-up and sweep point is reported (the speeds are not checked:
benchmarks measure, tests do not time)."""
import json

import pytest

from mmshuffle.benchmark.training_speed import every_setup
from mmshuffle.engine import cpu_has_bf16

from .tiny_digits import ROOT, run_tool

BENCHMARK = ROOT / 'tools' / 'analysis_tools' / 'benchmark.py'
SWEEP = ['shufflenet-v2-0.5x', 'mobilenet-v2-0.35x', 'shufflenet-v1-0.25x-g8']


@pytest.fixture(scope='module')
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp('benchmark')
    result = run_tool([
        str(BENCHMARK), '--size', '32', '--rounds', '1', '--batch', '2',
        '--batch-rounds', '1', '--sweep-rounds', '1', '--training-rounds',
        '1', '--families', 'v2', '--sweep-variants', *SWEEP, '--out-dir',
        str(out)
    ])
    return out, result.stdout


def test_every_runtime_is_timed_beside_the_compute_limit(report):
    out, stdout = report
    markdown = (out / 'benchmark.md').read_text()
    assert markdown == stdout.rstrip('\n') + '\n'
    for runtime in ('torchvision eager', 'mmpretrain eager',
                    'mmshuffle eager', 'mmshuffle deploy', 'mmshuffle INT8',
                    'ONNX Runtime, torchvision export', 'compute limit'):
        assert f'| ShuffleNetV2 1x | {runtime}' in markdown
    assert 'benchmark.py --size 32' in markdown  # the command that made it
    timings = json.loads((out / 'benchmark.json').read_text())
    assert set(timings['inference_ms']['v2']) == {
        'torchvision eager', 'mmpretrain eager', 'mmshuffle eager',
        'mmshuffle deploy', 'mmshuffle INT8', 'ONNX Runtime, peer export'
    }
    assert timings['sgemm_gflops'] > 0


def test_the_targets_are_judged(report):
    targets = json.loads((report[0] / 'benchmark.json').read_text())
    names = [target[0] for target in targets['targets']]
    assert names[:3] == [
        'ShuffleNetV2 1x: mmshuffle deploy vs torchvision eager',
        'ShuffleNetV2 1x: mmshuffle deploy vs ONNX Runtime, peer export',
        'ShuffleNetV2 1x: mmshuffle INT8 vs torchvision eager',
    ]
    # Our fastest training set-up, whichever it is, against mmpretrain's.
    assert names[3].startswith('ShuffleNetV2 1x: training step, mmshuffle')
    assert names[3].endswith('vs mmpretrain')
    assert names[4] == 'ShuffleNetV2 1x: with_cp peak training memory saving'
    assert len(names) == 5
    assert all(target[3] in ('yes', 'NO') for target in targets['targets'])


def test_every_training_setup_has_a_time_and_a_peak(report):
    training = json.loads((report[0] / 'benchmark.json').read_text())[
        'training']
    assert [r['setup'] for r in training] == [
        setup.label for setup in every_setup()]
    assert {r['setup'] for r in training} >= {
        'mmshuffle', 'mmpretrain', 'mmshuffle, with_cp, channels_last'
    }
    # --amp's training on a CPU with bfloat16 units.
    assert ('mmshuffle, channels_last, bf16' in {
        r['setup'] for r in training}) == cpu_has_bf16()
    assert all(r['seconds'] > 0 and r['peak_bytes'] > 0 for r in training)


def test_the_sweep_plots_every_variant_asked(report):
    out, _ = report
    points = json.loads((out / 'benchmark.json').read_text())['sweep']
    assert sorted({p['variant'] for p in points}) == sorted(SWEEP)
    by_variant = {(p['variant'], p['runtime']): p for p in points}
    # torchvision has ShuffleNetV2 and MobileNetV2, not ShuffleNetV1.
    assert ('shufflenet-v2-0.5x', 'torchvision eager') in by_variant
    assert ('shufflenet-v1-0.25x-g8', 'torchvision eager') not in by_variant
    assert by_variant[('shufflenet-v2-0.5x', 'mmshuffle deploy')][
        'top1'] == pytest.approx(60.552)
    assert by_variant[('shufflenet-v1-0.25x-g8', 'mmshuffle deploy')][
        'top1'] is None
    png = (out / 'benchmark.png').read_bytes()
    assert png.startswith(b'\x89PNG') and len(png) > 10_000


@pytest.mark.parametrize('args, message', [
    (['--threads', '0'], '--threads must be at least 1, got 0'),
    (['--families', 'v3'], "invalid choice: 'v3'"),
    (['--sweep-variants', 'resnet50'], "invalid choice: 'resnet50'"),
])
def test_bad_arguments_are_named(args, message):
    result = run_tool([str(BENCHMARK), *args], check=False)
    assert result.returncode == 2 and message in result.stderr
