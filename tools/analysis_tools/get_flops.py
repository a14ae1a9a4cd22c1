"""Count the parameters and FLOPs of a config's model.

    python tools/analysis_tools/get_flops.py CONFIG [--shape H W]
        [--cfg-options K=V ...]

The count is MMEngine's (``mmengine.analysis.FlopAnalyzer``), on one image
of 224x224 by default, printed two ways: every operator MMEngine counts
(convolutions, matrix products, normalisation, upsampling, adaptive
pooling), and the convolutions and linear layers alone, the multiply-adds
the ShuffleNet and MobileNetV2 papers count. MMEngine counts one FLOP per
multiply-add. Classifiers run ``model(x, mode='tensor')``; a detector that
cannot be traced whole is counted as backbone and neck, and the tool says
so.
"""
import argparse

import torch

import mmshuffle.compat  # noqa: F401  (applies the fixes on import)
from mmshuffle.analysis.complexity import Complexity, model_complexity
from mmshuffle.cli import (
    add_cfg_options_arg,
    add_shape_arg,
    build_model,
    load_config,
    parse_image_shape,
    run_tool,
)


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Count the parameters and FLOPs of a model')
    parser.add_argument('config', help='config file path')
    add_shape_arg(parser)
    add_cfg_options_arg(parser)
    return parser.parse_args()


def millions(count: int) -> str:
    """Write a count in millions (billions from 1G), as papers do."""
    if count >= 1e9:
        return f'{count / 1e9:.2f}G'
    return f'{count / 1e6:.2f}M'


def report(counted: Complexity) -> str:
    """Describe the counts as lines of text.

    Args:
        counted (Complexity): What :func:`model_complexity` counted.

    Returns:
        str: The report.
    """
    by_operator = sorted(counted.by_operator.items(), key=lambda kv: -kv[1])
    lines = [
        f'counted: {counted.traced}',
        f'params: {millions(counted.params)} ({counted.params:,})',
        f'FLOPs, all ops as mmengine counts them: {millions(counted.flops)}',
        'FLOPs, convolutions + linear only (multiply-adds, as the papers '
        f'count them): {millions(counted.madds)}',
        'by operator: ' + ', '.join(f'{op} {millions(count)}'
                                    for op, count in by_operator),
    ]
    if counted.uncounted:
        lines.append('not counted by mmengine: ' + ', '.join(
            f'{op} (x{calls})' for op, calls in counted.uncounted.items()))
    if counted.fallback_reason:
        lines.insert(1, 'the whole model could not be traced: '
                     f'{counted.fallback_reason.splitlines()[0]}')
    return '\n'.join(lines)


def main() -> None:
    """Build the model from the config and print its complexity."""
    args = parse_args()
    height, width = parse_image_shape(args.shape)
    cfg = load_config(args.config, None, 'none', args.cfg_options)
    # Random weights decide how many proposals a two-stage detector's RoI
    # head gets: seed them, so that the count is the same every run.
    torch.manual_seed(0)
    model = build_model(cfg)
    counted = model_complexity(model, (3, height, width))
    rule = '=' * 60
    print(f'{rule}\nconfig: {args.config}\nmodel: {type(model).__name__}, '
          f'input: (1, 3, {height}, {width})')
    print(report(counted))
    print('(mmengine counts one FLOP per multiply-add)')
    print(rule)


if __name__ == '__main__':
    run_tool(main)
