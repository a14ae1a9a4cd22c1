"""Evaluate a checkpoint on a config's test set, with a progress bar.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE]
        [--out-item {pred,metrics}] [--show-dir DIR] [--show]
        [--wait-time S] [--cfg-options K=V ...]
        [--launcher {none,pytorch,slurm,mpi}]

``--out`` dumps the predictions (a pickle, through MMEngine's
``DumpResults``) or, with ``--out-item metrics``, the metrics (JSON, YAML or
pickle by the file's suffix). ``--show-dir`` writes every test image with
its prediction and its ground truth drawn (the config's visualization
hook: mmpretrain's or MMDetection's), ``--show`` shows them in a window.
Works for classification and MMDetection configs.
"""
import argparse

import mmshuffle.compat  # noqa: F401  (applies the fixes on import)
from mmshuffle.cli import (
    add_common_args,
    build_runner,
    check_checkpoint,
    enable_drawing,
    load_config,
    parse_tool_args,
    run_tool,
)

# The files --out writes: MMEngine's DumpResults pickles the predictions;
# mmengine.dump writes the metrics by the file's suffix.
OUT_SUFFIXES = {
    'pred': ('.pkl', '.pickle'),
    'metrics': ('.json', '.yaml', '.yml', '.pkl', '.pickle'),
}


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description='Test a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file or URL')
    parser.add_argument(
        '--out', help='dump the predictions (or metrics) to this file')
    parser.add_argument(
        '--out-item',
        choices=['pred', 'metrics'],
        default='pred',
        help='what --out dumps (default: pred)')
    parser.add_argument(
        '--show-dir',
        help='write every test image, its prediction and its ground truth '
        'drawn, into this folder')
    parser.add_argument('--show', action='store_true',
                        help='show each drawn image in a window')
    parser.add_argument('--wait-time', type=float, default=2,
                        help='seconds each window stays open (default: 2)')
    add_common_args(parser)
    args = parse_tool_args(parser)
    suffixes = OUT_SUFFIXES[args.out_item]
    if args.out and not args.out.endswith(suffixes):
        parser.error(f'--out {args.out}: with --out-item {args.out_item} the '
                     f'file must end in {" or ".join(suffixes)}')
    return args


def main() -> None:
    """Build the runner from the config, load the checkpoint and test."""
    args = parse_args()
    cfg = load_config(args.config, args.work_dir, args.launcher,
                      args.cfg_options)
    # A URL (http://, torchvision://, ...) loads through MMEngine's safe
    # loaders (mmshuffle.compat).
    check_checkpoint(args.checkpoint)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.show_dir is not None or args.show:
        enable_drawing(cfg, args.show_dir, args.show, args.wait_time)
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='mmshuffle.ProgressBarHook')
    ]

    from mmengine.evaluator import DumpResults
    runner = build_runner(cfg, ('test', ))
    if args.out and args.out_item == 'pred':
        runner.test_evaluator.metrics.append(
            DumpResults(out_file_path=args.out))
    metrics = runner.test()
    if args.out and args.out_item == 'metrics':
        import mmengine
        mmengine.dump(metrics, args.out)


if __name__ == '__main__':
    run_tool(main)
