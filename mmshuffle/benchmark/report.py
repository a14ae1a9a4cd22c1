"""The benchmark's outputs: Markdown tables and the latency plot."""
from pathlib import Path
from typing import Dict, List, Optional, Sequence

FAMILY_MARKERS = {'ShuffleNetV1': 's', 'ShuffleNetV2': 'o', 'MobileNetV2': '^'}
RUNTIME_COLOURS = {
    'mmshuffle deploy': 'tab:green',
    'mmshuffle eager': 'tab:blue',
    'torchvision eager': 'tab:red',
}


def markdown_table(header: Sequence[str],
                   rows: Sequence[Sequence[object]]) -> str:
    """Format rows as a Markdown table.

    Args:
        header (Sequence[str]): The column names.
        rows (Sequence[Sequence]): The cells, one sequence per row.

    Returns:
        str: The table, one line per row.
    """
    lines = [header, ['---'] * len(header)] + [list(map(str, r))
                                               for r in rows]
    return '\n'.join('| ' + ' | '.join(line) + ' |' for line in lines)


def plot_latency(points: List[Dict], path: Path, title: str) -> None:
    """Plot latency against multiply-adds and against top-1.

    Args:
        points (list[dict]): One per variant and runtime: ``variant``,
            ``family``, ``mflops``, ``top1`` (None where unpublished),
            ``runtime`` and ``ms``.
        path (Path): The PNG to write.
        title (str): The figure's title.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.ticker import (
        FormatStrFormatter,
        LogLocator,
        NullFormatter,
        ScalarFormatter,
    )
    figure, (by_flops, by_top1) = plt.subplots(1, 2, figsize=(13, 5.5))
    for family, marker in FAMILY_MARKERS.items():
        for runtime, colour in RUNTIME_COLOURS.items():
            chosen = [p for p in points
                      if p['family'] == family and p['runtime'] == runtime]
            if not chosen:
                continue
            label = f'{family}, {runtime}'
            chosen.sort(key=lambda p: p['mflops'])
            by_flops.plot([p['mflops'] for p in chosen],
                          [p['ms'] for p in chosen], marker=marker,
                          color=colour, linestyle='none', label=label,
                          fillstyle='full' if 'deploy' in runtime else 'none')
            ranked = sorted((p for p in chosen if p['top1'] is not None),
                            key=lambda p: p['top1'])
            by_top1.plot([p['top1'] for p in ranked],
                         [p['ms'] for p in ranked], marker=marker,
                         color=colour, label=label,
                         fillstyle='full' if 'deploy' in runtime else 'none')
    for axes, xlabel in ((by_flops,
                          'multiply-adds (M) at 224x224, conv + linear'),
                         (by_top1, 'published ImageNet top-1 (%)')):
        axes.set_yscale('log')
        # Labels at 1, 2 and 5 times each power of ten, as plain numbers.
        axes.yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
        axes.yaxis.set_major_formatter(FormatStrFormatter('%g'))
        axes.yaxis.set_minor_formatter(NullFormatter())
        axes.set_ylabel('latency (ms), batch 1')
        axes.set_xlabel(xlabel)
        axes.grid(True, which='both', alpha=0.3)
    by_flops.set_xscale('log')
    by_flops.xaxis.set_major_formatter(ScalarFormatter())
    by_top1.legend(fontsize=7, loc='upper left')
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def ratio(numerator: float, denominator: Optional[float]) -> str:
    """``numerator / denominator`` as ``'2.87x'``, or ``'-'`` without one.

    Args:
        numerator (float): The slower time.
        denominator (float, optional): The faster time.

    Returns:
        str: The ratio.
    """
    if denominator is None or numerator is None:
        return '-'
    return f'{numerator / denominator:.2f}x'
