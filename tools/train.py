"""Train a model from a config, as mmpretrain's tools/train.py does.

Works for classification configs (default scope mmpretrain) and MMDetection
configs (default scope mmdet) alike, on today's torch: see
mmshuffle/compat for the fixes to MMEngine 0.10.7 (resume, safe loading,
atomic checkpoints, CPU distributed runs).

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CHECKPOINT]]
        [--amp] [--auto-scale-lr] [--no-validate] [--cfg-options K=V ...]
        [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse

import mmshuffle.compat  # noqa: F401  (applies the fixes on import)
from mmshuffle.cli import (
    add_common_args,
    build_runner,
    enable_amp,
    load_config,
    parse_tool_args,
    run_tool,
)
from mmshuffle.errors import UserInputError


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        help='resume from this checkpoint; without a path, from the latest '
        'checkpoint in the work dir')
    parser.add_argument(
        '--amp', action='store_true', help='automatic mixed precision: '
        'float16 on a GPU, bfloat16 on a CPU with AVX-512 BF16 or AMX')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate the checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the actual total batch size over '
        'the config\'s auto_scale_lr.base_batch_size')
    add_common_args(parser)
    return parse_tool_args(parser)


def main() -> None:
    """Build the runner from the config and train."""
    args = parse_args()
    cfg = load_config(args.config, args.work_dir, args.launcher,
                      args.cfg_options)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.amp:
        enable_amp(cfg)
    if args.resume is not None:
        cfg.resume = True
        cfg.load_from = None if args.resume == 'auto' else args.resume
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg:
            raise UserInputError('--auto-scale-lr needs auto_scale_lr = '
                                 'dict(base_batch_size=N) in the config')
        cfg.auto_scale_lr.enable = True

    runner = build_runner(cfg, ('train', 'val'))
    runner.train()


if __name__ == '__main__':
    run_tool(main)
