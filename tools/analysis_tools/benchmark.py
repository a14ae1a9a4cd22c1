"""mmshuffle beside its peers on this CPU: inference, INT8 and training.

    python tools/analysis_tools/benchmark.py [--threads 1] [--size 224]
        [--families v2 mnv2 v1] [--rounds 15] [--batch 32]
        [--batch-rounds 5] [--sweep-rounds 7] [--training-rounds 5]
        [--sweep-variants NAME ...] [--no-sweep] [--no-training]
        [--out-dir work_dirs/benchmark]

For ShuffleNetV2 1x, MobileNetV2 1.0 and ShuffleNetV1 1x g=3 (ImageNet
classifiers, random weights), interleaved in one process: torchvision
eager (where torchvision has the model), mmpretrain 1.2 eager, mmshuffle
eager, the mmshuffle deploy path, mmshuffle INT8, and ONNX Runtime at full
graph optimisation on the peer's export (torchvision's, else mmpretrain's).
Latency at batch 1, throughput at --batch; medians and ratios, with the
compute limit: the FLOPs (2 per multiply-add) over the float32
matrix-multiply rate measured in this run. Then the deploy path, our eager
model and torchvision's at batch 1 for every variant (the plot), and the
training step (--batch images) of mmshuffle against mmpretrain, with and
without with_cp and channels-last, with peak memory.

Writes benchmark.md (the tables and targets), benchmark.json and
benchmark.png (latency against multiply-adds and top-1) to --out-dir.
"""
import argparse
import datetime
import json
import os
import platform
import sys
import warnings
from pathlib import Path
from typing import Dict, List, Tuple

import torch
from mmengine.logging import MMLogger

from mmshuffle.analysis import classifier_complexity
from mmshuffle.analysis.published import published_top1
from mmshuffle.benchmark.classifiers import (
    torchvision_classifier,
    variant_classifier,
)
from mmshuffle.benchmark.report import (
    markdown_table,
    plot_latency,
    ratio,
)
from mmshuffle.benchmark.runtimes import (
    MMPRETRAIN_EAGER,
    MMSHUFFLE_DEPLOY,
    MMSHUFFLE_EAGER,
    MMSHUFFLE_INT8,
    PEER_ONNXRUNTIME,
    TORCHVISION_EAGER,
    build_runtimes,
    peer_name,
)
from mmshuffle.benchmark.sgemm import sgemm_gflops
from mmshuffle.benchmark.training_speed import (
    TrainingSetup,
    every_setup,
    peak_training_memory,
    time_training_steps,
)
from mmshuffle.cli.tool_support import add_speed_args, check_at_least_one
from mmshuffle.deploy import interleaved_medians, optimize, prepare
from mmshuffle.models.variants import HEADLINES, VARIANTS
from mmshuffle.registry import MODELS

