import cv2
import numpy as np
import pytest

from mmshuffle.demo_data import CLASSES, materialize_digits, stratified_split


def test_materialized_digits_are_real_images_with_a_stratified_split(
        tmp_path):
    counts = materialize_digits(tmp_path)
    assert counts == {'train': 1438, 'val': 359}
    assert (tmp_path / 'meta' / 'classes.txt').read_text().split() == \
        list(CLASSES)
    for split in ('train', 'val'):
        lines = (tmp_path / 'meta' / f'{split}.txt').read_text().split('\n')
        entries = [line.split() for line in lines if line]
        labels = np.array([int(label) for _, label in entries])
        # every class keeps its ~10% share in both splits
        assert np.bincount(labels, minlength=10).min() >= 0.08 * len(labels)
        relative, label = entries[0]
        image = cv2.imread(str(tmp_path / split / relative),
                           cv2.IMREAD_UNCHANGED)
        assert image.shape == (8, 8) and image.max() > 100
        assert relative.startswith(f'{label}/')


def test_materialize_is_deterministic(tmp_path):
    materialize_digits(tmp_path / 'a')
    materialize_digits(tmp_path / 'b')
    for name in ('train.txt', 'val.txt'):
        assert (tmp_path / 'a' / 'meta' / name).read_bytes() == \
            (tmp_path / 'b' / 'meta' / name).read_bytes()


def test_stratified_split_rejects_a_bad_fraction():
    with pytest.raises(ValueError, match='val_fraction must be between 0 '
                       'and 1, got 1.5'):
        stratified_split(np.zeros(10), 1.5, 0)
