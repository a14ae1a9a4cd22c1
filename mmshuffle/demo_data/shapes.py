"""Synthetic circles, squares and triangles as a COCO detection data set.

Each image has a textured background (a colour gradient, often stripes,
always noise) and 1 to 4 filled shapes of random class, place, size and
colour. The files are the layout mmdet's ``CocoDataset`` reads::

    ROOT/train/000000.png ...   ROOT/annotations/instances_train.json
    ROOT/val/000000.png ...     ROOT/annotations/instances_val.json

Every box is tight: it is the extent of the pixels that show the object,
taken from the mask the object was painted through. Image ``index`` of a
split is drawn from its own random stream, seeded by ``(seed, split,
index)``, so the same arguments give the same bytes on every run, and
changing the number of images of one split changes no other image.
"""
import json
from pathlib import Path
from typing import Dict, List, Sequence, Tuple, Union

import numpy as np

SHAPE_CLASSES = ('circle', 'square', 'triangle')
SPLITS = ('train', 'val')

# The side (square, triangle) or diameter (circle) of an object, as a share
# of the image side: 16 to 64 px at 160 x 160.
MIN_OBJECT_SHARE = 0.1
MAX_OBJECT_SHARE = 0.4
MAX_OBJECTS = 4
# A new object is placed elsewhere when its box overlaps an earlier box by
# more than this IoU, or when it would cover more than this share of the
# pixels of an earlier object (a small shape could hide inside a big box
# at a low IoU).
MAX_IOU = 0.3
MAX_HIDDEN_SHARE = 0.2
MAX_PLACEMENT_TRIES = 50
# The least RGB distance between an object's colour and the mean of the
# background it covers.
MIN_CONTRAST = 120.0


