"""The train, test and plot sequence the demos share.

The demos run the tools and configs of :func:`mmshuffle.resources.
resource_root` (the checkout, or an installed wheel's ``.mim``) and write
their data and work dirs under the current folder.
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

from ..resources import resource_root


def parse_demo_args(description: str, default_config: str,
                    demo: str) -> Tuple[str, Path]:
    """Parse a demo's command line and set its torch thread count.

    Args:
        description (str): The demo's one-line description.
        default_config (str): The config it trains by default.
        demo (str): The demo's name, for the default work dir.

    Returns:
        tuple[str, Path]: The config and the work dir.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--config', default=default_config,
                        help=f'the config (default: {default_config})')
    parser.add_argument('--work-dir', type=Path,
                        help=f'default: work_dirs/{demo}/<config name>')
    parser.add_argument(
        '--threads', type=int, default=len(os.sched_getaffinity(0)),
        help='torch threads (default: the cores this process may use)')
    args = parser.parse_args()
    os.environ['OMP_NUM_THREADS'] = str(args.threads)
    work_dir = args.work_dir or Path('work_dirs') / demo / Path(
        args.config).stem
    config = args.config
    if not Path(config).exists():  # a shipped config, from anywhere
        config = str(resource_root() / config)
    return config, work_dir.resolve()


def run_repo_tool(*args: str) -> None:
    """Run one of mmshuffle's tools with this interpreter, in the current
    folder.

    Args:
        *args (str): The tool, relative to the resource root (e.g.
            ``'tools/train.py'``), and its arguments.

    Raises:
        subprocess.CalledProcessError: If it fails.
    """
    subprocess.run(
        [sys.executable, str(resource_root() / args[0]), *args[1:]],
        check=True)


def train_test_plot(config: str,
                    work_dir: Path,
                    plot_keys: Sequence[str],
                    title: str,
                    total_steps: int = 4) -> Dict[str, float]:
    """Train a config, test its last checkpoint (drawing every test image
with its prediction and ground truth) and plot its curves.

    Steps print as ``[2/N]`` to ``[4/N]``; step 1, the data, is the
    caller's, and so are any after the fourth.

    Args:
        config (str): The config, relative to the repository.
        work_dir (Path): The work dir of the run.
        plot_keys (Sequence[str]): The scalars to plot.
        title (str): The title of the figure.
        total_steps (int): N, the steps of the whole demo. Defaults to 4.

    Returns:
        dict: The test metrics, plus the ``checkpoint`` and ``curves``
        paths and ``predictions``, the folder of drawn test images.
    """
    print(f'[2/{total_steps}] training {config}', flush=True)
    run_repo_tool('tools/train.py', config, '--work-dir', str(work_dir))

    print(f'[3/{total_steps}] evaluating the last checkpoint', flush=True)
    checkpoint = (work_dir / 'last_checkpoint').read_text().strip()
    metrics_file = work_dir / 'test_metrics.json'
    predictions = work_dir / 'predictions'
    run_repo_tool('tools/test.py', config, checkpoint, '--work-dir',
                  str(work_dir / 'test'), '--out', str(metrics_file),
                  '--out-item', 'metrics', '--show-dir', str(predictions))
    metrics = json.loads(metrics_file.read_text())

    print(f'[4/{total_steps}] plotting the curves', flush=True)
    runs = sorted(work_dir.glob('*/vis_data/scalars.json'))
    curves = work_dir / 'curves.png'
    run_repo_tool('tools/analysis_tools/analyze_logs.py', 'plot_curve',
                  str(runs[-1]), '--keys', *plot_keys, '--out', str(curves),
                  '--title', title)
    return dict(metrics, checkpoint=checkpoint, curves=str(curves),
                predictions=str(predictions))


def quantize_step(config: str, checkpoint: str, work_dir: Path,
                  max_drop: float) -> Optional[Dict]:
    """Quantise a checkpoint with ``tools/deployment/quantize.py`` and read
    what it measured.

    Args:
        config (str): The config.
        checkpoint (str): The trained checkpoint.
        work_dir (Path): Where the metrics file goes.
        max_drop (float): The largest drop accepted, in points.

    Returns:
        dict, optional: The tool's ``--metrics`` (its ``drop`` may exceed
        ``max_drop``: the tool then exits 1 but still writes them); None if
        the tool failed before it measured.
    """
    metrics = work_dir / 'int8_metrics.json'
    metrics.unlink(missing_ok=True)
    try:
        run_repo_tool('tools/deployment/quantize.py', config, checkpoint,
                      '--metrics', str(metrics), '--max-drop', str(max_drop))
    except subprocess.CalledProcessError:
        if not metrics.exists():  # the tool said why
            return None
    return json.loads(metrics.read_text())
