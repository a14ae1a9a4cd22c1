"""The benchmark of one config (mmshuffle.benchmark.one_config): the size
it times at, and its report drawn from results."""
from pathlib import Path

import pytest
from mmengine.config import Config

from mmshuffle.benchmark.one_config import (
    config_image_size,
    render_configs,
    render_one_config,
)

CONFIGS = Path(__file__).resolve().parents[2] / 'configs'


@pytest.mark.parametrize('config, size', [
    ('shufflenet_v2/shufflenet-v2-1x_16xb64_in1k.py', (224, 224)),
    ('shufflenet_v2/shufflenet-v2-1x_digits.py', (64, 64)),
    ('detection/ssdlite_mobilenet-v2_8xb24-600e_coco.py', (320, 320)),
    ('detection/fcos_shufflenet-v2-1x_fpn_1x_coco.py', (800, 1333)),
])
def test_the_size_is_the_test_pipeline_s(config, size):
    assert config_image_size(Config.fromfile(str(CONFIGS / config))) == size


def test_a_pipeline_without_a_size_gives_none():
    assert config_image_size(Config(dict(test_dataloader=dict(
        dataset=dict(pipeline=[dict(type='LoadImageFromFile')]))))) is None


def test_a_detector_s_report_has_no_throughput():
    results = dict(
        date='2026-11-30', command='python benchmark.py det.py',
        machine='a CPU, 2 cores', config='det.py', checkpoint=None,
        size=[320, 320], batch=32, threads=1,
        latency_ms={'eager': 30.0, 'deploy': 10.0},
        images_per_second={})
    report = render_one_config(results)
    assert report.startswith('2026-11-30, `python benchmark.py det.py`')
    assert "320x320; det.py, the config's initial weights." in report
    assert '| runtime | batch 1 (ms) | faster than eager by |\n' in report
    assert '| deploy | 10.00 | 3.00x |' in report


def test_several_configs_are_one_table():
    run = dict(date='2026-11-30', command='python benchmark.py a.py',
               machine='a CPU, 2 cores', checkpoint=None, batch=32,
               threads=1, images_per_second={})
    runs = [dict(run, config='configs/a.py', size=[320, 320],
                 latency_ms={'eager': 30.0, 'deploy': 10.0, 'INT8': 12.0}),
            dict(run, config='configs/b.py', size=[160, 160],
                 latency_ms={'eager': 8.0, 'deploy': 4.0, 'INT8': 2.0})]
    report = render_configs(runs)
    assert report.startswith('2026-11-30, `python benchmark.py a.py`\n\n'
                             'a CPU, 2 cores; 1 thread(s)\n')
    assert ('| config | size | eager (ms) | deploy (ms) | INT8 (ms) | '
            'targets: deploy >= 2x, INT8 >= 3x |') in report
    assert '| a | 320x320 | 30.0 | 10.0 (3.00x) | 12.0 (2.50x) | missed |' \
        in report
    assert '| b | 160x160 | 8.0 | 4.0 (2.00x) | 2.0 (4.00x) | met |' in report
