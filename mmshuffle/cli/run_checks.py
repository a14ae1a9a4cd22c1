"""Check, before a run starts, what its config and command line name
besides the data: the work dir, the launcher's environment, the
checkpoints to load and the classes of a folder dataset."""
import os
from pathlib import Path
from typing import Iterator, Tuple

from mmengine.config import Config

from mmshuffle.models.utils import is_pretrained

from ..errors import MissingDataError, UserInputError
from .data_checks import iter_data_roots

# The environment variables each launcher reads its rank from.
LAUNCHER_ENV = {
    'pytorch': ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'),
    'slurm': ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST'),
    'mpi': ('OMPI_COMM_WORLD_RANK', 'OMPI_COMM_WORLD_SIZE',
            'OMPI_COMM_WORLD_LOCAL_RANK', 'MASTER_ADDR'),
}
LAUNCHER_HINTS = {
    'pytorch': 'start it with torchrun (tools/dist_train.sh or '
    'tools/dist_test.sh), or drop --launcher for one process',
    'slurm': 'start it with srun inside a Slurm allocation, or drop '
    '--launcher for one process',
    'mpi': 'start it with mpirun, or drop --launcher for one process',
}


def check_work_dir(cfg: Config) -> None:
    """The work dir must be a folder or not exist yet.

    Raises:
        UserInputError: If it is a file.
    """
    if os.path.isfile(cfg.work_dir):
        raise UserInputError(
            f'--work-dir: {cfg.work_dir} is a file, not a folder; name a '
            'folder for the logs and checkpoints')


def check_launcher(launcher: str) -> None:
    """A launcher other than ``none`` needs the environment its starter
    sets.

    Raises:
        UserInputError: Naming the variables missing and how to start.
    """
    missing = [name for name in LAUNCHER_ENV.get(launcher, ())
               if name not in os.environ]
    if missing:
        raise UserInputError(
            f'--launcher {launcher}: {", ".join(missing)} not set, so this '
            f'is not a distributed start; {LAUNCHER_HINTS[launcher]}')


def _pretrained_checkpoints(value, key: str) -> Iterator[Tuple[str, str]]:
    """Yield ``(config key, checkpoint)`` of every ``Pretrained`` init."""
    if isinstance(value, dict):
        if is_pretrained(value) and isinstance(value.get('checkpoint'), str):
            yield f'{key}.checkpoint', value['checkpoint']
        for name, inner in value.items():
            yield from _pretrained_checkpoints(inner, f'{key}.{name}')
    elif isinstance(value, (list, tuple)):
        for index, inner in enumerate(value):
            yield from _pretrained_checkpoints(inner, f'{key}.{index}')


def check_checkpoints(cfg: Config) -> None:
    """Every local checkpoint the run would load must exist: ``load_from``
    (also what ``--resume PATH`` sets) and each ``Pretrained`` init of the
    model. URLs and other schemes (``http://``, ``torchvision://``) are
    read, safely, when the run needs them.

    Raises:
        MissingDataError: Naming the config key and the path.
    """
    checkpoints = list(_pretrained_checkpoints(cfg.get('model'), 'model'))
    if cfg.get('load_from'):
        option = '--resume' if cfg.get('resume') else 'load_from'
        checkpoints.append((option, cfg.load_from))
    for key, checkpoint in checkpoints:
        check_checkpoint(checkpoint, f'{key}: ')


def check_checkpoint(checkpoint: str, named: str = '') -> None:
    """A local checkpoint must exist; a URL or another scheme
    (``http://``, ``torchvision://``) is read, safely, when it is loaded.

    Args:
        checkpoint (str): The path or URL.
        named (str): What names it in the message, e.g. ``'load_from: '``.
            Defaults to ''.

    Raises:
        MissingDataError: If it is a local path to no file.
    """
    if '://' not in checkpoint and not os.path.isfile(
            os.path.expanduser(checkpoint)):
        raise MissingDataError(
            f'{named}checkpoint file not found: {checkpoint}')


def check_folder_classes(cfg: Config, splits: Tuple[str, ...]) -> None:
    """A ``CustomDataset`` read from class folders (no annotation file)
    must have as many classes as the classifier's head.

    Raises:
        UserInputError: Naming both counts and the option to set.
    """
    head = (cfg.get('model') or {}).get('head') or {}
    num_classes = head.get('num_classes')
    if not isinstance(num_classes, int):
        return
    for key, dataset in iter_data_roots(cfg, splits):
        if str(dataset.get('type', '')).split('.')[-1] != 'CustomDataset' \
                or dataset.get('ann_file') or dataset.get('classes') \
                or (dataset.get('metainfo') or {}).get('classes'):
            continue
        prefix = dataset.get('data_prefix') or ''
        if isinstance(prefix, dict):  # mmpretrain's dict(img_path=...)
            prefix = prefix.get('img_path') or ''
        folder = Path(dataset['data_root']) / str(prefix)
        if not folder.is_dir():
            continue
        classes = [entry.name for entry in folder.iterdir() if entry.is_dir()]
        if classes and len(classes) != num_classes:
            raise UserInputError(
                f'{key}: {folder} has {len(classes)} class folders, but '
                f'model.head.num_classes is {num_classes}; set --cfg-options '
                f'model.head.num_classes={len(classes)} '
                f'data_preprocessor.num_classes={len(classes)}')
