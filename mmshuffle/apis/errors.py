"""Errors that mean the user asked for something wrong, not a bug.

The tools print these as one line, without a traceback.
"""


class UserInputError(Exception):
    """A mistake in a command line, a config or the data it names."""


class MissingDataError(UserInputError, FileNotFoundError):
    """A file or folder the run needs does not exist."""


class BadCfgOptionError(UserInputError, ValueError):
    """A ``--cfg-options`` item cannot be applied to the config."""
