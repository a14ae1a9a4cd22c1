import json

import cv2
import numpy as np
import pytest

from mmshuffle.demo_data import SHAPE_CLASSES, materialize_shapes, render_image
from mmshuffle.demo_data.shapes import draw_shape_mask, image_rng, mask_box

SIZE = 96
COUNTS = {'train': 12, 'val': 6}


@pytest.fixture(scope='module')
def shapes_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('shapes')
    assert materialize_shapes(root, COUNTS['train'], COUNTS['val'],
                              SIZE) == COUNTS
    return root


def load(root, split):
    return json.loads(
        (root / 'annotations' / f'instances_{split}.json').read_text())


@pytest.mark.parametrize('split', ['train', 'val'])
def test_files_and_annotations_are_consistent(shapes_root, split):
    coco = load(shapes_root, split)
    names = [f'{index:06d}.png' for index in range(COUNTS[split])]
    assert sorted(path.name
                  for path in (shapes_root / split).iterdir()) == names
    assert coco['categories'] == [
        dict(id=1, name='circle'),
        dict(id=2, name='square'),
        dict(id=3, name='triangle')
    ]
    images = {image['id']: image for image in coco['images']}
    assert len(images) == len(coco['images'])
    assert [image['file_name'] for image in coco['images']] == names
    for image in coco['images']:
        assert (image['width'], image['height']) == (SIZE, SIZE)
        pixels = cv2.imread(str(shapes_root / split / image['file_name']),
                            cv2.IMREAD_UNCHANGED)
        assert pixels.shape == (SIZE, SIZE, 3) and pixels.dtype == np.uint8
    annotations = coco['annotations']
    assert len({ann['id'] for ann in annotations}) == len(annotations)
    for ann in annotations:
        assert ann['image_id'] in images
        assert ann['category_id'] in (1, 2, 3)
        assert ann['iscrowd'] == 0
        x, y, w, h = ann['bbox']
        assert all(isinstance(value, int) for value in ann['bbox'])
        assert w > 0 and h > 0
        assert x >= 0 and y >= 0 and x + w <= SIZE and y + h <= SIZE
        assert 0 < ann['area'] <= w * h
    per_image = np.bincount([ann['image_id'] for ann in annotations],
                            minlength=max(images) + 1)[sorted(images)]
    assert per_image.min() >= 1 and per_image.max() <= 4
    assert {ann['category_id'] for ann in annotations} == {1, 2, 3}


def test_boxes_are_the_extent_of_the_visible_pixels(shapes_root):
    coco = load(shapes_root, 'train')
    for index in range(4):
        image, instances, labels = render_image(
            image_rng(0, 'train', index), SIZE)
        # the helper draws exactly the file that was written
        written = cv2.imread(str(shapes_root / 'train' / f'{index:06d}.png'))
        assert np.array_equal(image, written)
        annotations = [
            ann for ann in coco['annotations'] if ann['image_id'] == index + 1
        ]
        assert [ann['category_id'] - 1 for ann in annotations] == labels
        background = instances == 0
        for number, ann in enumerate(annotations, start=1):
            ys, xs = np.nonzero(instances == number)
            x, y, w, h = ann['bbox']
            # each edge of the box runs through a pixel of the object, and
            # no pixel of the object lies outside it: no padding
            assert (xs.min(), ys.min()) == (x, y)
            assert (xs.max(), ys.max()) == (x + w - 1, y + h - 1)
            assert ann['area'] == len(xs)
            # the map marks pixels that really show the object: they share
            # one colour (up to the noise) that stands out from the
            # background around the box
            colours = image[ys, xs].astype(float)
            assert colours.std(axis=0).max() < 20
            around = np.zeros_like(background)
            around[max(y - 3, 0):y + h + 3, max(x - 3, 0):x + w + 3] = True
            surround = image[around & background].astype(float)
            assert np.linalg.norm(
                colours.mean(axis=0) - surround.mean(axis=0)) > 50


@pytest.mark.parametrize('label, size, angle, extents', [
    (0, 21, 0.0, [21]),
    (1, 20, 0.0, [20]),
    (2, 30, 0.0, [29, 30]),
    (2, 30, 0.4, [29, 30]),
    (2, 30, 2.0, [29, 30]),
])
def test_shapes_cover_the_requested_size(label, size, angle, extents):
    mask = draw_shape_mask(label, (48, 48), size, angle, SIZE)
    x, y, w, h = mask_box(mask)
    assert max(w, h) in extents
    assert mask[y:y + h, x:x + w].sum() == mask.sum()


def test_materialize_is_deterministic_and_splits_are_independent(
        shapes_root, tmp_path):
    materialize_shapes(tmp_path / 'same', COUNTS['train'], COUNTS['val'],
                       SIZE)
    materialize_shapes(tmp_path / 'fewer_val', COUNTS['train'], 3, SIZE)
    # re-running into the same folder rewrites the same bytes
    materialize_shapes(tmp_path / 'same', COUNTS['train'], COUNTS['val'],
                       SIZE)
    for split in ('train', 'val'):
        name = f'annotations/instances_{split}.json'
        assert (tmp_path / 'same' / name).read_bytes() == \
            (shapes_root / name).read_bytes()
        for index in range(COUNTS[split]):
            name = f'{split}/{index:06d}.png'
            assert (tmp_path / 'same' / name).read_bytes() == \
                (shapes_root / name).read_bytes()
    name = 'annotations/instances_train.json'
    assert (tmp_path / 'fewer_val' / name).read_bytes() == \
        (shapes_root / name).read_bytes()
    assert load(tmp_path / 'fewer_val', 'val')['annotations'] == [
        ann for ann in load(shapes_root, 'val')['annotations']
        if ann['image_id'] <= 3
    ]
    other = render_image(image_rng(1, 'train', 0), SIZE)[0]
    assert not np.array_equal(
        other, cv2.imread(str(shapes_root / 'train' / '000000.png')))


@pytest.mark.parametrize('kwargs, error, message', [
    (dict(num_train=0), ValueError, 'num_train must be an int >= 1, got 0'),
    (dict(num_val=-2), ValueError, 'num_val must be an int >= 1, got -2'),
    (dict(image_size=63), ValueError,
     'image_size must be an int >= 64, got 63'),
    (dict(seed=-1), ValueError, 'seed must be an int >= 0, got -1'),
    (dict(num_train=2.5), TypeError,
     'num_train must be an int, got 2.5 of type float'),
    (dict(num_val=True), TypeError,
     'num_val must be an int, got True of type bool'),
    (dict(image_size='96'), TypeError,
     "image_size must be an int, got '96' of type str"),
])
def test_bad_arguments_are_rejected_before_writing(tmp_path, kwargs, error,
                                                   message):
    with pytest.raises(error, match=message):
        materialize_shapes(tmp_path / 'shapes', **kwargs)
    assert not (tmp_path / 'shapes').exists()


def test_classes():
    assert SHAPE_CLASSES == ('circle', 'square', 'triangle')
