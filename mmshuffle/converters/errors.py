"""Errors of the weight converters: the file or state dict is not what the
conversion takes. The tools print them as one line."""
from mmshuffle.apis.errors import UserInputError


class ConversionError(UserInputError, ValueError):
    """A checkpoint cannot be converted."""


class UnknownArchitectureError(ConversionError):
    """A state dict matches none of the architectures a converter knows."""


class ShapeMismatchError(ConversionError):
    """A tensor's shape differs from the shape its target expects."""
