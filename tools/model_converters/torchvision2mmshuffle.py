"""Convert torchvision's ShuffleNetV2 or MobileNetV2 weights into an
mmshuffle ImageClassifier checkpoint.

    python tools/model_converters/torchvision2mmshuffle.py SRC DST

SRC is a state dict as torchvision publishes it (shufflenet_v2_x0_5 ...
x2_0, mobilenet_v2 of any width_mult); the family and width are worked out
from its tensors. DST gets {'state_dict', 'meta'}; meta['config'] names the
config that builds the model, where one exists; the tool prints the config
and the --cfg-options that fit the model.
"""
import argparse

from mmshuffle.cli import run_tool
from mmshuffle.converters import (
    ZOO_CONFIGS,
    ZOO_NUM_CLASSES,
    convert_torchvision_checkpoint,
)


def main() -> None:
    """Parse the command line and convert."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help="torchvision's state dict (.pth)")
    parser.add_argument('dst', help='the mmshuffle checkpoint to write')
    args = parser.parse_args()
    meta = convert_torchvision_checkpoint(args.src, args.dst)
    family, width = meta['architecture'], meta['widen_factor']
    overrides = [] if meta['config'] else [
        f'model.backbone.widen_factor={width:g}',
        f'model.head.in_channels={meta["in_channels"]}'
    ]
    if meta['num_classes'] != ZOO_NUM_CLASSES:
        overrides.append(f'model.head.num_classes={meta["num_classes"]}')
    config = meta['config'] or ZOO_CONFIGS[family, 1.0]
    if overrides:
        config += f' --cfg-options {" ".join(overrides)}'
    print(f'wrote {args.dst}: {family} {width:g}x, {meta["num_classes"]} '
          f'classes; config: {config}')

if __name__ == '__main__':
    run_tool(main)
