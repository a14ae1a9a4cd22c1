"""The benchmark's outputs: the machine they were measured on, the tables
and targets drawn from a run's results, and the latency plot.

A run's results (what ``tools/analysis_tools/benchmark.py`` measures, and
writes as ``benchmark.json``) are plain numbers; :func:`render` turns them
into ``benchmark.md``, so that a report can be drawn again from its JSON.
"""
import datetime
import importlib.metadata
import json
import statistics
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from ..deploy.machine import machine_key, onednn_cap_setting
from .runtimes import (
    MMPRETRAIN_EAGER,
    MMSHUFFLE_BF16,
    MMSHUFFLE_DEPLOY,
    MMSHUFFLE_INT8,
    PEER_ONNXRUNTIME,
    PEER_OPENVINO,
    PRECISION,
    TORCHVISION_EAGER,
)
from .training_speed import TrainingSetup

# The targets at batch 1: (model key, faster runtime, slower runtime, the
# least speed-up).
LATENCY_TARGETS = [
    ('v2', MMSHUFFLE_DEPLOY, TORCHVISION_EAGER, 2.5),
    ('mnv2', MMSHUFFLE_DEPLOY, TORCHVISION_EAGER, 2.2),
    ('v1', MMSHUFFLE_DEPLOY, MMPRETRAIN_EAGER, 2.5),
    ('v2', MMSHUFFLE_DEPLOY, PEER_ONNXRUNTIME, 1.0),
    ('mnv2', MMSHUFFLE_DEPLOY, PEER_ONNXRUNTIME, 1.0),
    ('v1', MMSHUFFLE_DEPLOY, PEER_ONNXRUNTIME, 1.0),
    ('v2', MMSHUFFLE_INT8, TORCHVISION_EAGER, 3.0),
    ('mnv2', MMSHUFFLE_INT8, TORCHVISION_EAGER, 3.0),
    # On a CPU with AMX or AVX-512 BF16: the fp32 deploy path never slower
    # than the best runtime on the peer's export, bf16 1.5x ONNX Runtime's
    # fp32, INT8 6x torchvision's eager fp32.
    ('v2', MMSHUFFLE_DEPLOY, PEER_OPENVINO, 1.0),
    ('mnv2', MMSHUFFLE_DEPLOY, PEER_OPENVINO, 1.0),
    ('v1', MMSHUFFLE_DEPLOY, PEER_OPENVINO, 1.0),
    ('v2', MMSHUFFLE_BF16, PEER_ONNXRUNTIME, 1.5),
    ('mnv2', MMSHUFFLE_BF16, PEER_ONNXRUNTIME, 1.5),
    ('v1', MMSHUFFLE_BF16, PEER_ONNXRUNTIME, 1.5),
    ('v2', MMSHUFFLE_INT8, TORCHVISION_EAGER, 6.0),
    ('mnv2', MMSHUFFLE_INT8, TORCHVISION_EAGER, 6.0),
]
# The targets at the benchmark's batch (images per second), the deploy
# path optimised on that batch: never slower than the best runtime on the
# peer's export there either.
THROUGHPUT_TARGETS = [
    (key, MMSHUFFLE_DEPLOY, peer, 1.0)
    for peer in (PEER_ONNXRUNTIME, PEER_OPENVINO)
    for key in ('v2', 'mnv2', 'v1')
]
# Training: our fastest set-up against mmpretrain's default, and with_cp's
# memory saving.
TRAINING_SPEED_TARGET = 1.3
WITH_CP_MEMORY_TARGET = 0.30
MMPRETRAIN_DEFAULT = TrainingSetup('mmpretrain', False, False)

FAMILY_MARKERS = {'ShuffleNetV1': 's', 'ShuffleNetV2': 'o', 'MobileNetV2': '^'}
RUNTIME_COLOURS = {
    'mmshuffle deploy': 'tab:green',
    'mmshuffle eager': 'tab:blue',
    'torchvision eager': 'tab:red',
}


def machine() -> str:
    """The CPU model and its instruction sets, the cores this process may
    use, and the versions of the libraries timed.

    Returns:
        str: One line, e.g. ``'Intel(R) Xeon(R) Processor [amx_bf16 ...
        avx2], 2 cores; torch 2.14.1, ...'``.
    """
    import mmpretrain
    import onnxruntime
    import torch
    import torchvision
    versions = [f'torch {torch.__version__}',
                f'torchvision {torchvision.__version__}',
                f'mmpretrain {mmpretrain.__version__}',
                f'onnxruntime {onnxruntime.__version__}']
    for optional in ('openvino', 'ncnn'):
        try:
            version = importlib.metadata.version(optional)
            versions.append(f'{optional} {version}')
        except importlib.metadata.PackageNotFoundError:
            pass
    return f'{machine_key()}; ' + ', '.join(versions)


