"""Complexity counting and the benchmark's parts, over the catalogue of
variants (:mod:`mmshuffle.models.variants`)."""
from ..models.variants import VARIANTS, Variant
from .complexity import classifier_complexity

__all__ = ['VARIANTS', 'Variant', 'classifier_complexity']
