"""Every error mmshuffle raises for a user's mistake, in one hierarchy.

A :class:`UserInputError` means the user asked for something wrong, not a
bug: the tools print it as one ``error:`` line, without a traceback. Each
class also derives from the built-in error a caller would catch for that
kind of fault (``ValueError``, ``FileNotFoundError``, ``OSError``).
"""
import pickle


class UserInputError(Exception):
    """A mistake in a command line, a config or the data it names."""


class MissingDataError(UserInputError, FileNotFoundError):
    """A file or folder the run needs does not exist."""


class BadCfgOptionError(UserInputError, ValueError):
    """A ``--cfg-options`` item cannot be applied to the config."""


class NeckChannelsError(UserInputError, ValueError):
    """A neck's ``in_channels`` differ from the backbone's output channels."""


class ModelZooError(UserInputError, ValueError):
    """An unknown model name, or weights that do not fit the model."""


class WeightsDownloadError(UserInputError, OSError):
    """Published weights that could not be downloaded."""


class ExportError(UserInputError, ValueError):
    """A model or checkpoint that cannot be exported as asked."""


class UnsupportedPrecisionError(UserInputError, ValueError):
    """A precision that this CPU or the installed runtimes do not compute
    in."""


class ConversionError(UserInputError, ValueError):
    """A checkpoint cannot be converted."""


class UnknownArchitectureError(ConversionError):
    """A state dict matches none of the architectures a converter knows."""


class ShapeMismatchError(ConversionError):
    """A tensor's shape differs from the shape its target expects."""


class NoStateDictError(ConversionError, ModelZooError):
    """A checkpoint file that holds no state dict: it can neither be
    converted nor loaded as a model's weights."""


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds an object that is not known to be safe.

    An ``UnpicklingError``, as torch's own safe loader raises, so that code
    catching torch's refusal catches this one too; the tools print it as one
    line like a :class:`UserInputError`.
    """


class ExportVerificationError(RuntimeError):
    """An export whose outputs differ from PyTorch's: a fault of the
    exporter or of mmshuffle, not of the user's input."""
