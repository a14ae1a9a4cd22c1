"""The benchmark of one config and checkpoint: the user's own classifier or
detector, each way it can run on this CPU."""
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from torch import Tensor, nn

from .report import markdown_table, provenance
from .runtimes import Runtime, on_batch

EAGER = 'eager'
DEPLOY = 'deploy'
INT8 = 'INT8'
PLAIN_ONNXRUNTIME = 'ONNX Runtime, plain export'
# How many times faster than mmdet's eager detector the deploy path and
# INT8 are to be, at 320x320 on one thread (the targets of the issue that
# asked for the detector path).
DETECTOR_TARGETS = {DEPLOY: 2.0, INT8: 3.0}


def config_image_size(cfg: Config) -> Optional[Tuple[int, int]]:
    """The height and width the config's test pipeline gives its images:
    the last crop or resize (for a resize that keeps the aspect ratio, its
    bounds: the shorter side, then the longer).

    Args:
        cfg (Config): The config.

    Returns:
        tuple[int, int], optional: Height and width; None if the pipeline
        sets no fixed size.
    """
    size = None
    pipeline = cfg.get('test_dataloader', {}).get('dataset', {}).get(
        'pipeline', [])
    for transform in pipeline:
        kind = transform.get('type', '')
        if kind == 'CenterCrop':
            crop = transform['crop_size']
            size = (crop, crop) if isinstance(crop, int) else tuple(crop[::-1])
        elif kind == 'Resize' and 'scale' in transform:
            scale = transform['scale']
            if isinstance(scale, int):
                size = (scale, scale)
            elif transform.get('keep_ratio'):
                size = (min(scale), max(scale))
            else:
                size = (scale[1], scale[0])  # mmcv's scale is (w, h)
    return size


def build_one_config_runtimes(model: nn.Module, example: Tensor,
                              calibration: Sequence[Tensor]
                              ) -> Dict[str, Runtime]:
    """Each way to run a trained model: eager (a detector: mmdet's own
    ``predict``), the deploy path (:func:`mmshuffle.deploy.optimize`),
    INT8 (:func:`mmshuffle.deploy.quantize`) and ONNX Runtime on the model
    exported as it is (no deploy step).

    Args:
        model (nn.Module): An mmpretrain classifier or an mmdet detector,
            eval mode.
        example (Tensor): A batch-1 input, for the exports and checks.
        calibration (Sequence[Tensor]): Inputs to calibrate INT8 on.

    Returns:
        dict[str, Callable]: By name (this module's constants).
    """
    from mmshuffle.deploy import optimize, prepare, quantize
    from mmshuffle.deploy.detector import is_detector, mmdet_detections
    from mmshuffle.deploy.onnx_session import export_onnx, session_runner
    plain = prepare(model, ())
    eager = plain
    if is_detector(model):
        def eager(x: Tensor) -> Tuple[Tensor, ...]:
            return mmdet_detections(model, x)
    deploy = optimize(model, example)
    return {
        EAGER: eager,
        DEPLOY: deploy,
        INT8: quantize(model, calibration, fp32_onnx=deploy.onnx),
        PLAIN_ONNXRUNTIME: session_runner(export_onnx(plain, example)),
    }


def benchmark_one_config(model: nn.Module,
                         size: Tuple[int, int],
                         batch: int,
                         rounds: int = 15,
                         batch_rounds: int = 5) -> Dict:
    """Time a model every way it runs, at batch 1 and, for a classifier,
    at ``batch``, interleaved, on random inputs (its weights are the
    user's; the times do not depend on the pixels).

    Args:
        model (nn.Module): An mmpretrain classifier or an mmdet detector,
            eval mode.
        size (tuple[int, int]): Height and width of the input.
        batch (int): The batch of the throughput run (classifiers only: a
            detector's graph takes one image).
        rounds (int): Interleaved rounds at batch 1. Defaults to 15.
        batch_rounds (int): Interleaved rounds at ``batch``. Defaults to 5.

    Returns:
        dict: ``latency_ms`` (median ms per batch-1 call by runtime) and
        ``images_per_second`` at ``batch`` (empty for a detector; the
        deploy path optimised on that batch).
    """
    from mmshuffle.deploy import interleaved_medians
    from mmshuffle.deploy.detector import is_detector
    generator = torch.Generator().manual_seed(0)
    single = torch.randn(1, 3, *size, generator=generator)
    calibration = [torch.randn(1, 3, *size, generator=generator)
                   for _ in range(4)]
    runtimes = build_one_config_runtimes(model, single, calibration)
    latency = interleaved_medians(runtimes, single, rounds=rounds)
    throughput = {}
    if not is_detector(model):
        inputs = torch.randn(batch, 3, *size, generator=generator)
        throughput = {
            name: batch / seconds for name, seconds in interleaved_medians(
                on_batch(runtimes, DEPLOY, model, inputs),
                inputs, rounds=batch_rounds, calls=1, warmup=1).items()}
    return dict(latency_ms={k: 1e3 * s for k, s in latency.items()},
                images_per_second=throughput)