# The targets at batch 1: (model, faster runtime, slower runtime,
# the least speed-up).
LATENCY_TARGETS = [
    ('v2', MMSHUFFLE_DEPLOY, TORCHVISION_EAGER, 2.5),
    ('mnv2', MMSHUFFLE_DEPLOY, TORCHVISION_EAGER, 2.2),
    ('v1', MMSHUFFLE_DEPLOY, MMPRETRAIN_EAGER, 2.5),
    ('v2', MMSHUFFLE_DEPLOY, PEER_ONNXRUNTIME, 1.0),
    ('mnv2', MMSHUFFLE_DEPLOY, PEER_ONNXRUNTIME, 1.0),
    ('v1', MMSHUFFLE_DEPLOY, PEER_ONNXRUNTIME, 1.0),
    ('v2', MMSHUFFLE_INT8, TORCHVISION_EAGER, 3.0),
    ('mnv2', MMSHUFFLE_INT8, TORCHVISION_EAGER, 3.0),
]
# Training: our fastest set-up against mmpretrain's default, and with_cp's
# memory saving.
TRAINING_SPEED_TARGET = 1.3
WITH_CP_MEMORY_TARGET = 0.30
MMPRETRAIN_DEFAULT = TrainingSetup('mmpretrain', False, False)


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Benchmark mmshuffle beside its peers on the CPU')
    add_speed_args(parser)
    parser.add_argument('--families', nargs='+', choices=list(HEADLINES),
                        default=list(HEADLINES), help='which models')
    parser.add_argument('--rounds', type=int, default=15,
                        help='interleaved rounds at batch 1 (default: 15)')
    parser.add_argument('--batch', type=int, default=32,
                        help='batch of the throughput and training runs '
                        '(default: 32)')
    parser.add_argument('--batch-rounds', type=int, default=5,
                        help='interleaved rounds at --batch (default: 5)')
    parser.add_argument('--sweep-rounds', type=int, default=7,
                        help='rounds per variant in the sweep (default: 7)')
    parser.add_argument('--training-rounds', type=int, default=5,
                        help='timed training steps per set-up (default: 5)')
    parser.add_argument('--sweep-variants', nargs='+', metavar='VARIANT',
                        choices=[v.name for v in VARIANTS],
                        help='sweep only these variants (default: all)')
    parser.add_argument('--no-sweep', action='store_true',
                        help='leave out the every-variant sweep and plot')
    parser.add_argument('--no-training', action='store_true',
                        help='leave out the training steps')
    parser.add_argument('--out-dir', type=Path,
                        default=Path('work_dirs/benchmark'),
                        help='where to write (default: work_dirs/benchmark)')
    args = parser.parse_args()
    check_at_least_one(parser, args, 'threads', 'size', 'rounds', 'batch',
                       'batch_rounds', 'sweep_rounds', 'training_rounds')
    return args


def machine() -> str:
    """The CPU model, the cores this process may use, and the versions."""
    cpu = platform.processor() or 'unknown CPU'
    try:
        with open('/proc/cpuinfo') as cpuinfo:
            cpu = next(line.split(':', 1)[1].strip() for line in cpuinfo
                       if line.startswith('model name'))
    except (OSError, StopIteration):
        pass
    import mmpretrain
    import onnxruntime
    import torchvision
    return (f'{cpu}, {len(os.sched_getaffinity(0))} cores; torch '
            f'{torch.__version__}, torchvision {torchvision.__version__}, '
            f'mmpretrain {mmpretrain.__version__}, onnxruntime '
            f'{onnxruntime.__version__}')


def complexity(variant) -> Tuple[float, int]:
    """Multiply-adds (M, conv + linear) and parameters at 224x224."""
    return classifier_complexity(MODELS.build(variant.cfg))


def log(message: str) -> None:
    """Progress, on stderr."""
    print(message, file=sys.stderr, flush=True)


def headline(key: str, args, gflops: float) -> Tuple[List, Dict]:
    """Time every runtime of one model at batch 1 and at --batch.

    Returns:
        tuple[list, dict]: The table rows, and the batch-1 seconds by
        runtime.
    """
    variant = HEADLINES[key]
    display = variant.title
    log(f'{display}: building the runtimes')
    generator = torch.Generator().manual_seed(0)
    single = torch.randn(1, 3, args.size, args.size, generator=generator)
    batch = torch.randn(args.batch, 3, args.size, args.size,
                        generator=generator)
    calibration = [torch.randn(8, 3, args.size, args.size,
                               generator=generator) for _ in range(2)]
    runtimes = build_runtimes(variant, single, calibration)
    log(f'{display}: timing batch 1')
    latency = interleaved_medians(runtimes, single, rounds=args.rounds)
    log(f'{display}: timing batch {args.batch}')
    throughput = interleaved_medians(runtimes, batch,
                                     rounds=args.batch_rounds, calls=1,
                                     warmup=1)
    mflops, _ = complexity(variant)
    scale = (args.size / 224)**2
    limit = 2 * mflops * 1e6 * scale / (gflops * 1e9)
    deploy = latency[MMSHUFFLE_DEPLOY]
    rows = []
    for runtime, seconds in latency.items():
        label = runtime
        if runtime == PEER_ONNXRUNTIME:
            label = f'ONNX Runtime, {peer_name(variant)} export'
        rows.append([
            display, label, f'{seconds * 1e3:.2f}',
            ratio(seconds, deploy), f'{args.batch / throughput[runtime]:.0f}'
        ])
    rows.append([
        display, f'compute limit ({2 * mflops * scale:.0f} MFLOPs at '
        f'{gflops:.0f} GFLOP/s)', f'{limit * 1e3:.2f}', ratio(limit, deploy),
        f'{1 / limit:.0f}'
    ])
    return rows, latency


