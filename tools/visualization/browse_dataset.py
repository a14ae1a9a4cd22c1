"""Look at a config's data as the model gets it: the first images of a
split, after its pipeline, with their labels or boxes drawn, in one grid.

    python tools/visualization/browse_dataset.py CONFIG [--phase train]
        [--show-number 12] [--out FILE] [--size 224] [--cfg-options ...]

Classification images are drawn by mmpretrain's ``UniversalVisualizer``
(the ground-truth class, the short edge at ``--size`` pixels), detection
images by MMDetection's ``DetLocalVisualizer`` (the ground-truth boxes).
The augmentations run as in training: run it twice to see them vary.
"""
import argparse
from pathlib import Path

import mmcv

from mmshuffle.apis.inference import is_detection_config
from mmshuffle.cli import (
    add_cfg_options_arg,
    check_data_roots,
    load_config,
    run_tool,
    tile_images,
)

PHASES = {'train': 'train_dataloader', 'val': 'val_dataloader',
          'test': 'test_dataloader'}


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the config')
    parser.add_argument('--phase', choices=list(PHASES), default='train',
                        help='which split (default: train)')
    parser.add_argument('--show-number', type=int, default=12,
                        help='how many images (default: 12)')
    parser.add_argument('--out', help='the PNG to write (default: '
                        'CONFIG_NAME_PHASE.png here)')
    parser.add_argument('--size', type=int, default=224,
                        help='classification: short edge of each image '
                        '(default: 224)')
    add_cfg_options_arg(parser)
    args = parser.parse_args()
    if args.show_number < 1:
        parser.error(f'--show-number must be at least 1, got '
                     f'{args.show_number}')
    return args


def main() -> None:
    """Build the dataset, draw its first items, tile them."""
    from mmengine.registry import DATASETS, VISUALIZERS, DefaultScope
    args = parse_args()
    cfg = load_config(args.config, None, 'none', args.cfg_options)
    check_data_roots(cfg, (PHASES[args.phase], ))
    detection = is_detection_config(cfg)
    drawn = []
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        dataset = DATASETS.build(cfg[PHASES[args.phase]].dataset)
        visualizer = VISUALIZERS.build(
            dict(type='DetLocalVisualizer' if detection else
                 'UniversalVisualizer', name='browse_dataset'))
        visualizer.dataset_meta = dataset.metainfo
        for index in range(min(args.show_number, len(dataset))):
            item = dataset[index]
            # The network's input (the pipelines load BGR), channels last,
            # in the RGB order the visualizers take.
            image = item['inputs'].permute(1, 2, 0).numpy()[..., ::-1].copy()
            if detection:
                # The pipeline's boxes are box objects; the visualizer
                # draws a tensor.
                instances = item['data_samples'].gt_instances
                instances.bboxes = getattr(instances.bboxes, 'tensor',
                                           instances.bboxes)
                visualizer.add_datasample('item', image,
                                          item['data_samples'],
                                          draw_pred=False, show=False)
                drawn.append(visualizer.get_image())
            else:
                drawn.append(visualizer.visualize_cls(
                    image, item['data_samples'], draw_pred=False,
                    resize=args.size))
    out = Path(args.out or f'{Path(args.config).stem}_{args.phase}.png')
    out.parent.mkdir(parents=True, exist_ok=True)
    mmcv.imwrite(mmcv.rgb2bgr(tile_images(drawn)), str(out))
    print(f'{len(drawn)} {args.phase} images of {len(dataset)}: {out}')


if __name__ == '__main__':
    run_tool(main)
