"""The embedded demo data."""
from .digits import CLASSES, materialize_digits, stratified_split
from .shapes import SHAPE_CLASSES, materialize_shapes, render_image

__all__ = [
    'CLASSES', 'materialize_digits', 'stratified_split', 'SHAPE_CLASSES',
    'materialize_shapes', 'render_image'
]