def sweep(args) -> List[Dict]:
    """Batch-1 latency of the deploy path, our eager model and
    torchvision's, for every variant."""
    top1 = published_top1()
    points = []
    x = torch.randn(1, 3, args.size, args.size)
    for variant in VARIANTS:
        if args.sweep_variants and variant.name not in args.sweep_variants:
            continue
        log(f'sweep: {variant.name}')
        ours = variant_classifier(variant).eval()
        runtimes = {
            MMSHUFFLE_EAGER: prepare(ours, ()),
            MMSHUFFLE_DEPLOY: optimize(ours, x)
        }
        torchvision = torchvision_classifier(variant)
        if torchvision is not None:
            runtimes[TORCHVISION_EAGER] = torchvision.eval()
        times = interleaved_medians(runtimes, x, rounds=args.sweep_rounds,
                                    calls=3, warmup=2)
        mflops, _ = complexity(variant)
        for runtime, seconds in times.items():
            points.append(
                dict(variant=variant.name, family=variant.type,
                     mflops=mflops,
                     top1=top1.get(variant.name, (None, ))[0],
                     runtime=runtime, ms=seconds * 1e3))
    return points


def training(key: str, args) -> List[Dict]:
    """Training-step time and peak memory of every set-up of one model."""
    variant = HEADLINES[key]
    display = variant.title
    setups = every_setup()
    log(f'{display}: timing training steps')
    times = time_training_steps(variant, setups, args.batch, args.size,
                                args.training_rounds)
    results = []
    for setup in setups:
        log(f'{display}: peak memory, {setup.label}')
        memory = peak_training_memory(variant, setup, args.batch, args.size,
                                      args.threads)
        results.append(dict(model=display, setup=setup, seconds=times[setup],
                            peak_bytes=memory))
    return results


def training_rows(results: List[Dict], batch: int) -> List[List[str]]:
    """One model's training rows: each set-up against mmpretrain's default,
    and with_cp's memory against the same set-up without it."""
    by_setup = {r['setup']: r for r in results}
    rows = []
    for r in results:
        setup = r['setup']
        without_cp = by_setup[TrainingSetup(setup.implementation, False,
                                            setup.channels_last, setup.bf16)]
        saving = ('-' if not setup.with_cp else
                  f'{1 - r["peak_bytes"] / without_cp["peak_bytes"]:.0%}')
        rows.append([
            r['model'], setup.label, f'{r["seconds"]:.2f}',
            f'{batch / r["seconds"]:.1f}',
            ratio(by_setup[MMPRETRAIN_DEFAULT]['seconds'], r['seconds']),
            f'{r["peak_bytes"] / 2**20:.0f}', saving
        ])
    return rows


