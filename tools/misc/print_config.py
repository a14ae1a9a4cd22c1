"""Print a config as MMEngine reads it: its bases merged and the
``--cfg-options`` applied.

    python tools/misc/print_config.py CONFIG [--cfg-options K=V ...]
"""
import argparse

from mmshuffle.cli import add_cfg_options_arg, load_config, run_tool


def main() -> None:
    """Read and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the config file')
    add_cfg_options_arg(parser)
    args = parser.parse_args()
    cfg = load_config(args.config, None, 'none', args.cfg_options)
    print(cfg.pretty_text)


if __name__ == '__main__':
    run_tool(main)