def provenance() -> dict:
    """When, how and where a report was made: what every generated table
    starts with.

    Returns:
        dict: ``date`` (ISO), ``command`` (the tool's command line, from
        the repository root, after oneDNN's instruction-set cap where one
        is set) and ``machine`` (:func:`machine`).
    """
    cap = onednn_cap_setting()
    return dict(date=str(datetime.date.today()),
                command=(f'{cap} ' if cap else '') +
                'python ' + ' '.join(sys.argv),
                machine=machine())


def markdown_table(header: Sequence[str],
                   rows: Sequence[Sequence[object]]) -> str:
    """Format rows as a Markdown table.

    Args:
        header (Sequence[str]): The column names.
        rows (Sequence[Sequence]): The cells, one sequence per row.

    Returns:
        str: The table, one line per row.
    """
    lines = [header, ['---'] * len(header)] + [list(map(str, r))
                                               for r in rows]
    return '\n'.join('| ' + ' | '.join(line) + ' |' for line in lines)


def plot_latency(points: List[Dict], path: Path, title: str) -> None:
    """Plot latency against multiply-adds and against top-1.

    Args:
        points (list[dict]): One per variant and runtime: ``variant``,
            ``family``, ``mflops``, ``top1`` (None where unpublished),
            ``runtime`` and ``ms``.
        path (Path): The PNG to write.
        title (str): The figure's title.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.ticker import (
        FormatStrFormatter,
        LogLocator,
        NullFormatter,
        ScalarFormatter,
    )
    figure, (by_flops, by_top1) = plt.subplots(1, 2, figsize=(13, 5.5))
    for family, marker in FAMILY_MARKERS.items():
        for runtime, colour in RUNTIME_COLOURS.items():
            chosen = [p for p in points
                      if p['family'] == family and p['runtime'] == runtime]
            if not chosen:
                continue
            label = f'{family}, {runtime}'
            chosen.sort(key=lambda p: p['mflops'])
            by_flops.plot([p['mflops'] for p in chosen],
                          [p['ms'] for p in chosen], marker=marker,
                          color=colour, linestyle='none', label=label,
                          fillstyle='full' if 'deploy' in runtime else 'none')
            ranked = sorted((p for p in chosen if p['top1'] is not None),
                            key=lambda p: p['top1'])
            by_top1.plot([p['top1'] for p in ranked],
                         [p['ms'] for p in ranked], marker=marker,
                         color=colour, label=label,
                         fillstyle='full' if 'deploy' in runtime else 'none')
    for axes, xlabel in ((by_flops,
                          'multiply-adds (M) at 224x224, conv + linear'),
                         (by_top1, 'published ImageNet top-1 (%)')):
        axes.set_yscale('log')
        # Labels at 1, 2 and 5 times each power of ten, as plain numbers.
        axes.yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
        axes.yaxis.set_major_formatter(FormatStrFormatter('%g'))
        axes.yaxis.set_minor_formatter(NullFormatter())
        axes.set_ylabel('latency (ms), batch 1')
        axes.set_xlabel(xlabel)
        axes.grid(True, which='both', alpha=0.3)
    by_flops.set_xscale('log')
    by_flops.xaxis.set_major_formatter(ScalarFormatter())
    by_top1.legend(fontsize=7, loc='upper left')
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def ratio(numerator: float, denominator: Optional[float]) -> str:
    """``numerator / denominator`` as ``'2.87x'``, or ``'-'`` without one.

    Args:
        numerator (float): The slower time.
        denominator (float, optional): The faster time.

    Returns:
        str: The ratio.
    """
    if denominator is None or numerator is None:
        return '-'
    return f'{numerator / denominator:.2f}x'


def _judged(name: str, value: float, least: float, shown: str,
            needed: str, spread: str = '-') -> List[str]:
    return [name, shown, spread, needed, 'yes' if value >= least else 'NO']


def round_spread(numerators: Sequence[float],
                 denominators: Sequence[float]) -> str:
    """The middle half of a speed-up's values round by round.

    The runtimes of an interleaved round saw the same load, so their ratio
    in each round is one measurement of the speed-up; the middle half of
    those (first to third quartile) shows how far the median is from the
    run's noise.

    Args:
        numerators (Sequence[float]): Each round's slower time, or faster
            rate.
        denominators (Sequence[float]): The other runtime's, in the same
            rounds.

    Returns:
        str: ``'0.95x-1.02x'``, or ``'-'`` with fewer than two rounds.
    """
    if len(numerators) < 2:
        return '-'
    first, _, third = statistics.quantiles(
        [n / d for n, d in zip(numerators, denominators)], n=4,
        method='inclusive')
    return f'{first:.2f}x-{third:.2f}x'


def inference_rows(results: Dict) -> List[List[str]]:
    """The inference table: every runtime of every model, the deploy
    path's speed-up over it, how far it is from the compute floor of its
    precision, and the floors: the model's operations (two per
    multiply-add) over the run's matrix-multiply rate at fp32, bf16 and
    int8."""
    rows = []
    scale = (results['size'] / 224)**2
    rates = results['gemm_gops']
    for model in results['inference'].values():
        deploy = model['latency_ms'][MMSHUFFLE_DEPLOY]
        operations = 2 * model['mflops'] * scale
        floors = {precision: operations / rate
                  for precision, rate in rates.items()}
        backends = model.get('backends', {})
        batch_backends = model.get('batch_backends', {})
        for runtime, ms in model['latency_ms'].items():
            label = {PEER_ONNXRUNTIME: f'ONNX Runtime, {model["peer"]} export',
                     PEER_OPENVINO: f'OpenVINO, {model["peer"]} export'
                     }.get(runtime, runtime)
            if runtime in backends:
                on_batch = batch_backends.get(runtime, backends[runtime])
                label += f' ({backends[runtime]}' + (
                    f'; batch {results["batch"]}: {on_batch}'
                    if on_batch != backends[runtime] else '') + ')'
            rows.append([model['title'], label, f'{ms:.2f}',
                         ratio(ms, deploy),
                         ratio(ms, floors[PRECISION.get(runtime, 'fp32')]),
                         f'{model["images_per_second"][runtime]:.0f}'])
        for precision, floor in floors.items():
            rows.append([
                model['title'], f'compute floor, {precision} '
                f'({operations:.0f} M operations at {rates[precision]:.0f} '
                'G/s)', f'{floor:.3f}', ratio(floor, deploy), '1.00x',
                f'{1e3 / floor:.0f}'
            ])
    return rows


def targets(results: Dict) -> List[List[str]]:
    """Each target the run can judge: measured, the middle half of its
    rounds (:func:`round_spread`, where the run kept them), needed, met."""
    judged = []
    # Each target's medians and, where the run kept them, its rounds: ms
    # per batch-1 call (the speed-up is slow / fast) and images per second
    # on a batch (fast / slow).
    for listed, median, each_round, per_call, suffix in (
            (LATENCY_TARGETS, 'latency_ms', 'latency_rounds_ms', True, ''),
            (THROUGHPUT_TARGETS, 'images_per_second',
             'images_per_second_rounds', False,
             f', batch {results["batch"]}')):
        for key, fast, slow, least in listed:
            model = results['inference'].get(key, {})
            values, rounds = model.get(median, {}), model.get(each_round, {})
            if not {fast, slow} <= set(values):
                continue
            over, under = (slow, fast) if per_call else (fast, slow)
            speed = values[over] / values[under]
            spread = (round_spread(rounds[over], rounds[under])
                      if {fast, slow} <= set(rounds) else '-')
            judged.append(_judged(
                f'{model["title"]}: {fast} vs {slow}{suffix}', speed, least,
                f'{speed:.2f}x', f'>= {least}x', spread))
    for model in dict.fromkeys(r['model'] for r in results['training']):
        runs = {TrainingSetup(**r['setup']): r for r in results['training']
                if r['model'] == model}
        fastest = min((setup for setup in runs
                       if setup.implementation == 'mmshuffle'),
                      key=lambda setup: runs[setup]['seconds'])
        speed = runs[MMPRETRAIN_DEFAULT]['seconds'] / runs[fastest]['seconds']
        saving = 1 - (runs[TrainingSetup('mmshuffle', True, False)]
                      ['peak_bytes'] / runs[TrainingSetup(
                          'mmshuffle', False, False)]['peak_bytes'])
        judged.append(_judged(
            f'{model}: training step, {fastest.label} vs mmpretrain', speed,
            TRAINING_SPEED_TARGET, f'{speed:.2f}x',
            f'>= {TRAINING_SPEED_TARGET}x'))
        judged.append(_judged(
            f'{model}: with_cp peak training memory saving', saving,
            WITH_CP_MEMORY_TARGET, f'{saving:.0%}',
            f'>= {WITH_CP_MEMORY_TARGET:.0%}'))
    return judged


def training_rows(results: Dict) -> List[List[str]]:
    """The training table: each set-up against mmpretrain's default of the
    same model, and with_cp's memory against the same set-up without it."""
    runs = {(r['model'], TrainingSetup(**r['setup'])): r
            for r in results['training']}
    rows = []
    for (model, setup), run in runs.items():
        without_cp = runs[(model, TrainingSetup(
            setup.implementation, False, setup.channels_last, setup.bf16))]
        saving = ('-' if not setup.with_cp else
                  f'{1 - run["peak_bytes"] / without_cp["peak_bytes"]:.0%}')
        rows.append([
            model, setup.label, f'{run["seconds"]:.2f}',
            f'{results["batch"] / run["seconds"]:.1f}',
            ratio(runs[(model, MMPRETRAIN_DEFAULT)]['seconds'],
                  run['seconds']),
            f'{run["peak_bytes"] / 2**20:.0f}', saving
        ])
    return rows


