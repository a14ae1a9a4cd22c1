"""Build every variant of the three families and print a table.

For each variant: its parameters, its multiply-adds at 224x224 beside the
published figure, and the output shape of every stage.

Usage: python tools/model_table.py [--size 224] [--markdown]
"""
import argparse
from typing import List

import torch
from mmengine.logging import MMLogger

from mmshuffle.analysis import classifier_complexity
from mmshuffle.benchmark.report import markdown_table
from mmshuffle.models.variants import VARIANTS, Variant
from mmshuffle.registry import MODELS


def variant_row(variant: Variant, size: int) -> List[str]:
    """Build a variant and describe it as table cells.

    Args:
        variant (Variant): The variant to build.
        size (int): The input's height and width.

    Returns:
        list[str]: Name, parameters, MFLOPs, published MFLOPs, the relative
        difference, and the stage shapes.
    """
    num_stages = len(
        MODELS.get(variant.type).stage_channels_for(**variant.kwargs))
    backbone = MODELS.build(
        dict(variant.cfg, out_indices=tuple(range(num_stages)))).eval()
    madds, params = classifier_complexity(backbone, size)
    with torch.no_grad():
        outs = backbone(torch.zeros(1, 3, size, size))
    shapes = ' '.join('x'.join(map(str, out.shape[1:])) for out in outs)
    paper = variant.paper_mflops
    return [
        variant.name, f'{params / 1e6:.2f}', f'{madds:.1f}', f'{paper:g}',
        f'{100 * (madds / paper - 1):+.1f}%', shapes
    ]


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, default=224,
                        help='input height and width (default: 224)')
    parser.add_argument('--markdown', action='store_true',
                        help='print a Markdown table')
    args = parser.parse_args()
    MMLogger.get_instance('mmengine').setLevel('WARNING')
    header = ['variant', 'params (M)', 'MFLOPs', 'paper', 'diff',
              f'stage outputs (C x H x W) at {args.size}x{args.size}']
    rows = [variant_row(variant, args.size) for variant in VARIANTS]
    if args.markdown:
        print(markdown_table(header, rows))
        return
    widths = [max(len(row[i]) for row in [header] + rows)
              for i in range(len(header) - 1)]
    for row in [header] + rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)]
        print('  '.join(cells + [row[-1]]))
    print('\nMFLOPs: multiply-adds of the convolutions and a 1000-way '
          'classifier, counted by mmengine.analysis. Sources of "paper":')
    for source in dict.fromkeys(variant.source for variant in VARIANTS):
        print(f'  - {source}')


if __name__ == '__main__':
    main()
