"""mmshuffle beside its peers on this CPU: inference, INT8 and training;
or your own model, every way it runs.

    python tools/analysis_tools/benchmark.py CONFIG [CHECKPOINT]
        [--threads 1] [--size S] [--batch 32] [--rounds 15]
        [--batch-rounds 5] [--out-dir work_dirs/benchmark]

With a CONFIG (a classifier or an MMDetection detector) and optionally
its CHECKPOINT (else the config's initial weights), it times, interleaved:
eager (a detector: mmdet's own ``predict``, post-processing included), the
deploy path (``mmshuffle.deploy.optimize``), INT8
(``mmshuffle.deploy.quantize``, calibrated on random inputs: run
tools/deployment/quantize.py for its accuracy) and ONNX Runtime on the
model exported as it is; at batch 1 and (classifiers) --batch, at the
config's test size (its last crop or resize) or --size. It prints the table
and writes CONFIG_NAME_HxW.json and CONFIG_NAME_HxW.md to --out-dir.

    python tools/analysis_tools/benchmark.py [--threads 1] [--size 224]
        [--families v2 mnv2 v1] [--rounds 15] [--batch 32]
        [--batch-rounds 5] [--sweep-rounds 7] [--training-rounds 5]
        [--sweep-variants NAME ...] [--no-sweep] [--no-training]
        [--int8-backend auto|onnxruntime|openvino]
        [--out-dir work_dirs/benchmark] [--from-json FILE]

For ShuffleNetV2 1x, MobileNetV2 1.0 and ShuffleNetV1 1x g=3 (ImageNet
classifiers, random weights), interleaved in one process: torchvision
eager (where torchvision has the model), mmpretrain 1.2 eager, mmshuffle
eager, the mmshuffle deploy path (fp32), mmshuffle bf16 (on a CPU with bf16
units), INT8 (the faster runtime here, or --int8-backend) and ncnn
(through its Python module), and ONNX Runtime at full graph optimisation
and OpenVINO on the peer's export (torchvision's, else mmpretrain's).
Latency at batch 1, throughput at --batch; medians and ratios (each
target with the middle half of its ratios round by round), with the
compute floor of each precision: the operations (2 per multiply-add) over
the fp32, bf16 and int8 matrix-multiply rates measured in this run. The
header names the CPU, its instruction sets and oneDNN's cap
(ONEDNN_MAX_CPU_ISA) where one is set. Then the deploy path, our eager
model and torchvision's at batch 1 for every variant (the plot), and the
training step (--batch images) of mmshuffle against mmpretrain, with and
without with_cp and channels-last, with peak memory.

Writes benchmark.json (the results), benchmark.md (the tables and targets
drawn from them) and benchmark.png (latency against multiply-adds and
top-1) to --out-dir. With --from-json it measures nothing and draws the
report again from an earlier run's benchmark.json, or, given the
CONFIG_NAME_HxW.json of several runs, one table of them all (configs.md).
"""
import argparse
import json
import sys
import warnings
from dataclasses import asdict
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
from mmshuffle.benchmark.gemm import PRECISIONS, gemm_gops
from mmshuffle.benchmark.one_config import (
    benchmark_one_config,
    config_image_size,
    one_config_report,
    render_configs,
    render_one_config,
)
from mmshuffle.benchmark.report import provenance, write_report
from mmshuffle.benchmark.runtimes import (
    MMSHUFFLE_DEPLOY,
    MMSHUFFLE_EAGER,
    TORCHVISION_EAGER,
    build_runtimes,
    on_batch,
    peer_name,
)
from mmshuffle.benchmark.training_speed import (
    every_setup,
    peak_training_memory,
    time_training_steps,
)
from mmshuffle.cli import build_model, load_config, load_for_export, run_tool
from mmshuffle.cli.tool_support import add_speed_args, check_at_least_one
from mmshuffle.deploy import (
    INT8_BACKENDS,
    OptimizedModel,
    interleaved_medians,
    optimize,
    prepare,
)
from mmshuffle.deploy.optimize import AUTO
from mmshuffle.deploy.timing import inference_rounds, medians
from mmshuffle.errors import UserInputError
from mmshuffle.models.variants import HEADLINES, VARIANTS
from mmshuffle.registry import MODELS


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Benchmark mmshuffle beside its peers on the CPU, or '
        'your own model')
    parser.add_argument('config', nargs='?',
                        help='a classifier or detector config to time '
                        '(default: the three families beside their peers)')
    parser.add_argument('checkpoint', nargs='?',
                        help="its checkpoint (default: the config's "
                        'initial weights)')
    add_speed_args(parser, size_default=None,
                   size_help="224, or CONFIG's test size")
    parser.add_argument('--families', nargs='+', choices=list(HEADLINES),
                        default=list(HEADLINES), help='which models')
    parser.add_argument('--int8-backend', default=AUTO,
                        choices=[AUTO, *INT8_BACKENDS],
                        help='the runtime of the INT8 rows (default: auto, '
                        'the faster here)')
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
    parser.add_argument('--from-json', type=Path, metavar='FILE',
                        nargs='+',
                        help='measure nothing: draw the report again from '
                        'the benchmark.json of an earlier run, or one '
                        'table from the CONFIG_NAME_HxW.json of several')
    args = parser.parse_args()
    check_at_least_one(parser, args, 'threads', 'size', 'rounds', 'batch',
                       'batch_rounds', 'sweep_rounds', 'training_rounds')
    return args



def complexity(variant) -> Tuple[float, int]:
    """Multiply-adds (M, conv + linear) and parameters at 224x224."""
    return classifier_complexity(MODELS.build(variant.cfg))


