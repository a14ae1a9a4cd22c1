"""The version of mmshuffle."""

__version__ = '0.1.0'
