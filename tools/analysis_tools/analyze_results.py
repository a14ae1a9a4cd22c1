"""A classifier's most confident right and wrong predictions, as two image
grids.

    python tools/analysis_tools/analyze_results.py CONFIG PKL [--topk 8]
        [--out-dir DIR] [--size 224]

PKL is what ``tools/test.py --out FILE.pkl`` wrote. ``best.png`` holds the
``--topk`` right predictions with the highest scores, ``worst.png`` the
wrong ones with the highest scores (the confident mistakes); each image is
drawn by mmpretrain's ``UniversalVisualizer`` with its ground truth and
prediction, its short edge at ``--size`` pixels.
"""
import argparse
from pathlib import Path

import mmcv

from mmshuffle.cli import (
    add_cfg_options_arg,
    load_config,
    load_predictions,
    run_tool,
    test_set_metainfo,
    tile_images,
)


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the classification config')
    parser.add_argument('pkl', help='the predictions of tools/test.py --out')
    parser.add_argument('--topk', type=int, default=8,
                        help='images per grid (default: 8)')
    parser.add_argument('--out-dir', default='.',
                        help='where to write best.png and worst.png '
                        '(default: here)')
    parser.add_argument('--size', type=int, default=224,
                        help='short edge of each drawn image (default: 224)')
    add_cfg_options_arg(parser)
    args = parser.parse_args()
    if args.topk < 1:
        parser.error(f'--topk must be at least 1, got {args.topk}')
    return args


def main() -> None:
    """Rank, draw and tile."""
    from mmpretrain.structures import DataSample
    from mmpretrain.visualization import UniversalVisualizer
    args = parse_args()
    results = load_predictions(args.pkl, classifier=True)
    cfg = load_config(args.config, None, 'none', args.cfg_options)
    classes = test_set_metainfo(cfg).get('classes')
    visualizer = UniversalVisualizer()
    visualizer.dataset_meta = dict(classes=classes) if classes else {}
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    right = [r for r in results
             if int(r['pred_label'][0]) == int(r['gt_label'][0])]
    wrong = [r for r in results
             if int(r['pred_label'][0]) != int(r['gt_label'][0])]
    for name, chosen in (('best', right), ('worst', wrong)):
        chosen = sorted(chosen, key=lambda r: -float(r['pred_score'].max()))
        drawn = []
        for result in chosen[:args.topk]:
            sample = DataSample().set_gt_label(result['gt_label'])
            sample.set_pred_label(result['pred_label']).set_pred_score(
                result['pred_score'])
            image = mmcv.imread(result['img_path'], channel_order='rgb')
            drawn.append(visualizer.visualize_cls(
                image, sample, resize=args.size))
        path = out_dir / f'{name}.png'
        if drawn:
            mmcv.imwrite(mmcv.rgb2bgr(tile_images(drawn)), str(path))
        print(f'{name}: {len(drawn)} of {len(chosen)} '
              f'{"right" if name == "best" else "wrong"} predictions'
              + (f' -> {path}' if drawn else ''))


if __name__ == '__main__':
    run_tool(main)