def log(message: str) -> None:
    """Progress, on stderr."""
    print(message, file=sys.stderr, flush=True)


def headline(key: str, args) -> Dict:
    """Time every runtime of one model at batch 1 and at --batch.

    Returns:
        dict: The model's entry of the results' ``inference``
        (:func:`mmshuffle.benchmark.report.render`).
    """
    variant = HEADLINES[key]
    log(f'{variant.title}: building the runtimes')
    generator = torch.Generator().manual_seed(0)
    single = torch.randn(1, 3, args.size, args.size, generator=generator)
    batch = torch.randn(args.batch, 3, args.size, args.size,
                        generator=generator)
    calibration = [torch.randn(8, 3, args.size, args.size,
                               generator=generator) for _ in range(2)]
    runtimes = build_runtimes(variant, single, calibration,
                              args.int8_backend)
    log(f'{variant.title}: timing batch 1')
    latency = inference_rounds(runtimes, single, rounds=args.rounds)
    log(f'{variant.title}: optimising for batch {args.batch}, timing it')
    batch_runtimes = on_batch(runtimes, MMSHUFFLE_DEPLOY,
                              variant_classifier(variant).eval(), batch)
    throughput = inference_rounds(batch_runtimes, batch,
                                  rounds=args.batch_rounds, calls=1,
                                  warmup=1)
    return dict(
        title=variant.title, peer=peer_name(variant),
        mflops=complexity(variant)[0],
        backends=descriptions(runtimes),
        batch_backends=descriptions(batch_runtimes),
        latency_ms={runtime: s * 1e3
                    for runtime, s in medians(latency).items()},
        latency_rounds_ms={runtime: [s * 1e3 for s in times]
                           for runtime, times in latency.items()},
        images_per_second={runtime: args.batch / s
                           for runtime, s in medians(throughput).items()},
        images_per_second_rounds={
            runtime: [args.batch / s for s in times]
            for runtime, times in throughput.items()})


def descriptions(runtimes: Dict) -> Dict[str, str]:
    """What each of our optimised runtimes runs, by runtime."""
    return {runtime: run.description for runtime, run in runtimes.items()
            if isinstance(run, OptimizedModel)}


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
    setups = every_setup()
    log(f'{variant.title}: timing training steps')
    times = time_training_steps(variant, setups, args.batch, args.size,
                                args.training_rounds)
    results = []
    for setup in setups:
        log(f'{variant.title}: peak memory, {setup.label}')
        memory = peak_training_memory(variant, setup, args.batch, args.size,
                                      args.threads)
        results.append(dict(model=variant.title, setup=asdict(setup),
                            seconds=times[setup], peak_bytes=memory))
    return results


def measure(args) -> Dict:
    """Run the benchmark.

    Returns:
        dict: The results, as :func:`mmshuffle.benchmark.report.render`
        takes them.
    """
    torch.set_num_threads(args.threads)
    MMLogger.get_instance('mmengine').setLevel('WARNING')
    warnings.filterwarnings('ignore')
    rates = {precision: gemm_gops(precision) for precision in PRECISIONS}
    log('matrix multiply: ' + ', '.join(
        f'{precision} {rate:.0f} G/s' for precision, rate in rates.items()))
    results = dict(
        provenance(), threads=args.threads, size=args.size,
        batch=args.batch, rounds=args.rounds,
        batch_rounds=args.batch_rounds,
        training_rounds=args.training_rounds, gemm_gops=rates,
        inference={key: headline(key, args) for key in args.families})
    results['training'] = [] if args.no_training else [
        run for key in args.families for run in training(key, args)]
    results['sweep'] = [] if args.no_sweep else sweep(args)
    return results


def one_config(args) -> str:
    """Time the user's model every way it runs; write and return the
    report."""
    torch.set_num_threads(args.threads)
    MMLogger.get_instance('mmengine').setLevel('WARNING')
    warnings.filterwarnings('ignore')
    cfg = load_config(args.config, None, 'none', None)
    if args.checkpoint:
        model = load_for_export(cfg, args.checkpoint)
    else:
        model = build_model(cfg).eval()
    size = ((args.size, args.size) if args.size else
            config_image_size(cfg) or (224, 224))
    log(f'{Path(args.config).stem}: timing at {size[0]}x{size[1]}')
    results = one_config_report(
        args.config, args.checkpoint, size, args.batch, args.threads,
        benchmark_one_config(model, size, args.batch, args.rounds,
                             args.batch_rounds))
    report = render_one_config(results)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = f'{Path(args.config).stem}_{size[0]}x{size[1]}'
    (args.out_dir / f'{stem}.json').write_text(json.dumps(results, indent=2))
    (args.out_dir / f'{stem}.md').write_text(report)
    return report


def main() -> None:
    """Run the benchmark, or read an earlier run's results, and write the
    report."""
    args = parse_args()
    if args.config:
        print(one_config(args))
        return
    args.size = args.size or 224
    if args.from_json is not None:
        runs = [json.loads(path.read_text()) for path in args.from_json]
        if all('config' in run for run in runs):
            report = render_configs(runs)
            args.out_dir.mkdir(parents=True, exist_ok=True)
            (args.out_dir / 'configs.md').write_text(report)
            print(report)
            return
        if len(runs) > 1:
            raise UserInputError(
                '--from-json: give one benchmark.json, or the '
                'CONFIG_NAME_HxW.json files of benchmark.py CONFIG runs')
        results = runs[0]
    else:
        results = measure(args)
    print(write_report(results, args.out_dir))


if __name__ == '__main__':
    run_tool(main)
