"""The variants' complexity: multiply-adds and parameters counted, and the
published figures they are checked against."""
from .complexity import classifier_complexity

__all__ = ['classifier_complexity']
