"""Time each inference step and backend of ``mmshuffle.deploy.optimize``.

    python tools/analysis_tools/deploy_speed.py [--threads 1] [--size 224]
        [--batch 1] [--rounds 15] [--models v2 mnv2 v1] [--no-inductor]

For ShuffleNetV2 1x, MobileNetV2 1.0 and ShuffleNetV1 1x g=3 (the
ImageNet classifiers of the model zoo, randomly initialised), the median
time per call, all candidates of a model timed interleaved in one process:
the model as built (eager), each step that changes the model added in turn
in eager mode, each backend with its default steps, the callable
``optimize`` returns, ONNX Runtime on a plain export (no steps), and
torchvision's eager model where torchvision has the architecture. Prints a
Markdown table with each time's ratio to the eager model's.
"""
import argparse
import datetime
import sys
import time
import warnings
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.logging import MMLogger
from torch import Tensor, nn

import mmshuffle
from mmshuffle.benchmark.report import markdown_table
from mmshuffle.cli.tool_support import add_speed_args, check_at_least_one
from mmshuffle.deploy import (
    BACKENDS,
    DEFAULT_BACKEND,
    DEFAULT_STEPS,
    interleaved_medians,
    max_abs_diff,
    optimize,
    prepare,
)
from mmshuffle.deploy.onnx_session import export_onnx, session_runner

# key: (zoo name, display name, torchvision builder name or None, the
# steps that change the model: fuse_shuffles needs a ShuffleNet V2,
# pad_channels a ShuffleNet V2 with branches of 58 channels, pool_as_conv a
# ShuffleNet V1, fc_as_conv a classifier whose linear head is on a pool)
MODELS: Dict[str, Tuple[str, str, Optional[str], Tuple[str, ...]]] = {
    'v2': ('shufflenet-v2-1x_16xb64_in1k', 'ShuffleNetV2 1x',
           'shufflenet_v2_x1_0', ('fold_bn', 'fuse_shuffles', 'pad_channels',
                                  'fc_as_conv', 'channels_last')),
    'mnv2': ('mobilenet-v2_8xb32_in1k', 'MobileNetV2 1.0', 'mobilenet_v2',
             ('fold_bn', 'fc_as_conv', 'channels_last')),
    'v1': ('shufflenet-v1-1x_16xb64_in1k', 'ShuffleNetV1 1x g=3', None,
           ('fold_bn', 'pool_as_conv', 'fc_as_conv', 'channels_last')),
}


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Time the deploy steps and backends')
    add_speed_args(parser)
    parser.add_argument('--batch', type=int, default=1,
                        help='batch size (default: 1)')
    parser.add_argument('--rounds', type=int, default=15,
                        help='interleaved timing rounds (default: 15)')
    parser.add_argument('--models', nargs='+', choices=list(MODELS),
                        default=list(MODELS), help='which models')
    parser.add_argument('--no-inductor', action='store_true',
                        help='leave out torch.compile (slow to compile)')
    args = parser.parse_args()
    check_at_least_one(parser, args, 'threads', 'size', 'batch', 'rounds')
    return args


def torchvision_model(name: str) -> nn.Module:
    """Build torchvision's model of an architecture, eval mode."""
    import torchvision
    return getattr(torchvision.models, name)().eval()


def candidates(model: nn.Module, x: Tensor, tv_name: Optional[str],
               steps: Sequence[str],
               inductor: bool) -> Tuple[Dict[str, Callable], Dict[str, str]]:
    """Build every row's callable for one model.

    Args:
        model (nn.Module): The classifier, eval mode.
        x (Tensor): The input.
        tv_name (str, optional): torchvision's builder name, or None.
        steps (Sequence[str]): The steps to add one by one in eager mode,
            in the order of :data:`STEPS`.
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

    add('eager (as built)', lambda: prepare(model, ()), 'no steps')
    for count in range(1, len(steps) + 1):
        add(f'eager + {steps[count - 1]}', lambda taken=steps[:count]:
            optimize(model, x, backend='eager', steps=taken),
            ', '.join(steps[:count]))
    for backend in BACKENDS:
        if backend == 'eager' or (backend == 'inductor' and not inductor):
            continue
        add(backend, lambda backend=backend: optimize(
            model, x, backend=backend), ', '.join(DEFAULT_STEPS[backend]))
    add(f'optimize() default ({DEFAULT_BACKEND})',
        lambda: optimize(model, x), 'the defaults')
    add('onnxruntime, plain export', lambda: session_runner(
        export_onnx(prepare(model, ()), x, translations={})),
        'no steps, the exporter\'s own translations')
    if tv_name is not None:
        add('torchvision eager', lambda: torchvision_model(tv_name),
            f'torchvision.models.{tv_name}()')
    return rows, notes


def main() -> None:
    """Print the table."""
    args = parse_args()
    torch.set_num_threads(args.threads)
    MMLogger.get_instance('mmengine').setLevel('WARNING')
    warnings.filterwarnings('ignore')
    x = torch.randn(args.batch, 3, args.size, args.size)
    table: List[List[str]] = []
    for key in args.models:
        zoo_name, display, tv_name, steps = MODELS[key]
        print(f'{display}: building', file=sys.stderr)
        model = mmshuffle.get_model(zoo_name)
        rows, notes = candidates(model, x, tv_name, steps,
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
        for name, seconds in times.items():
            table.append([display, name, f'{seconds * 1e3:.2f}',
                          f'{base / seconds:.2f}x', notes[name]])
    import onnxruntime
    print(f'{datetime.date.today()}, `python {" ".join(sys.argv)}`: '
          f'batch {args.batch}, {args.size}x{args.size}, {args.threads} '
          f'thread(s), medians of {args.rounds} interleaved rounds; torch '
          f'{torch.__version__}, onnxruntime {onnxruntime.__version__}\n')
    print(markdown_table(
        ['model', 'variant', 'ms', 'speed-up vs eager', 'steps, notes'],
        table))


if __name__ == '__main__':
    main()
