"""Time each inference step and backend of ``mmshuffle.deploy.optimize``.

    python tools/analysis_tools/deploy_speed.py [--threads 1] [--size 224]
        [--batch 1] [--rounds 15] [--models v2 mnv2 v1] [--no-inductor]
        [--out-dir DIR]

For each family's headline ImageNet classifier (randomly initialised), the
median time per call, all candidates of a model timed interleaved in one
process: the model as built (eager), each step that changes the model
added in turn in eager mode, each backend with its default steps, the
callable ``optimize`` returns, ONNX Runtime with each of its default steps
left out in turn (what each step buys there; ``optimize`` and the
``onnxruntime`` row are two builds of the same thing, so their ratio is
the run's noise), ONNX Runtime on a plain export (no steps), and
torchvision's eager model where torchvision has the architecture. Prints a
Markdown table with each time's ratio to the eager model's and, with
``--out-dir``, writes it to ``deploy_speed.md`` there, with the date, the
command and the machine.
"""
import argparse
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import torch
from mmengine.logging import MMLogger
from torch import Tensor, nn

from mmshuffle.benchmark.classifiers import (
    torchvision_classifier,
    variant_classifier,
)
from mmshuffle.benchmark.report import markdown_table, provenance
from mmshuffle.cli.tool_support import add_speed_args, check_at_least_one
from mmshuffle.deploy import (
    BACKENDS,
    DEFAULT_BACKEND,
    DEFAULT_STEPS,
    STEPS,
    interleaved_medians,
    max_abs_diff,
    optimize,
    prepare,
)
from mmshuffle.deploy.onnx_session import export_onnx, session_runner
from mmshuffle.models.variants import HEADLINES


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Time the deploy steps and backends')
    add_speed_args(parser)
    parser.add_argument('--batch', type=int, default=1,
                        help='batch size (default: 1)')
    parser.add_argument('--rounds', type=int, default=15,
                        help='interleaved timing rounds (default: 15)')
    parser.add_argument('--models', nargs='+', choices=list(HEADLINES),
                        default=list(HEADLINES), help='which models')
    parser.add_argument('--no-inductor', action='store_true',
                        help='leave out torch.compile (slow to compile)')
    parser.add_argument('--out-dir', type=Path,
                        help='also write deploy_speed.md and '
                        'deploy_speed.json there')
    args = parser.parse_args()
    check_at_least_one(parser, args, 'threads', 'size', 'batch', 'rounds')
    return args


def changes(model: nn.Module, step: str) -> bool:
    """Whether a step changes a model (``channels_last`` always does:
    it changes the layout, not the modules)."""
    return step == 'channels_last' or repr(prepare(model, (step, ))) != repr(
        prepare(model, ()))


def candidates(model: nn.Module, x: Tensor, peer: Optional[nn.Module],
               inductor: bool) -> Tuple[Dict[str, Callable], Dict[str, str]]:
    """Build every row's callable for one model.

    Args:
        model (nn.Module): The classifier, eval mode.
        x (Tensor): The input.
        peer (nn.Module, optional): torchvision's model of it, or None.
        inductor (bool): Whether to compile with inductor.

    Returns:
        tuple[dict, dict]: The callables and, for each, its steps and the
        seconds it took to build, by row name.
    """
    rows: Dict[str, Callable] = {}
    notes: Dict[str, str] = {}

    def add(name: str, build: Callable[[], Callable], note: str) -> None:
        start = time.perf_counter()
        rows[name] = build()
        notes[name] = f'{note}; built in {time.perf_counter() - start:.1f} s'
        print(f'  built {name} ({notes[name]})', file=sys.stderr)

    # plain_shuffles changes only what an export writes.
    eager_steps = [step for step in STEPS
                   if step != 'plain_shuffles' and changes(model, step)]
    add('eager (as built)', lambda: prepare(model, ()), 'no steps')
    for count in range(1, len(eager_steps) + 1):
        add(f'eager + {eager_steps[count - 1]}',
            lambda taken=eager_steps[:count]: optimize(
                model, x, backend='eager', steps=taken),
            ', '.join(eager_steps[:count]))
    for backend in BACKENDS:
        if backend == 'eager' or (backend == 'inductor' and not inductor):
            continue
        add(backend, lambda backend=backend: optimize(
            model, x, backend=backend), ', '.join(DEFAULT_STEPS[backend]))
    add(f'optimize() default ({DEFAULT_BACKEND})',
        lambda: optimize(model, x), 'the defaults')
    default = DEFAULT_STEPS['onnxruntime']
    for step in default:
        if changes(model, step):
            kept = [other for other in default if other != step]
            add(f'onnxruntime without {step}',
                lambda kept=kept: optimize(model, x, backend='onnxruntime',
                                           steps=kept),
                ', '.join(kept))
    add('onnxruntime, plain export', lambda: session_runner(
        export_onnx(prepare(model, ()), x)),
        'no steps')
    if peer is not None:
        add('torchvision eager', peer.eval, 'torchvision.models')
    return rows, notes


def main() -> None:
    """Print the table, and write it with ``--out-dir``."""
    args = parse_args()
    torch.set_num_threads(args.threads)
    MMLogger.get_instance('mmengine').setLevel('WARNING')
    warnings.filterwarnings('ignore')
    x = torch.randn(args.batch, 3, args.size, args.size)
    table: List[List[str]] = []
    milliseconds: Dict[str, Dict[str, float]] = {}
    for key in args.models:
        variant = HEADLINES[key]
        print(f'{variant.title}: building', file=sys.stderr)
        model = variant_classifier(variant).eval()
        rows, notes = candidates(model, x, torchvision_classifier(variant),
                                 not args.no_inductor)
        with torch.no_grad():
            expected = model(x, mode='tensor')
        scale = expected.abs().max().item()
        for name, function in rows.items():
            if 'torchvision' not in name:
                with torch.no_grad():
                    diff = max_abs_diff(function(x), expected) / scale
                notes[name] += f'; max diff {diff:.0e} of the largest logit'
        times = interleaved_medians(rows, x, rounds=args.rounds)
        base = times['eager (as built)']
        milliseconds[variant.title] = {
            name: seconds * 1e3 for name, seconds in times.items()}
        for name, seconds in times.items():
            table.append([variant.title, name, f'{seconds * 1e3:.2f}',
                          f'{base / seconds:.2f}x', notes[name]])
    made = provenance()
    report = '\n'.join([
        f'{made["date"]}, `{made["command"]}`', '',
        f'{made["machine"]}; batch {args.batch}, {args.size}x{args.size}, '
        f'{args.threads} thread(s), medians of {args.rounds} interleaved '
        'rounds.', '',
        markdown_table(
            ['model', 'variant', 'ms', 'speed-up vs eager', 'steps, notes'],
            table)
    ]) + '\n'
    print(report)
    if args.out_dir is not None:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        (args.out_dir / 'deploy_speed.md').write_text(report)
        (args.out_dir / 'deploy_speed.json').write_text(
            json.dumps(dict(**made, ms=milliseconds), indent=2))


if __name__ == '__main__':
    main()
