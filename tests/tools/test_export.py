"""tools/deployment/export.py: each family to ONNX, TorchScript, an
exported program and ncnn, checked by the tool and again here."""
import warnings
from pathlib import Path
from typing import List, NamedTuple

import numpy as np
import pytest
import torch
from mmengine.config import Config
from torch import nn

import mmshuffle.deploy.export as export_api
from mmshuffle.cli import build_model

from ..helpers import randomize_norm_stats
from .tiny_digits import ROOT, run_tool_here

EXPORT_TOOL = ROOT / 'tools' / 'deployment' / 'export.py'
SHAPE = (64, 64)
# Each family's digits config, at a small width: the backbone's arguments
# and the channels of its last output.
FAMILIES = {
    'ShuffleNetV1': ('configs/shufflenet_v1/shufflenet-v1-1x_digits.py',
                     dict(groups=3, widen_factor=0.25), 240),
    'ShuffleNetV2': ('configs/shufflenet_v2/shufflenet-v2-1x_digits.py',
                     dict(widen_factor=0.5), 1024),
    'MobileNetV2': ('configs/mobilenet_v2/mobilenet-v2_digits.py',
                    dict(widen_factor=0.35), 1280),
}
# The channel shuffles of each family's network (one per unit).
SHUFFLES = {'ShuffleNetV1': 16, 'ShuffleNetV2': 16, 'MobileNetV2': 0}
TINY_CONFIG = '''
_base_ = [{base!r}]
model = dict(backbone=dict({backbone}), head=dict(in_channels={channels}))
'''


class Trained(NamedTuple):
    """A config, its checkpoint and the model they make."""
    config: Path
    checkpoint: Path
    model: nn.Module


@pytest.fixture(scope='module', params=list(FAMILIES))
def trained(request, tmp_path_factory) -> Trained:
    """A tiny classifier of one family, saved as a checkpoint."""
    base, backbone, channels = FAMILIES[request.param]
    folder = tmp_path_factory.mktemp(request.param)
    config = folder / 'tiny.py'
    config.write_text(
        TINY_CONFIG.format(
            base=str(ROOT / base),
            backbone=', '.join(f'{k}={v!r}' for k, v in backbone.items()),
            channels=channels))
    torch.manual_seed(0)
    model = build_model(Config.fromfile(str(config)))
    randomize_norm_stats(model)
    checkpoint = folder / 'epoch_1.pth'
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    return Trained(config, checkpoint, model.eval())