def check_int(name: str, value: int, minimum: int) -> None:
    """Raise unless ``value`` is an int of at least ``minimum``.

    Args:
        name (str): The argument's name, for the message.
        value (int): The value to check.
        minimum (int): The least value allowed.

    Raises:
        TypeError: If ``value`` is not an int (a bool is not one).
        ValueError: If ``value`` is below ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f'{name} must be an int, got {value!r} of type '
                        f'{type(value).__name__}')
    if value < minimum:
        raise ValueError(
            f'{name} must be an int >= {minimum}, got {value}')


def image_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """The random stream of one image, independent of all other images.

    Args:
        seed (int): The seed of the data set.
        split (str): 'train' or 'val'.
        index (int): The image's index within its split.

    Returns:
        np.random.Generator: The image's own generator.
    """
    if split not in SPLITS:
        raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
    return np.random.default_rng((seed, SPLITS.index(split), index))


def draw_background(rng: np.random.Generator,
                    image_size: int) -> np.ndarray:
    """A smooth colour gradient, stripes half of the time, as floats.

    Args:
        rng (np.random.Generator): The image's random stream.
        image_size (int): The side of the square image in pixels.

    Returns:
        np.ndarray: A float (image_size, image_size, 3) BGR image in 0-255
        before clipping; the noise is added after the objects.
    """
    ys, xs = np.mgrid[0:image_size, 0:image_size] / (image_size - 1)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = xs * np.cos(angle) + ys * np.sin(angle)
    ramp = (ramp - ramp.min()) / (ramp.max() - ramp.min())
    start, end = rng.uniform(0, 255, size=(2, 3))
    image = start + ramp[..., None] * (end - start)
    if rng.random() < 0.5:
        # Stripes of 4% to 20% of the image side, in a random direction.
        angle = rng.uniform(0, np.pi)
        period = rng.uniform(0.04, 0.2)
        phase = rng.uniform(0, 2 * np.pi)
        wave = np.sin(2 * np.pi / period *
                      (xs * np.cos(angle) + ys * np.sin(angle)) + phase)
        amplitude = rng.uniform(10, 35, size=3)
        image = image + wave[..., None] * amplitude
    return image


def draw_shape_mask(label: int, center: Tuple[int, int], size: int,
                    angle: float, image_size: int) -> np.ndarray:
    """The pixels one filled shape covers.

    Args:
        label (int): The index of the shape in ``SHAPE_CLASSES``.
        center (tuple[int, int]): The shape's centre as (x, y).
        size (int): The diameter of a circle (an even one is rounded down
            to odd), the side of a square or of an equilateral triangle,
            in pixels.
        angle (float): The rotation of a triangle in radians; circles and
            squares ignore it (squares stay axis-aligned).
        image_size (int): The side of the square image in pixels.

    Returns:
        np.ndarray: A bool (image_size, image_size) mask.
    """
    import cv2

    mask = np.zeros((image_size, image_size), np.uint8)
    x, y = center
    name = SHAPE_CLASSES[label]
    if name == 'circle':
        cv2.circle(mask, (x, y), (size - 1) // 2, 255, -1, cv2.LINE_8)
    elif name == 'square':
        low = size // 2
        cv2.rectangle(mask, (x - low, y - low),
                      (x - low + size - 1, y - low + size - 1), 255, -1,
                      cv2.LINE_8)
    else:
        # The circumradius of an equilateral triangle whose corners lie
        # ``size`` pixels apart, counting both corner pixels.
        radius = (size - 1) / np.sqrt(3)
        corners = angle + 2 * np.pi / 3 * np.arange(3)
        points = np.stack(
            [x + radius * np.cos(corners), y + radius * np.sin(corners)],
            axis=1)
        # Corners at 1/16 pixel: cv2 reads the coordinates as fixed point.
        cv2.fillPoly(mask, [np.round(points * 16).astype(np.int32)], 255,
                     cv2.LINE_8, 4)
    return mask > 0


def mask_box(mask: np.ndarray) -> List[int]:
    """The tight box of a mask's pixels.

    Args:
        mask (np.ndarray): A bool mask with at least one pixel set.

    Returns:
        list[int]: ``[x, y, w, h]``, covering exactly the set pixels.
    """
    ys, xs = np.nonzero(mask)
    return [
        int(xs.min()),
        int(ys.min()),
        int(xs.max() - xs.min() + 1),
        int(ys.max() - ys.min() + 1)
    ]


def box_iou(first: Sequence[int], second: Sequence[int]) -> float:
    """The intersection over union of two ``[x, y, w, h]`` boxes.

    Args:
        first (Sequence[int]): One box.
        second (Sequence[int]): The other box.

    Returns:
        float: The IoU, between 0 and 1.
    """
    width = (min(first[0] + first[2], second[0] + second[2]) -
             max(first[0], second[0]))
    height = (min(first[1] + first[3], second[1] + second[3]) -
              max(first[1], second[1]))
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / (first[2] * first[3] + second[2] * second[3] - inter)


def sample_mask(rng: np.random.Generator,
                image_size: int) -> Tuple[int, np.ndarray]:
    """A shape of random class, size, place and rotation, inside the image.

    Args:
        rng (np.random.Generator): The image's random stream.
        image_size (int): The side of the square image in pixels.

    Returns:
        tuple[int, np.ndarray]: The class index and the shape's mask.
    """
    label = int(rng.integers(len(SHAPE_CLASSES)))
    size = int(
        round(
            rng.uniform(MIN_OBJECT_SHARE * image_size,
                        MAX_OBJECT_SHARE * image_size)))
    # Enough room around the centre for the largest extent of any shape
    # (the triangle's circumradius), so that no shape leaves the image.
    margin = int(np.ceil(size / np.sqrt(3))) + 1
    x, y = rng.integers(margin, image_size - margin, size=2)
    angle = rng.uniform(0, 2 * np.pi)
    return label, draw_shape_mask(label, (int(x), int(y)), size, angle,
                                  image_size)


def place_masks(rng: np.random.Generator,
                image_size: int) -> Tuple[List[int], List[np.ndarray]]:
    """Place 1 to 4 shapes that overlap little, in painting order.

    Args:
        rng (np.random.Generator): The image's random stream.
        image_size (int): The side of the square image in pixels.

    Returns:
        tuple[list[int], list[np.ndarray]]: The class index and the full
        mask of each shape; later shapes are painted over earlier ones.
    """
    wanted = int(rng.integers(1, MAX_OBJECTS + 1))
    labels, masks, boxes = [], [], []
    for _ in range(wanted):
        for _ in range(MAX_PLACEMENT_TRIES):
            label, mask = sample_mask(rng, image_size)
            box = mask_box(mask)
            if any(box_iou(box, other) > MAX_IOU for other in boxes):
                continue
            # Each earlier shape must keep most of its pixels in sight
            # under the new one and the shapes between them.
            visible = visible_masks(masks + [mask])[:-1]
            if any((earlier & ~seen).sum() > MAX_HIDDEN_SHARE * earlier.sum()
                   for earlier, seen in zip(masks, visible)):
                continue
            labels.append(label)
            masks.append(mask)
            boxes.append(box)
            break
    return labels, masks


def visible_masks(masks: List[np.ndarray]) -> List[np.ndarray]:
    """What remains of each mask under the masks painted after it.

    Args:
        masks (list[np.ndarray]): Bool masks in painting order.

    Returns:
        list[np.ndarray]: The visible part of each mask.
    """
    covered = np.zeros_like(masks[0])
    visible = []
    for mask in reversed(masks):
        visible.append(mask & ~covered)
        covered = covered | mask
    return visible[::-1]


def contrasting_colour(rng: np.random.Generator,
                       avoid: np.ndarray) -> np.ndarray:
    """A random colour far from each of the colours it will stand against.

    Args:
        rng (np.random.Generator): The image's random stream.
        avoid (np.ndarray): The (K, 3) colours to stand out from: the mean
            background under the shape and the shapes it overlaps.

    Returns:
        np.ndarray: A float BGR colour in 0-255.
    """
    for _ in range(20):
        colour = rng.uniform(0, 255, size=3)
        if np.linalg.norm(avoid - colour, axis=1).min() >= MIN_CONTRAST:
            return colour
    # The corner of the colour cube farthest from the nearest colour.
    corners = 255.0 * np.array(np.meshgrid([0, 1], [0, 1], [0, 1]))
    corners = corners.reshape(3, -1).T
    distances = np.linalg.norm(corners[:, None] - avoid[None], axis=2)
    return corners[distances.min(axis=1).argmax()]


def render_image(
        rng: np.random.Generator,
        image_size: int) -> Tuple[np.ndarray, np.ndarray, List[int]]:
    """Draw one image and the map of which object shows at each pixel.

    Args:
        rng (np.random.Generator): The image's random stream, e.g. from
            :func:`image_rng`.
        image_size (int): The side of the square image in pixels.

    Returns:
        tuple[np.ndarray, np.ndarray, list[int]]: The uint8 BGR image, an
        int32 map that holds ``k`` where object ``k`` (counted from 1)
        shows and 0 on the background, and the class index of each object.
    """
    background = draw_background(rng, image_size)
    labels, masks = place_masks(rng, image_size)
    image = background.copy()
    instances = np.zeros((image_size, image_size), np.int32)
    colours = []
    for number, (mask, visible) in enumerate(
            zip(masks, visible_masks(masks)), start=1):
        overlapped = [
            colour for colour, earlier in zip(colours, masks)
            if (earlier & mask).any()
        ]
        colours.append(
            contrasting_colour(
                rng, np.array([background[mask].mean(axis=0)] +
                              overlapped)))
        image[mask] = colours[-1]
        instances[visible] = number
    sigma = rng.uniform(3, 12)
    image = image + rng.normal(0, sigma, size=image.shape)
    image = np.clip(np.round(image), 0, 255).astype(np.uint8)
    return image, instances, labels


def write_split(root: Path, split: str, num_images: int, image_size: int,
                seed: int) -> dict:
    """Write one split's PNG files and return its COCO annotations.

    Args:
        root (Path): The data set's folder.
        split (str): 'train' or 'val'.
        num_images (int): How many images to write.
        image_size (int): The side of the square images in pixels.
        seed (int): The seed of the data set.

    Returns:
        dict: The COCO ``images``, ``annotations`` and ``categories``.
    """
    import cv2

    folder = root / split
    folder.mkdir(parents=True, exist_ok=True)
    images, annotations = [], []
    for index in range(num_images):
        image, instances, labels = render_image(
            image_rng(seed, split, index), image_size)
        file_name = f'{index:06d}.png'
        path = folder / file_name
        if not cv2.imwrite(str(path), image):
            raise OSError(f'could not write {path}')
        # COCO ids start at 1; the file name keeps the 0-based index.
        images.append(
            dict(id=index + 1, file_name=file_name, width=image_size,
                 height=image_size))
        for number, label in enumerate(labels, start=1):
            mask = instances == number
            annotations.append(
                dict(id=len(annotations) + 1, image_id=index + 1,
                     category_id=label + 1, bbox=mask_box(mask),
                     area=int(mask.sum()), iscrowd=0))
    categories = [
        dict(id=label + 1, name=name)
        for label, name in enumerate(SHAPE_CLASSES)
    ]
    return dict(images=images, annotations=annotations,
                categories=categories)


def materialize_shapes(root: Union[str, Path] = 'data/shapes',
                       num_train: int = 300,
                       num_val: int = 60,
                       image_size: int = 160,
                       seed: int = 0) -> Dict[str, int]:
    """Write the synthetic shapes as PNG files and COCO files under ``root``.

    Files already there are rewritten with the same bytes, so the call is
    idempotent. The box of an object is the extent of its visible pixels
    and its ``area`` is their number.

    Args:
        root (str | Path): The folder to write. Defaults to 'data/shapes'.
        num_train (int): The number of training images. Defaults to 300.
        num_val (int): The number of validation images. Defaults to 60.
        image_size (int): The side of the square images in pixels, at
            least 64. Defaults to 160.
        seed (int): The seed of the data set, at least 0. Defaults to 0.

    Returns:
        dict: The number of images in each split, e.g.
        ``{'train': 300, 'val': 60}``.
    """
    check_int('num_train', num_train, 1)
    check_int('num_val', num_val, 1)
    check_int('image_size', image_size, 64)
    check_int('seed', seed, 0)
    root = Path(root)
    (root / 'annotations').mkdir(parents=True, exist_ok=True)
    counts = {}
    for split, num_images in zip(SPLITS, (num_train, num_val)):
        coco = write_split(root, split, int(num_images), int(image_size),
                           int(seed))
        path = root / 'annotations' / f'instances_{split}.json'
        path.write_text(json.dumps(coco, indent=2) + '\n')
        counts[split] = int(num_images)
    return counts
