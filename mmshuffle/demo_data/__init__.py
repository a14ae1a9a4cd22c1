"""The demo data: scikit-learn's digits as an image folder, and generated
shapes as a COCO data set. Generators, not registered ``Dataset`` classes:
the configs read what they write with mmpretrain's and mmdet's datasets."""
from .digits import CLASSES, materialize_digits, stratified_split
from .shapes import SHAPE_CLASSES, materialize_shapes, render_image

__all__ = [
    'CLASSES', 'materialize_digits', 'stratified_split', 'SHAPE_CLASSES',
    'materialize_shapes', 'render_image'
]
