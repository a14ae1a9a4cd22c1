"""Write scikit-learn's handwritten digits as an ImageNet-style folder.

    python tools/dataset_converters/digits.py [ROOT] [--val-fraction 0.2]
        [--seed 0]

ROOT defaults to data/digits, where configs/*/*_digits.py look.
"""
import argparse

from mmshuffle.demo_data import materialize_digits


def main() -> None:
    """Parse the command line and write the folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', nargs='?', default='data/digits',
                        help='output folder (default: data/digits)')
    parser.add_argument('--val-fraction', type=float, default=0.2,
                        help='share of each class held out (default: 0.2)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the split (default: 0)')
    args = parser.parse_args()
    try:
        counts = materialize_digits(args.root, args.val_fraction, args.seed)
    except (ValueError, OSError) as error:
        # A value out of range, or a root that is a file: one line.
        parser.error(str(error))
    print(f'wrote {counts["train"]} train and {counts["val"]} val images '
          f'to {args.root}')


if __name__ == '__main__':
    main()
