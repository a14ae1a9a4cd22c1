"""What tools/train.py and tools/test.py share: loading the config with
command-line overrides, and turning user mistakes into one clear line."""
import argparse
import os
import os.path as osp
import sys
from typing import Callable, Dict, Optional, Sequence, Tuple

from mmengine.config import Config

from mmshuffle.compat import UnsafeCheckpointError, setup_cpu_distributed

from ..errors import MissingDataError, UserInputError
from .cfg_options import CfgOptionsAction, merge_cfg_options
from .data_checks import check_data_roots
from .model_checks import check_neck_in_channels
from .registry_errors import explain_unknown_type
from .run_checks import (
    check_checkpoints,
    check_folder_classes,
    check_launcher,
    check_work_dir,
)


def add_cfg_options_arg(parser: argparse.ArgumentParser) -> None:
    """Add ``--cfg-options KEY=VALUE ...``, parsed with clear errors.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings, KEY=VALUE (lists as key="[a,b]")')


def add_shape_arg(parser: argparse.ArgumentParser) -> None:
    """Add ``--shape H [W]``, the input image size (default 224 224).

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument('--shape', type=int, nargs='+', default=[224, 224],
                        metavar='SIZE', help='input height and width '
                        '(default: 224 224)')


def parse_image_shape(values: Sequence[int],
                      option: str = '--shape') -> Tuple[int, int]:
    """Read ``--shape H W`` (or one size, for a square image).

    Args:
        values (Sequence[int]): The values given.
        option (str): The option's name, for the message.
            Defaults to '--shape'.

    Returns:
        tuple[int, int]: Height and width.

    Raises:
        UserInputError: Unless one or two positive integers are given.
    """
    values = list(values)
    if len(values) not in (1, 2) or any(
            not isinstance(v, int) or v < 1 for v in values):
        raise UserInputError(
            f'{option} must be H W (or one size for a square image), '
            f'positive integers, got {" ".join(map(str, values))}')
    return (values[0], values[-1])


def add_trained_model_args(parser: argparse.ArgumentParser) -> None:
    """Add the positional ``config`` and ``checkpoint`` of the tools that
    take a trained model.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument('config',
                        help='the config the model was trained with')
    parser.add_argument('checkpoint', help='checkpoint file')


def add_speed_args(parser: argparse.ArgumentParser,
                   size_default: Optional[int] = 224,
                   size_help: str = '224') -> None:
    """Add the flags of the timing tools: ``--threads`` (default 1) and
    ``--size`` (the square input's side).

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        size_default (int, optional): ``--size`` when not given; None lets
            the tool choose. Defaults to 224.
        size_help (str): What the help says the default is. Defaults to
            '224'.
    """
    parser.add_argument('--threads', type=int, default=1,
                        help='torch and ONNX Runtime threads (default: 1)')
    parser.add_argument('--size', type=int, default=size_default,
                        help=f'input height and width (default: '
                        f'{size_help})')


def check_at_least_one(parser: argparse.ArgumentParser,
                       args: argparse.Namespace, *names: str) -> None:
    """Exit with a usage error if a count argument is below 1.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        args (argparse.Namespace): The parsed arguments.
        *names (str): The arguments' destinations, e.g. ``'batch_rounds'``
            for ``--batch-rounds``; one left at None is not checked.
    """
    for name in names:
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f'--{name.replace("_", "-")} must be at least 1, '
                         f'got {getattr(args, name)}')


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Add the flags tools/train.py and tools/test.py share:
    ``--work-dir``, ``--cfg-options``, ``--launcher`` and ``--local-rank``.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    add_cfg_options_arg(parser)
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_tool_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse a tool's command line; export ``LOCAL_RANK`` for launchers
    that pass ``--local-rank`` instead.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.

    Returns:
        argparse.Namespace: The arguments.
    """
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def load_config(path: str, work_dir: Optional[str], launcher: str,
                cfg_options: Optional[Dict]) -> Config:
    """Read a config and apply the common command-line arguments.

    Args:
        path (str): The config file.
        work_dir (str, optional): ``--work-dir``; by default
            ``./work_dirs/<config name>``.
        launcher (str): ``--launcher``.
        cfg_options (dict, optional): Parsed ``--cfg-options``.

    Returns:
        Config: The config.

    Raises:
        MissingDataError: If the config file does not exist.
    """
    if not osp.isfile(path):
        raise MissingDataError(f'config file not found: {path}')
    cfg = Config.fromfile(path)
    merge_cfg_options(cfg, cfg_options)
    cfg.launcher = launcher
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(path))[0])
    return cfg


def enable_amp(cfg: Config) -> None:
    """Switch a config to mixed precision training (``--amp``): MMEngine's
    ``AmpOptimWrapper`` on a GPU (or NPU, MLU, MUSA), bfloat16 autocast
    (:class:`mmshuffle.engine.CPUAmpOptimWrapper`) on a CPU that computes
    in bfloat16.

    Args:
        cfg (Config): The config, changed in place.

    Raises:
        UserInputError: On a CPU without bfloat16 units (AVX-512 BF16 or
            AMX), before anything is built.
    """
    from mmengine.device import get_device

    from mmshuffle.engine import cpu_has_bf16
    device = get_device()
    if device in ('cuda', 'npu', 'mlu', 'musa'):
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    elif device != 'cpu':
        raise UserInputError(
            f'--amp: MMEngine has no mixed precision for {device!r}; train '
            'without --amp')
    elif cpu_has_bf16():
        cfg.optim_wrapper.type = 'mmshuffle.CPUAmpOptimWrapper'
    else:
        raise UserInputError(
            '--amp: this machine has no GPU, and its CPU has no bfloat16 '
            'units (AVX-512 BF16 or AMX) for mixed precision to run on; '
            'train without --amp')


def run_tool(main: Callable[[], None]) -> None:
    """Run a tool's ``main``; print a user mistake as one line and exit 1.

    User mistakes (:class:`UserInputError`, unknown type names, unsafe
    checkpoints) become one line; anything else keeps its traceback.

    Args:
        main (callable): The tool's body.
    """
    try:
        main()
    except KeyError as error:
        message = explain_unknown_type(error)
        if message is None:
            raise
        sys.exit(f'error: {message}')
    except (UserInputError, UnsafeCheckpointError) as error:
        sys.exit(f'error: {error}')


def build_runner(cfg: Config, splits: Tuple[str, ...]):
    """Check a config, then build the runner it asks for (``runner_type``),
    else MMEngine's.

    Before anything is built: the work dir must be a folder, a launcher
    must have its environment, every local checkpoint the run loads must
    exist, the neck must take what an mmshuffle backbone gives, and every
    dataset of ``splits`` must have its data (a class-folder dataset as
    many classes as the head). A CPU distributed run is set up with gloo
    (:func:`setup_cpu_distributed`).

    Args:
        cfg (Config): The config.
        splits (tuple[str]): The dataloaders the run uses, e.g.
            ``('train', 'val')``.

    Returns:
        Runner: The runner.
    """
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    check_work_dir(cfg)
    check_launcher(cfg.launcher)
    check_checkpoints(cfg)
    check_neck_in_channels(cfg.model)
    check_data_roots(cfg, splits)
    check_folder_classes(cfg, splits)
    setup_cpu_distributed(cfg)
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