def render(results: Dict) -> str:
    """Draw a run's results as ``benchmark.md``.

    Args:
        results (dict): What the benchmark measured: ``date``, ``command``,
            ``machine``, ``threads``, ``size``, ``batch``, ``rounds``,
            ``batch_rounds``, ``training_rounds``, ``gemm_gops`` (the
            matrix-multiply rate by precision: ``fp32``, ``bf16``,
            ``int8``);
            ``inference`` (by model key: ``title``, ``peer``, ``mflops``
            at 224x224, ``latency_ms`` and ``images_per_second`` by
            runtime (medians), optionally ``latency_rounds_ms`` and
            ``images_per_second_rounds`` (each round's, in the order of
            the rounds), ``backends``: what each of our optimised runtimes
            chose, its backend and, for an OpenVINO INT8 model, its float
            layers' precision; ``batch_backends``: the same for the
            runtimes timed at ``batch``, the deploy path optimised on that
            batch); ``training`` (one per model and set-up:
            ``model``, ``setup`` as :class:`TrainingSetup`'s fields,
            ``seconds`` per step, ``peak_bytes``); ``sweep`` (the plot's
            points).

    Returns:
        str: The Markdown report: provenance, inference table, targets,
        training table and, with a sweep, the plot.
    """
    lines = [
        f'{results["date"]}, `{results["command"]}`', '',
        f'{results["machine"]}; {results["threads"]} thread(s), '
        f'{results["size"]}x{results["size"]}; matrix multiply ' + ', '.join(
            f'{precision} {rate:.0f} G/s'
            for precision, rate in results['gemm_gops'].items()) + '.', '',
        f'Inference: median ms per batch-1 call ({results["rounds"]} '
        'interleaved rounds), the deploy path\'s speed-up over each, and '
        f'images per second at batch {results["batch"]} '
        f'({results["batch_rounds"]} rounds).', '',
        markdown_table(['model', 'runtime', 'batch 1 (ms)',
                        'deploy is faster by', 'over its floor',
                        f'batch {results["batch"]} (img/s)'],
                       inference_rows(results)), '', 'Targets:', '',
        markdown_table(['target', 'measured', 'middle half of rounds',
                        'needed', 'met'], targets(results))
    ]
    if results['training']:
        lines += [
            '', f'Training step, batch {results["batch"]} (median of '
            f'{results["training_rounds"]} interleaved steps; peak memory of '
            'a fresh process, over its size before the first step):', '',
            markdown_table(['model', 'set-up', 's/step', 'img/s',
                            'vs mmpretrain', 'peak MB', 'with_cp saves'],
                           training_rows(results))
        ]
    if results['sweep']:
        lines += ['', '![Batch-1 latency of every variant against its '
                  'multiply-adds and published top-1](benchmark.png)']
    return '\n'.join(lines) + '\n'


def write_report(results: Dict, out_dir: Path) -> str:
    """Write ``benchmark.json``, ``benchmark.md`` and, with a sweep,
    ``benchmark.png`` to a folder.

    Args:
        results (dict): A run's results, as :func:`render` takes them.
        out_dir (Path): The folder; made if missing.

    Returns:
        str: The Markdown report.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    report = render(results)
    (out_dir / 'benchmark.json').write_text(json.dumps(results, indent=2))
    (out_dir / 'benchmark.md').write_text(report)
    if results['sweep']:
        plot_latency(results['sweep'], out_dir / 'benchmark.png',
                     f'Batch-1 latency, {results["threads"]} thread(s), '
                     f'{results["size"]}x{results["size"]}')
    return report
