"""Plot training curves from an MMEngine run.

    python tools/analysis_tools/analyze_logs.py plot_curve SCALARS_JSON
        [--keys loss accuracy/top1] [--out curves.png] [--title TITLE]

SCALARS_JSON is <work_dir>/<timestamp>/vis_data/scalars.json, written by the
LocalVisBackend of configs/_base_/default_runtime.py. Training scalars are
plotted against the iteration, validation scalars against the epoch.
"""
import argparse
import json
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

Series = Dict[str, Tuple[List[float], List[float]]]


def load_series(path: Path, keys: Sequence[str]) -> Tuple[Series, Dict]:
    """Read the values of ``keys`` from a scalars.json file.

    Args:
        path (Path): The file: one JSON object per line.
        keys (Sequence[str]): The scalars to read, e.g. ``loss``.

    Returns:
        tuple[dict, dict]: For each key, its x values and y values, and for
        each key the x axis label ('iter' or 'epoch').

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If a line is not JSON or a key never occurs.
    """
    if not path.is_file():
        raise FileNotFoundError(f'no such log file: {path}')
    series: Series = {key: ([], []) for key in keys}
    axes = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f'{path}:{number} is not JSON: {error}')
        for key in keys:
            if key in record:
                axis = 'iter' if 'iter' in record else 'epoch'
                x = record['iter'] if axis == 'iter' else record['step']
                series[key][0].append(x)
                series[key][1].append(record[key])
                axes[key] = axis
    missing = [key for key in keys if not series[key][0]]
    if missing:
        raise ValueError(f'{path} has no values for {missing}')
    return series, axes


def plot_curves(series: Series, axes: Dict, out: Path, title: str) -> None:
    """Draw one panel per key and save the figure as an image.

    Args:
        series (dict): As :func:`load_series` returns.
        axes (dict): The x axis label of each key.
        out (Path): The image file to write (PNG by its suffix).
        title (str): The figure's title.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    figure, panels = plt.subplots(
        1, len(series), figsize=(5 * len(series), 4), squeeze=False)
    for panel, (key, (xs, ys)) in zip(panels[0], series.items()):
        panel.plot(xs, ys, marker='o' if axes[key] == 'epoch' else None)
        panel.set_xlabel(axes[key])
        panel.set_title(key)
        panel.grid(alpha=0.3)
    figure.suptitle(title)
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=100)
    plt.close(figure)


def main() -> None:
    """Parse the command line and plot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest='command', required=True)
    plot = commands.add_parser('plot_curve', help='plot scalars to an image')
    plot.add_argument('scalars', type=Path, help='vis_data/scalars.json')
    plot.add_argument('--keys', nargs='+', default=['loss', 'accuracy/top1'],
                      help='scalars to plot (default: loss accuracy/top1)')
    plot.add_argument('--out', type=Path, default=Path('curves.png'),
                      help='image to write (default: curves.png)')
    plot.add_argument('--title', default='', help='figure title')
    args = parser.parse_args()
    try:
        series, axes = load_series(args.scalars, args.keys)
    except (FileNotFoundError, ValueError) as error:
        parser.exit(1, f'error: {error}\n')
    plot_curves(series, axes, args.out, args.title or str(args.scalars))
    print(f'curves written to {args.out}')


if __name__ == '__main__':
    main()
