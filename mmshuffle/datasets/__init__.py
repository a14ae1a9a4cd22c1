"""The embedded demo data."""
from .digits import CLASSES, materialize_digits, stratified_split

__all__ = ['CLASSES', 'materialize_digits', 'stratified_split']
