"""Convert MMDetection 3.3's MobileNetV2 weights to mmshuffle's layout, or
back with --reverse.

    python tools/model_converters/mmdet2mmshuffle.py SRC DST [--reverse]

SRC is a backbone state dict or a whole checkpoint (a detector's, with the
backbone under backbone.); keys outside the backbone are kept as they are.
The width is worked out from the tensors. DST gets {'state_dict', 'meta'}.
"""
import argparse

from mmshuffle.cli import run_tool
from mmshuffle.converters import convert_mmdet_checkpoint


def main() -> None:
    """Parse the command line and convert."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='the checkpoint or state dict to read')
    parser.add_argument('dst', help='the checkpoint to write')
    parser.add_argument(
        '--reverse',
        action='store_true',
        help="convert mmshuffle's layout to mmdet's")
    args = parser.parse_args()
    meta = convert_mmdet_checkpoint(args.src, args.dst, args.reverse)
    print(f'wrote {args.dst}: {meta["architecture"]} '
          f'{meta["widen_factor"]:g}x, {meta["converted_from"]} -> '
          f'{meta["layout"]} layout')


if __name__ == '__main__':
    run_tool(main)