def export(args: List[str]) -> str:
    """Run the tool in this process (its imports are paid once); give what
    it printed."""
    result = run_tool_here([str(EXPORT_TOOL)] + args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def export_error(args: List[str]) -> str:
    """Run the tool in this process on a mistake; give its one line."""
    result = run_tool_here([str(EXPORT_TOOL)] + args)
    assert result.returncode == 1
    return result.stderr.rstrip('\n')


def reload(fmt: str, path: Path):
    """Load an export with its own runtime, not the tool's code."""
    if fmt == 'onnx':
        import onnxruntime
        session = onnxruntime.InferenceSession(
            str(path), providers=['CPUExecutionProvider'])
        return lambda x: torch.from_numpy(
            session.run(None, {'input': x.numpy()})[0])
    if fmt == 'ncnn':
        import ncnn
        net = ncnn.Net()
        net.opt.use_fp16_storage = net.opt.use_fp16_packed = False
        net.opt.use_fp16_arithmetic = net.opt.use_bf16_storage = False
        net.load_param(str(path))
        net.load_model(str(path.with_suffix('.bin')))

        def run(x):
            scores = []
            for image in x.numpy():
                image = image.copy()  # ncnn.Mat reads it: keep it alive
                extractor = net.create_extractor()
                extractor.input('in0', ncnn.Mat(image))
                scores.append(torch.from_numpy(np.array(
                    extractor.extract('out0')[1])))
            return torch.stack(scores)

        return run
    if fmt == 'torchscript':
        with warnings.catch_warnings():  # deprecated in torch 2.14
            warnings.simplefilter('ignore', FutureWarning)
            return torch.jit.load(str(path))
    return torch.export.load(str(path)).module()


def assert_matches_pytorch(model: nn.Module, fmt: str, path: Path,
                           batches=(1, )) -> None:
    run = reload(fmt, path)
    for batch in batches:
        x = torch.randn(batch, 3, *SHAPE)
        with torch.no_grad():
            expected = model(x, mode='tensor')
            got = run(x)
            # Pre-softmax: the classifier's linear layer, as it is.
            fc = model.head.fc(model.neck(model.backbone(x))[-1])
        torch.testing.assert_close(expected, fc, rtol=0, atol=0)
        assert got.shape == (batch, 10)
        assert (got - expected).abs().max() <= 1e-4
        # The comparison is sensitive: the scores are not all near zero.
        assert expected.abs().max() > 1e-2


# ONNX: the test of a dynamic batch below (each ONNX export takes seconds).
@pytest.mark.parametrize(
    'fmt', [fmt for fmt in export_api.EXPORT_FORMATS if fmt != 'onnx'])
def test_export_is_verified_and_matches_pytorch(fmt, trained):
    out = trained.checkpoint.with_name('model' + export_api.SUFFIXES[fmt])
    printed = export([
        str(trained.config),
        str(trained.checkpoint), '--format', fmt, '--out',
        str(out), '--shape', *map(str, SHAPE)
    ])
    assert f'exported ImageClassifier to {out} ({fmt}, batch 1)' in printed
    assert 'input: float32 (N, 3, 64, 64)' in printed
    assert 'at batch 1: max abs diff ' in printed
    assert_matches_pytorch(trained.model, fmt, out)
    if fmt == 'ncnn':
        # ncnn's own layers for the shuffles and the channel splits.
        layers = [line.split()[0]
                  for line in out.read_text().splitlines()[2:]]
        family = trained.model.backbone.__class__.__name__
        assert layers.count('ShuffleChannel') == SHUFFLES[family]
        assert 'Permute' not in layers
        assert ('Slice' in layers) == (family == 'ShuffleNetV2')


def test_onnx_with_a_dynamic_batch_runs_at_batch_1_and_3(trained):
    printed = export([
        str(trained.config),
        str(trained.checkpoint), '--format', 'onnx', '--dynamic-batch',
        '--shape', *map(str, SHAPE)
    ])
    # By default the export lies beside the checkpoint.
    out = trained.checkpoint.with_suffix('.onnx')
    assert '(onnx, dynamic batch)' in printed
    assert 'input: float32 (N, 3, 64, 64)' in printed
    for batch in (1, 3):
        assert f'verified with onnxruntime at batch {batch}: ' in printed
    assert_matches_pytorch(trained.model, 'onnx', out, batches=(1, 3))


@pytest.mark.parametrize('trained', ['ShuffleNetV2'], indirect=True)
def test_a_failed_verification_exits_and_writes_nothing(
        trained, monkeypatch, tmp_path):
    load_export = export_api.load_export

    def off_by_a_little(fmt, path):
        run = load_export(fmt, path)
        return lambda x: run(x) + 1e-3

    monkeypatch.setattr(export_api, 'load_export', off_by_a_little)
    out = tmp_path / 'model.pt'
    message = export_error([
        str(trained.config),
        str(trained.checkpoint), '--format', 'torchscript', '--out',
        str(out), '--shape', '32'
    ])
    assert message == (
        'error: the torchscript export differs from PyTorch at batch 1: '
        f'max abs diff 0.001 > tolerance 0.0001; {out} was not written')
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize('trained', ['ShuffleNetV2'], indirect=True)
def test_a_checkpoint_of_another_model_is_one_clear_line(trained, tmp_path):
    message = export_error([
        str(trained.config),
        str(trained.checkpoint), '--format', 'onnx', '--cfg-options',
        'model.head.num_classes=7'
    ])
    assert message == (
        f'error: the weights in {trained.checkpoint} do not fit the model '
        'of the config: head.fc.weight has shape '
        f'(10, {trained.model.head.fc.in_features}) in the checkpoint but '
        f'(7, {trained.model.head.fc.in_features}) in the model; '
        'head.fc.bias has shape (10,) in the checkpoint but (7,) in the '
        'model. Was it trained with this config?')


@pytest.mark.parametrize('trained', ['ShuffleNetV2'], indirect=True)
@pytest.mark.parametrize('shape', [['0', '64'], ['64', '64', '3']])
def test_a_bad_shape_is_named(shape, trained):
    message = export_error([
        str(trained.config),
        str(trained.checkpoint), '--format', 'onnx', '--shape', *shape
    ])
    assert message == (
        'error: --shape must be H W (or one size for a square image), '
        f'positive integers, got {" ".join(shape)}')


@pytest.mark.parametrize('trained', ['ShuffleNetV2'], indirect=True)
def test_an_exported_program_must_be_a_pt2_file(trained, tmp_path):
    out = tmp_path / 'model.pt'
    message = export_error([
        str(trained.config),
        str(trained.checkpoint), '--format', 'exported-program',
        '--out', str(out)
    ])
    assert message == (
        f'error: --out {out}: an exported program must be a .pt2 file '
        '(torch.export.save and torch.export.load expect one), e.g. '
        f'{tmp_path / "model.pt2"}')