def training_targets(results: List[Dict]) -> List[List[str]]:
    """Our fastest set-up against mmpretrain's default; with_cp's saving."""
    by_setup = {r['setup']: r for r in results}
    ours = [r for r in results if r['setup'].implementation == 'mmshuffle']
    fastest = min(ours, key=lambda r: r['seconds'])
    speed = by_setup[MMPRETRAIN_DEFAULT]['seconds'] / fastest['seconds']
    plain = by_setup[TrainingSetup('mmshuffle', False, False)]
    checkpointed = by_setup[TrainingSetup('mmshuffle', True, False)]
    saving = 1 - checkpointed['peak_bytes'] / plain['peak_bytes']
    model = results[0]['model']
    return [[
        f'{model}: training step, {fastest["setup"].label} vs mmpretrain',
        f'{speed:.2f}x', f'>= {TRAINING_SPEED_TARGET}x',
        'yes' if speed >= TRAINING_SPEED_TARGET else 'NO'
    ], [
        f'{model}: with_cp peak training memory saving', f'{saving:.0%}',
        f'>= {WITH_CP_MEMORY_TARGET:.0%}',
        'yes' if saving >= WITH_CP_MEMORY_TARGET else 'NO'
    ]]


def main() -> None:
    """Run the benchmark and write its outputs."""
    args = parse_args()
    torch.set_num_threads(args.threads)
    MMLogger.get_instance('mmengine').setLevel('WARNING')
    warnings.filterwarnings('ignore')
    args.out_dir.mkdir(parents=True, exist_ok=True)
    gflops = sgemm_gflops()
    log(f'float32 matrix multiply: {gflops:.0f} GFLOP/s')

    inference_rows, targets, latencies = [], [], {}
    for key in args.families:
        rows, latencies[key] = headline(key, args, gflops)
        inference_rows += rows
    for key, fast, slow, least in LATENCY_TARGETS:
        if key in latencies and slow in latencies[key]:
            speed = latencies[key][slow] / latencies[key][fast]
            targets.append([
                f'{HEADLINES[key].title}: {fast} vs {slow}', f'{speed:.2f}x',
                f'>= {least}x', 'yes' if speed >= least else 'NO'
            ])

    training_results, training_table = [], []
    if not args.no_training:
        for key in args.families:
            results = training(key, args)
            training_results += results
            training_table += training_rows(results, args.batch)
            targets += training_targets(results)

    points = [] if args.no_sweep else sweep(args)

    command = 'python ' + ' '.join(sys.argv)
    lines = [
        f'{datetime.date.today()}, `{command}`', '',
        f'{machine()}; {args.threads} thread(s), {args.size}x{args.size}, '
        f'float32 matrix multiply {gflops:.0f} GFLOP/s.', '',
        f'Inference: median ms per batch-1 call ({args.rounds} interleaved '
        f'rounds), the deploy path\'s speed-up over each, and images per '
        f'second at batch {args.batch} ({args.batch_rounds} rounds).', '',
        markdown_table([
            'model', 'runtime', 'batch 1 (ms)', 'deploy is faster by',
            f'batch {args.batch} (img/s)'
        ], inference_rows), '', 'Targets:', '',
        markdown_table(['target', 'measured', 'needed', 'met'], targets)
    ]
    if training_results:
        lines += [
            '', f'Training step, batch {args.batch} (median of '
            f'{args.training_rounds} interleaved steps; peak memory of a '
            'fresh process, over its size before the first step):', '',
            markdown_table([
                'model', 'set-up', 's/step', 'img/s', 'vs mmpretrain',
                'peak MB', 'with_cp saves'
            ], training_table)
        ]
    if points:
        plot_latency(points, args.out_dir / 'benchmark.png',
                     f'Batch-1 latency, {args.threads} thread(s), '
                     f'{args.size}x{args.size}')
        lines += ['', f'Every variant: {args.out_dir / "benchmark.png"}']
    report = '\n'.join(lines) + '\n'
    (args.out_dir / 'benchmark.md').write_text(report)
    for result in training_results:
        result['setup'] = result['setup'].label
    (args.out_dir / 'benchmark.json').write_text(json.dumps(
        dict(command=command, date=str(datetime.date.today()),
             machine=machine(), sgemm_gflops=gflops,
             inference_ms={k: {r: s * 1e3 for r, s in v.items()}
                           for k, v in latencies.items()},
             targets=targets, training=training_results, sweep=points),
        indent=2))
    print(report)


if __name__ == '__main__':
    main()
