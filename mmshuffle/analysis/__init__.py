"""Named variants and their complexity."""
from .complexity import classifier_complexity
from .variants import VARIANTS, Variant

__all__ = ['VARIANTS', 'Variant', 'classifier_complexity']
