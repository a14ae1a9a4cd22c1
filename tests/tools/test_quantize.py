"""tools/deployment/quantize.py on a digits model trained by tools/train.py:
INT8 costs at most a point of top-1, bf16 at most half a point, and the
models it writes run."""
import importlib
import json
import shutil
from pathlib import Path
from typing import Dict, NamedTuple

import numpy as np
import onnxruntime
import pytest

from mmshuffle.deploy import INT8_BACKENDS
from mmshuffle.deploy.openvino_session import (
    cpu_has_bf16,
    openvino_cap,
    precision_hint,
)

from .tiny_digits import (
    LEARNT_TOP1,
    ROOT,
    TRAINED_IMAGE_SIZE,
    run_tool,
    run_tool_here,
)

QUANTIZE_TOOL = ROOT / 'tools' / 'deployment' / 'quantize.py'
# The module, which the package's function of the same name hides.
optimize_module = importlib.import_module('mmshuffle.deploy.optimize')


class Quantized(NamedTuple):
    """What the tool wrote and printed."""
    config: Path
    checkpoint: Path
    int8: Path
    metrics: Dict
    stdout: str


@pytest.fixture(scope='module')
def quantized(trained_digits, tmp_path_factory) -> Quantized:
    """Quantise the trained digits model with the tool."""
    folder = tmp_path_factory.mktemp('int8')
    config = trained_digits.config
    checkpoint = folder / trained_digits.checkpoint.name
    shutil.copy(trained_digits.checkpoint, checkpoint)
    metrics = folder / 'int8.json'
    result = run_tool([
        str(QUANTIZE_TOOL), str(config), str(checkpoint), '--metrics',
        str(metrics), '--cfg-options', 'val_dataloader.dataset.indices=None'
    ])
    metrics = json.loads(metrics.read_text())
    # The file of the runtime that was faster here.
    suffix = {'onnxruntime-int8': '.int8.onnx',
              'openvino-int8': '.int8.xml'}[metrics['backend']]
    return Quantized(config, checkpoint, checkpoint.with_suffix(suffix),
                     metrics, result.stdout)


def test_int8_costs_at_most_one_point_of_top1(quantized):
    metrics = quantized.metrics
    # On the whole validation split.
    assert metrics['fp32_top1'] >= LEARNT_TOP1
    assert metrics['val_images'] == 359
    assert metrics['calibration_images'] == 256
    assert metrics['drop'] <= 1.0
    assert metrics['drop'] == pytest.approx(metrics['fp32_top1'] -
                                            metrics['int8_top1'])
    assert f'INT8 {metrics["int8_top1"]:.2f}%' in quantized.stdout
    assert set(metrics['ms']) == {'fp32 eager', 'fp32 deploy', 'int8'}
    # Written by the runtime that was faster here.
    assert metrics['backend'] in INT8_BACKENDS.values()
    assert f'INT8 model ({described(metrics)}): ' in quantized.stdout


def described(metrics: dict) -> str:
    """How the tool names what runs the INT8 model."""
    if metrics['backend'] == 'onnxruntime-int8':
        return 'onnxruntime-int8'
    return f'openvino-int8, float layers {metrics["float_precision"]}'


def test_an_xml_out_is_openvino_int8_within_a_point(quantized, tmp_path):
    out = tmp_path / 'model.int8.xml'
    metrics = tmp_path / 'int8.json'
    result = run_tool_here([
        str(QUANTIZE_TOOL), str(quantized.config), str(quantized.checkpoint),
        '--out', str(out), '--metrics', str(metrics), '--cfg-options',
        'val_dataloader.dataset.indices=None'
    ])
    assert result.returncode == 0, result.stderr
    int8 = json.loads(metrics.read_text())
    assert int8['backend'] == 'openvino-int8'
    assert int8['fp32_top1'] == quantized.metrics['fp32_top1']
    assert int8['drop'] <= 1.0
    # Its float layers compile by themselves at the precision chosen here.
    import openvino
    assert int8['float_precision'] in (('fp32', 'bf16') if cpu_has_bf16()
                                       else ('fp32', ))
    hint = openvino.Core().read_model(str(out)).get_rt_info(
        ['runtime_options', 'INFERENCE_PRECISION_HINT']).astype(str)
    assert hint == precision_hint(int8['float_precision'])
    images = np.random.default_rng(0).standard_normal(
        (2, 3, TRAINED_IMAGE_SIZE, TRAINED_IMAGE_SIZE)).astype(np.float32)
    scores = run_int8_file(out, images)
    assert scores.shape == (2, 10) and np.isfinite(scores).all()


