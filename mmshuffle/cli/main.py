"""The ``mmshuffle`` command: the tools and the demos from anywhere, on the
configs the package ships.

    mmshuffle COMMAND [ARGS...]      e.g. mmshuffle train CONFIG --work-dir DIR
    mmshuffle list [PATTERN]         the model zoo's names
    mmshuffle configs                where the shipped configs are
"""
import runpy
import sys
from pathlib import Path
from typing import List, Optional

from ..resources import resource_root

# Command: the tool it runs, relative to the resource root.
COMMANDS = {
    'train': 'tools/train.py',
    'test': 'tools/test.py',
    'demo': 'tools/digits_demo.py',
    'demo-det': 'tools/det_demo.py',
    'image-demo': 'demo/image_demo.py',
    'export': 'tools/deployment/export.py',
    'quantize': 'tools/deployment/quantize.py',
    'get-flops': 'tools/analysis_tools/get_flops.py',
    'analyze-logs': 'tools/analysis_tools/analyze_logs.py',
    'confusion-matrix': 'tools/analysis_tools/confusion_matrix.py',
    'vis-cam': 'tools/visualization/vis_cam.py',
    'eval-metric': 'tools/analysis_tools/eval_metric.py',
    'analyze-results': 'tools/analysis_tools/analyze_results.py',
    'print-config': 'tools/misc/print_config.py',
    'browse-dataset': 'tools/visualization/browse_dataset.py',
    'benchmark': 'tools/analysis_tools/benchmark.py',
    'deploy-speed': 'tools/analysis_tools/deploy_speed.py',
    'digits': 'tools/dataset_converters/digits.py',
    'shapes': 'tools/dataset_converters/shapes.py',
}


def usage() -> str:
    """The command's help."""
    width = max(map(len, COMMANDS))
    rows = '\n'.join(f'  {name:<{width}}  python {tool}'
                     for name, tool in COMMANDS.items())
    return (f'{__doc__.strip()}\n\ncommands (each takes the flags of the '
            f'tool it runs; COMMAND --help lists them):\n{rows}\n  '
            f'{"list":<{width}}  mmshuffle.list_models(PATTERN)\n  '
            f'{"configs":<{width}}  print the folder of the shipped configs')


def main(argv: Optional[List[str]] = None) -> int:
    """Run a command.

    Args:
        argv (list[str], optional): The arguments after ``mmshuffle``.
            Defaults to None: ``sys.argv[1:]``.

    Returns:
        int: The exit status.
    """
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ('-h', '--help'):
        print(usage())
        return 0
    command, rest = argv[0], argv[1:]
    if command == 'list':
        from ..apis import list_models
        print('\n'.join(list_models(*rest[:1])))
        return 0
    if command == 'configs':
        print(resource_root() / 'configs')
        return 0
    if command not in COMMANDS:
        print(f'error: unknown command {command!r}; the commands are '
              f'{", ".join([*COMMANDS, "list", "configs"])}',
              file=sys.stderr)
        return 2
    tool = resource_root() / COMMANDS[command]
    sys.argv = [str(tool), *rest]
    sys.path.insert(0, str(Path(tool).parent))
    runpy.run_path(str(tool), run_name='__main__')
    return 0


if __name__ == '__main__':
    sys.exit(main())
