"""Write synthetic circles, squares and triangles as a COCO detection set.

    python tools/dataset_converters/shapes.py [ROOT] [--num-train 300]
        [--num-val 60] [--image-size 160] [--seed 0]

ROOT defaults to data/shapes.
"""
import argparse

from mmshuffle.demo_data import materialize_shapes


def main() -> None:
    """Parse the command line and write the folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', nargs='?', default='data/shapes',
                        help='output folder (default: data/shapes)')
    parser.add_argument('--num-train', type=int, default=300,
                        help='number of training images (default: 300)')
    parser.add_argument('--num-val', type=int, default=60,
                        help='number of validation images (default: 60)')
    parser.add_argument('--image-size', type=int, default=160,
                        help='side of the square images in pixels, at '
                        'least 64 (default: 160)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the images (default: 0)')
    args = parser.parse_args()
    try:
        counts = materialize_shapes(args.root, args.num_train, args.num_val,
                                    args.image_size, args.seed)
    except (ValueError, OSError) as error:
        # A value out of range, or a root that is a file: one line.
        parser.error(str(error))
    print(f'wrote {counts["train"]} train and {counts["val"]} val '
          f'{args.image_size}x{args.image_size} images to {args.root}/train '
          f'and {args.root}/val, and their COCO annotations to '
          f'{args.root}/annotations/instances_{{train,val}}.json')


if __name__ == '__main__':
    main()