def run_int8_file(path: Path, images: np.ndarray) -> np.ndarray:
    """Run an INT8 file with its own runtime, not the tool's code."""
    if path.suffix == '.xml':
        import openvino
        with openvino_cap():
            compiled = openvino.Core().compile_model(str(path), 'CPU')
        return next(iter(compiled(images).values()))
    session = onnxruntime.InferenceSession(
        str(path), providers=['CPUExecutionProvider'])
    (input_, ) = session.get_inputs()
    return session.run(None, {input_.name: images})[0]


def test_the_int8_model_written_runs_on_its_own(quantized):
    images = np.random.default_rng(0).standard_normal(
        (3, 3, TRAINED_IMAGE_SIZE, TRAINED_IMAGE_SIZE)).astype(np.float32)
    scores = run_int8_file(quantized.int8, images)
    assert scores.shape == (3, 10) and np.isfinite(scores).all()


@pytest.mark.parametrize('args, message', [
    (['--calibration-images', '0'], 'calibration images must be at least 1'),
    (['--out', '{checkpoint}'], 'is the checkpoint'),
    (['--max-drop', '-1'], '--max-drop must be >= 0'),
    (['--out', 'model.int8.pt'], '.onnx (onnxruntime) or .xml (openvino)'),
])
def test_bad_arguments_are_named(quantized, args, message):
    args = [a.format(checkpoint=quantized.checkpoint) for a in args]
    result = run_tool_here([
        str(QUANTIZE_TOOL), str(quantized.config), str(quantized.checkpoint),
        *args
    ])
    assert result.returncode != 0
    assert message in result.stderr


def test_bf16_costs_at_most_half_a_point_of_top1_or_says_why_not(
        quantized, tmp_path):
    out = tmp_path / 'model.bf16.xml'
    metrics = tmp_path / 'bf16.json'
    result = run_tool_here([
        str(QUANTIZE_TOOL), str(quantized.config), str(quantized.checkpoint),
        '--precision', 'bf16', '--out', str(out), '--metrics', str(metrics),
        '--cfg-options', 'val_dataloader.dataset.indices=None'
    ])
    if not cpu_has_bf16():
        assert result.returncode == 1 and not out.exists()
        assert result.stderr.count('\n') == 1
        assert "use precision='fp32'" in result.stderr
        return
    assert result.returncode == 0, result.stderr
    bf16 = json.loads(metrics.read_text())
    assert bf16['precision'] == 'bf16' and bf16['val_images'] == 359
    assert bf16['fp32_top1'] == quantized.metrics['fp32_top1']
    assert bf16['drop'] <= 0.5
    assert f'BF16 {bf16["bf16_top1"]:.2f}%' in result.stdout
    assert set(bf16['ms']) == {'fp32 eager', 'fp32 deploy', 'bf16'}
    # The model written compiles in bf16 by itself and runs.
    import openvino
    with openvino_cap():
        compiled = openvino.Core().compile_model(str(out), 'CPU')
    assert compiled.get_property(
        'INFERENCE_PRECISION_HINT') == openvino.Type.bf16
    images = np.random.default_rng(0).standard_normal(
        (2, 3, TRAINED_IMAGE_SIZE, TRAINED_IMAGE_SIZE)).astype(np.float32)
    scores = next(iter(compiled(images).values()))
    assert scores.shape == (2, 10) and np.isfinite(scores).all()


def test_without_bf16_units_the_tool_names_the_fp32_path(
        quantized, monkeypatch, tmp_path):
    monkeypatch.setattr(optimize_module, 'cpu_has_bf16', lambda: False)
    out = tmp_path / 'model.bf16.xml'
    result = run_tool_here([
        str(QUANTIZE_TOOL), str(quantized.config), str(quantized.checkpoint),
        '--precision', 'bf16', '--out', str(out)
    ])
    assert result.returncode == 1 and not out.exists()
    (line, ) = result.stderr.splitlines()
    assert line.startswith('error: this CPU (') and 'no bf16 units' in line
    assert "use precision='fp32'" in line
