"""``--cfg-options`` that say which option is wrong, and why."""
import argparse
from typing import Dict, Optional

from mmengine.config import Config, DictAction

from ..errors import BadCfgOptionError


class CfgOptionsAction(DictAction):
    """MMEngine's ``DictAction``, with an argparse error naming a bad
    option instead of a Python traceback."""

    def __call__(self,
                 parser: argparse.ArgumentParser,
                 namespace: argparse.Namespace,
                 values,
                 option_string: Optional[str] = None) -> None:
        for value in values:
            key, sep, rest = value.partition('=')
            if not sep or not key:
                parser.error(f'{option_string}: cannot parse {value!r}: '
                             'expected KEY=VALUE, e.g. '
                             'train_dataloader.batch_size=32')
            try:
                super().__call__(parser, namespace, [value], option_string)
            except (ValueError, SyntaxError) as error:
                parser.error(f'{option_string}: cannot parse the value of '
                             f'{value!r}: {error}')


def merge_cfg_options(cfg: Config, options: Optional[Dict]) -> None:
    """Merge parsed ``--cfg-options`` into ``cfg``, one at a time, so that
    an error names the option that caused it.

    Args:
        cfg (Config): The config, changed in place.
        options (dict, optional): Dotted keys and their values.

    Raises:
        BadCfgOptionError: If an option cannot be merged (e.g. it indexes
            into a value that is not a dict or list).
    """
    for key, value in (options or {}).items():
        try:
            cfg.merge_from_dict({key: value})
        except (KeyError, TypeError, ValueError, IndexError,
                AttributeError) as error:
            raise BadCfgOptionError(f'--cfg-options {key}={value!r} cannot be '
                             f'merged into the config: {error}') from error
