"""scikit-learn's handwritten digits as an ImageNet-style image folder.

The 1,797 real 8x8 greyscale digits that ship inside scikit-learn's wheel
(UCI "Optical Recognition of Handwritten Digits") become PNG files plus
annotation lists, the layout mmpretrain's ``CustomDataset`` reads::

    ROOT/train/<class>/<index>.png   ROOT/meta/train.txt  ("3/0007.png 3")
    ROOT/val/<class>/<index>.png     ROOT/meta/val.txt
    ROOT/meta/classes.txt

The split is stratified and deterministic: the same seed gives the same
files, on every machine.
"""
from pathlib import Path
from typing import Dict, List, Tuple, Union

import numpy as np

CLASSES = tuple(str(digit) for digit in range(10))


def stratified_split(labels: np.ndarray, val_fraction: float,
                     seed: int) -> Tuple[List[int], List[int]]:
    """Split sample indices so that each class keeps its share in both.

    Args:
        labels (np.ndarray): The label of each sample.
        val_fraction (float): The share of each class that goes to val.
        seed (int): The seed of the shuffle inside each class.

    Returns:
        tuple[list[int], list[int]]: Sorted train and val indices.
    """
    if not 0 < val_fraction < 1:
        raise ValueError(
            f'val_fraction must be between 0 and 1, got {val_fraction}')
    rng = np.random.default_rng(seed)
    train, val = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        num_val = int(round(len(members) * val_fraction))
        val += members[:num_val].tolist()
        train += members[num_val:].tolist()
    return sorted(train), sorted(val)


def materialize_digits(root: Union[str, Path] = 'data/digits',
                       val_fraction: float = 0.2,
                       seed: int = 0) -> Dict[str, int]:
    """Write the digits as PNG files and annotation lists under ``root``.

    Files already there are rewritten with the same bytes, so the call is
    idempotent.

    Args:
        root (str | Path): The folder to write. Defaults to 'data/digits'.
        val_fraction (float): The share of each class held out for
            validation. Defaults to 0.2.
        seed (int): The seed of the split. Defaults to 0.

    Returns:
        dict: The number of images in each split, e.g.
        ``{'train': 1438, 'val': 359}``.
    """
    import cv2
    from sklearn.datasets import load_digits

    digits = load_digits()
    # The features are 0-16 grey levels; spread them over 0-255.
    images = np.round(digits.images * (255 / 16)).astype(np.uint8)
    labels = digits.target
    splits = stratified_split(labels, val_fraction, seed)
    root = Path(root)
    (root / 'meta').mkdir(parents=True, exist_ok=True)
    (root / 'meta' / 'classes.txt').write_text('\n'.join(CLASSES) + '\n')
    counts = {}
    for split, indices in zip(('train', 'val'), splits):
        lines = []
        for index in indices:
            label = int(labels[index])
            relative = f'{label}/{index:04d}.png'
            path = root / split / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if not cv2.imwrite(str(path), images[index]):
                raise OSError(f'could not write {path}')
            lines.append(f'{relative} {label}')
        (root / 'meta' / f'{split}.txt').write_text('\n'.join(lines) + '\n')
        counts[split] = len(lines)
    return counts
