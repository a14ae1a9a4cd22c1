"""The benchmark's report, drawn from a stub run's results: every runtime
and the compute limit in the table, the targets judged both ways, the
training table, the plot."""
import json

import pytest

from mmshuffle.benchmark.report import provenance, render, write_report
from mmshuffle.deploy.machine import ONEDNN_CAP_VARIABLES

from .stub import TRAINING, stub_results


@pytest.fixture
def results():
    return stub_results()


def test_every_runtime_is_timed_beside_the_compute_limit(results):
    report = render(results)
    assert report.startswith(
        '2026-11-30, `python tools/analysis_tools/benchmark.py`\n\n'
        'a CPU, 2 cores; 1 thread(s), 224x224; matrix multiply fp32 100 G/s, '
        'bf16 300 G/s, int8 400 G/s.')
    for row in (
            # fp32 floor: 2 x 146 M multiply-adds at 100 G/s, 2.92 ms.
            '| ShuffleNetV2 1x | torchvision eager | 12.00 | 3.00x | 4.11x | '
            '167 |',
            # The deploy path optimised on the batch chose another backend.
            '| ShuffleNetV2 1x | mmshuffle deploy (onnxruntime; batch 32: '
            'openvino) | 4.00 | 1.00x | 1.37x | 400 |',
            '| ShuffleNetV2 1x | ONNX Runtime, torchvision export | 5.00 | '
            '1.25x | 1.71x | 400 |',
            '| ShuffleNetV2 1x | OpenVINO, torchvision export | 4.50 | '
            '1.12x | 1.54x | 444 |',
            # bf16 and INT8 against their own floors: 0.973 and 0.730 ms.
            '| ShuffleNetV2 1x | mmshuffle bf16 (openvino-bf16) | 3.00 | '
            '0.75x | 3.08x | 667 |',
            '| ShuffleNetV2 1x | mmshuffle INT8 (openvino-int8) | 3.00 | '
            '0.75x | 4.11x | 667 |',
            '| ShuffleNetV2 1x | compute floor, fp32 (292 M operations at 100 '
            'G/s) | 2.920 | 0.73x | 1.00x | 342 |',
            '| ShuffleNetV2 1x | compute floor, bf16 (292 M operations at 300 '
            'G/s) | 0.973 | 0.24x | 1.00x | 1027 |',
            '| ShuffleNetV2 1x | compute floor, int8 (292 M operations at 400 '
            'G/s) | 0.730 | 0.18x | 1.00x | 1370 |',
            '| ShuffleNetV1 1x g=3 | ONNX Runtime, mmpretrain export | 4.05 | '
            '0.90x |',
            # Results without the backends chosen: the runtimes' names.
            '| ShuffleNetV1 1x g=3 | mmshuffle INT8 | 3.50 |'):
        assert row in report


def test_the_compute_limit_scales_with_the_image(results):
    results['size'] = 112
    assert ('| ShuffleNetV2 1x | compute floor, fp32 (73 M operations at '
            '100 G/s) | 0.730 |') in render(results)


def test_the_targets_are_judged(results):
    report = render(results)
    assert ('| target | measured | middle half of rounds | needed | met |'
            in report)
    for target in (
            '| ShuffleNetV2 1x: mmshuffle deploy vs torchvision eager | 3.00x '
            '| - | >= 2.5x | yes |',
            '| ShuffleNetV1 1x g=3: mmshuffle deploy vs mmpretrain eager | '
            '2.00x | - | >= 2.5x | NO |',
            '| ShuffleNetV1 1x g=3: mmshuffle deploy vs ONNX Runtime, peer '
            'export | 0.90x | - | >= 1.0x | NO |',
            '| ShuffleNetV2 1x: mmshuffle INT8 vs torchvision eager | 4.00x | '
            '- | >= 3.0x | yes |',
            '| ShuffleNetV2 1x: mmshuffle INT8 vs torchvision eager | 4.00x | '
            '- | >= 6.0x | NO |',
            '| ShuffleNetV2 1x: mmshuffle bf16 vs ONNX Runtime, peer export | '
            '1.67x | - | >= 1.5x | yes |',
            # The rounds kept: the first to the third quartile of the
            # speed-up round by round.
            '| ShuffleNetV2 1x: mmshuffle deploy vs OpenVINO, peer export | '
            '1.12x | 1.10x-1.15x | >= 1.0x | yes |',
            # At batch 32, images per second: 400 against 400 and 444.
            '| ShuffleNetV2 1x: mmshuffle deploy vs ONNX Runtime, peer '
            'export, batch 32 | 1.00x | - | >= 1.0x | yes |',
            '| ShuffleNetV2 1x: mmshuffle deploy vs OpenVINO, peer export, '
            'batch 32 | 0.90x | 0.85x-0.95x | >= 1.0x | NO |',
            # Our fastest set-up, whichever it is, against mmpretrain's.
            '| ShuffleNetV2 1x: training step, mmshuffle, channels_last vs '
            'mmpretrain | 1.40x | - | >= 1.3x | yes |',
            '| ShuffleNetV2 1x: with_cp peak training memory saving | 60% | - '
            '| >= 30% | yes |'):
        assert target in report
    # No target for a model or runtime the run left out.
    assert 'MobileNetV2' not in report
    assert 'ShuffleNetV1 1x g=3: mmshuffle INT8' not in report


def test_every_training_setup_has_its_row(results):
    report = render(results)
    assert ('| ShuffleNetV2 1x | mmshuffle, with_cp, channels_last | 0.90 | '
            '35.6 | 1.17x | 270 | 55% |') in report
    assert '| ShuffleNetV2 1x | mmpretrain | 1.05 | 30.5 | 1.00x | 600 | - |' \
        in report
    # and the inference rows of mmpretrain and our three runtimes
    assert report.count("| ShuffleNetV2 1x | m") == len(TRAINING) + 5


def test_a_run_without_training_or_sweep_has_neither(results):
    results.update(training=[], sweep=[])
    report = render(results)
    assert 'Training step' not in report and 'benchmark.png' not in report
    assert 'training step' not in report  # nor its targets


def test_the_report_is_written_with_its_results_and_plot(results, tmp_path):
    report = write_report(results, tmp_path / 'out')
    assert (tmp_path / 'out' / 'benchmark.md').read_text() == report
    assert json.loads(
        (tmp_path / 'out' / 'benchmark.json').read_text()) == results
    assert '](benchmark.png)' in report
    png = (tmp_path / 'out' / 'benchmark.png').read_bytes()
    assert png.startswith(b'\x89PNG') and len(png) > 10_000


@pytest.mark.parametrize('variable', ONEDNN_CAP_VARIABLES)
def test_a_capped_run_says_so_in_its_command(monkeypatch, variable):
    for name in ONEDNN_CAP_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, 'avx512_core_bf16')
    made = provenance()
    assert made['command'].startswith(f'{variable}=AVX512_CORE_BF16 '
                                      'python ')
    assert 'oneDNN capped at AVX512_CORE_BF16' in made['machine']