def one_config_report(config: str, checkpoint: Optional[str],
                      size: Tuple[int, int], batch: int, threads: int,
                      measured: Dict) -> Dict:
    """The results of :func:`benchmark_one_config` with what was timed and
    where (:func:`~mmshuffle.benchmark.report.provenance`).

    Args:
        config (str): The config file.
        checkpoint (str, optional): The checkpoint; None for the config's
            initial weights.
        size (tuple[int, int]): Height and width.
        batch (int): The throughput batch.
        threads (int): Torch and ONNX Runtime threads.
        measured (dict): What :func:`benchmark_one_config` returned.

    Returns:
        dict: The JSON-ready results, as :func:`render_one_config` takes
        them.
    """
    return dict(provenance(), config=config, checkpoint=checkpoint,
                size=list(size), batch=batch, threads=threads, **measured)


def render_one_config(results: Dict) -> str:
    """Draw one config's results as a Markdown table: each runtime's
    batch-1 latency, its speed-up over eager and its throughput.

    Args:
        results (dict): See :func:`one_config_report`.

    Returns:
        str: The report: provenance, then the table.
    """
    latency = results['latency_ms']
    throughput = results['images_per_second']
    height, width = results['size']
    header = ['runtime', 'batch 1 (ms)', 'faster than eager by']
    if throughput:
        header.append(f'batch {results["batch"]} (img/s)')
    rows: List[List[str]] = []
    for name, ms in latency.items():
        row = [name, f'{ms:.2f}', f'{latency[EAGER] / ms:.2f}x']
        if throughput:
            row.append(f'{throughput[name]:.1f}')
        rows.append(row)
    weights = results['checkpoint'] or 'the config\'s initial weights'
    return '\n'.join([
        f'{results["date"]}, `{results["command"]}`', '',
        f'{results["machine"]}; {results["threads"]} thread(s), '
        f'{height}x{width}; {results["config"]}, {weights}.', '',
        markdown_table(header, rows)
    ]) + '\n'


def render_configs(runs: Sequence[Dict]) -> str:
    """Draw several configs' results as one Markdown table: each config's
    batch-1 latency every way, the speed-ups over eager, and whether the
    deploy path and INT8 meet :data:`DETECTOR_TARGETS`.

    Args:
        runs (Sequence[dict]): Results of :func:`one_config_report`, of
            the same machine and thread count, each with the deploy and INT8
            runtimes.

    Returns:
        str: The report: each run's provenance, then the table.
    """
    names = list(dict.fromkeys(name for run in runs
                               for name in run['latency_ms']))
    header = ['config', 'size'] + [f'{name} (ms)' for name in names] + [
        'targets: ' + ', '.join(f'{name} >= {times:g}x'
                                for name, times in DETECTOR_TARGETS.items())
    ]
    rows = []
    for run in runs:
        latency = run['latency_ms']
        met = all(name in latency and latency[EAGER] / latency[name] >= times
                  for name, times in DETECTOR_TARGETS.items())
        row = [Path(run['config']).stem, 'x'.join(map(str, run['size']))]
        for name in names:
            if name not in latency:
                row.append('-')
            elif name == EAGER:
                row.append(f'{latency[name]:.1f}')
            else:
                row.append(f'{latency[name]:.1f} '
                           f'({latency[EAGER] / latency[name]:.2f}x)')
        rows.append(row + ['met' if met else 'missed'])
    made = sorted({f'{run["date"]}, `{run["command"]}`' for run in runs})
    machines = sorted({f'{run["machine"]}; {run["threads"]} thread(s)'
                       for run in runs})
    return '\n'.join(made + [''] + machines + [
        '', 'Median ms per batch-1 call; in brackets, how many times '
        'faster than eager.', '', markdown_table(header, rows)
    ]) + '\n'
