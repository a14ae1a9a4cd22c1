"""Score the predictions ``tools/test.py --out FILE.pkl`` wrote again, with
the config's test evaluator (or another, through ``--cfg-options``).

    python tools/analysis_tools/eval_metric.py CONFIG PKL [--out FILE.json]
        [--cfg-options K=V ...]

No model runs: MMEngine's ``Evaluator.offline_evaluate`` computes the
metrics of ``test_evaluator`` (mmpretrain's ``Accuracy``, MMDetection's
``CocoMetric``...) on the saved predictions. Prints them as JSON.
"""
import argparse
import json
from pathlib import Path

import mmshuffle.compat  # noqa: F401  (applies the fixes on import)
from mmshuffle.cli import (
    add_cfg_options_arg,
    load_config,
    load_predictions,
    run_tool,
    test_set_metainfo,
)


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the config whose test_evaluator '
                        'scores the predictions')
    parser.add_argument('pkl', help='the predictions of tools/test.py --out')
    parser.add_argument('--out', help='also write the metrics to this JSON')
    add_cfg_options_arg(parser)
    return parser.parse_args()


def main() -> None:
    """Score and print."""
    from mmengine.evaluator import Evaluator
    from mmengine.registry import DefaultScope
    args = parse_args()
    predictions = load_predictions(args.pkl)
    cfg = load_config(args.config, None, 'none', args.cfg_options)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        evaluator = Evaluator(cfg.test_evaluator)
        # Metrics that need the class names (CocoMetric) read them here.
        evaluator.dataset_meta = test_set_metainfo(cfg)
        metrics = evaluator.offline_evaluate(predictions, None,
                                             chunk_size=len(predictions))
    metrics = {key: float(value) for key, value in metrics.items()}
    print(json.dumps(metrics, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(metrics, indent=2))


if __name__ == '__main__':
    run_tool(main)
