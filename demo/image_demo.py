"""Predict on an image or a folder of images and draw the predictions.

    python demo/image_demo.py IMAGE MODEL [--checkpoint FILE] [--out-dir DIR]
        [--device cpu] [--topk 5] [--pred-score-thr 0.3] [--resize 224]

IMAGE is an image file or a folder of them; MODEL a model zoo name
(``mmshuffle.list_models()``) or a config file, classification or
MMDetection. Prints each image's top-k classes and scores (classification)
or its boxes, classes and scores (detection), and with ``--out-dir`` writes
each image with its predictions drawn.
"""
import argparse

import mmshuffle.compat  # noqa: F401  (applies the fixes on import)
from mmshuffle.apis import inference_model, list_images
from mmshuffle.cli import run_tool


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('image', help='image file or folder of images')
    parser.add_argument('model', help='model zoo name or config file')
    parser.add_argument('--checkpoint', help='the weights (default: the '
                        'zoo\'s published ones, or none for a config)')
    parser.add_argument('--out-dir', help='write the drawn images here')
    parser.add_argument('--device', help='cpu, cuda, cuda:1... (default: '
                        'a GPU where there is one)')
    parser.add_argument('--topk', type=int, default=5,
                        help='classes listed per image (default: 5)')
    parser.add_argument('--pred-score-thr', type=float, default=0.3,
                        help='least score of a box shown (default: 0.3)')
    parser.add_argument('--resize', type=int, default=224,
                        help='classification: draw on the image resized to '
                        'this short edge, 0 for its own size (default: 224)')
    return parser.parse_args()


def main() -> None:
    """Predict, print and draw."""
    args = parse_args()
    images = list_images(args.image)
    results = inference_model(args.model, images, args.checkpoint,
                              args.device, args.topk, args.pred_score_thr,
                              args.out_dir, args.resize or None)
    for image, result in zip(images, results):
        if 'topk' in result:
            ranked = ', '.join(f'{name} {score:.3f}'
                               for name, score in result['topk'])
            print(f'{image}: {ranked}')
        else:
            boxes = '; '.join(
                f'{name} {score:.2f} at '
                f'({", ".join(f"{v:.0f}" for v in box)})'
                for name, score, box in zip(result['classes'],
                                            result['scores'],
                                            result['bboxes']))
            print(f'{image}: {len(result["scores"])} boxes'
                  + (f': {boxes}' if boxes else ''))
    if args.out_dir:
        print(f'drawn predictions: {args.out_dir}')


if __name__ == '__main__':
    run_tool(main)
