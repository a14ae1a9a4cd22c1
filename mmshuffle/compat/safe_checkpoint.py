"""Checkpoint loading with torch's safe unpickler, made to work for
MMEngine's own checkpoints."""
import pickle
import re
from pathlib import Path
from typing import Callable, List, Optional, Union

import torch
from mmengine.runner import CheckpointLoader

# The statistics a HistoryBuffer pickles as getattr(HistoryBuffer, name).
HISTORY_BUFFER_STATISTICS = ('min', 'max', 'mean', 'current')


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds an object that is not known to be safe."""


def history_buffer_getattr(obj, name: str):
    """Stand in for ``getattr`` while unpickling, for HistoryBuffer alone.

    MMEngine's message hub pickles each HistoryBuffer with its statistics
    methods, as ``getattr(HistoryBuffer, 'mean')``. Allowing the real
    ``getattr`` would let a checkpoint reach any attribute of any allowed
    object; this allows exactly those methods.

    Args:
        obj: The object the pickle asks an attribute of.
        name (str): The attribute.

    Returns:
        The statistics method.

    Raises:
        UnsafeCheckpointError: For anything else.
    """
    from mmengine.logging import HistoryBuffer
    if obj is HistoryBuffer and name in HISTORY_BUFFER_STATISTICS:
        return getattr(HistoryBuffer, name)
    raise UnsafeCheckpointError(
        f'the checkpoint asks for getattr({obj!r}, {name!r}), which is not '
        'one of the HistoryBuffer statistics MMEngine checkpoints hold')


def safe_globals_for_mmengine() -> List:
    """List the objects MMEngine 0.10.7's checkpoints pickle beside tensors:
    the message hub's HistoryBuffers, with their statistics methods, and
    the numpy arrays, dtypes and scalars inside them.

    Returns:
        list: Objects, and ``(object, name)`` pairs, for
        ``torch.serialization.safe_globals``.
    """
    import numpy as np
    from mmengine.logging import HistoryBuffer
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 2
        from numpy.core import multiarray
    dtype_classes = {type(np.dtype(code)) for code in np.typecodes['All']}
    return [
        HistoryBuffer,
        (history_buffer_getattr, 'builtins.getattr'),
        np.ndarray,
        np.dtype,
        multiarray._reconstruct,
        multiarray.scalar,
        *sorted(dtype_classes, key=lambda cls: cls.__name__),
    ]


def load_from_local_safely(filename: Union[str, Path],
                           map_location: Optional[Union[str,
                                                        Callable]] = None):
    """Load a local checkpoint with ``weights_only=True``.

    Only tensors, plain Python containers and the objects of
    :func:`safe_globals_for_mmengine` are unpickled.

    Args:
        filename (str | Path): The checkpoint file.
        map_location (str | callable, optional): As for ``torch.load``.
            Defaults to None.

    Returns:
        dict: The checkpoint.

    Raises:
        FileNotFoundError: If the file does not exist.
        UnsafeCheckpointError: If the file holds any other object; the
            message names the file and the object.
    """
    path = Path(filename).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f'checkpoint file not found: {path}')
    try:
        with torch.serialization.safe_globals(safe_globals_for_mmengine()):
            return torch.load(path, map_location=map_location,
                              weights_only=True)
    except pickle.UnpicklingError as error:
        found = re.search(r'GLOBAL (\S+)', str(error))
        culprit = found.group(1) if found else 'an object'
        raise UnsafeCheckpointError(
            f'refusing to load {path}: it holds {culprit}, which is not a '
            'tensor, a plain container or an object MMEngine checkpoints '
            'need, and unpickling it could run arbitrary code. If you trust '
            'the file, load it yourself with torch.load(..., '
            'weights_only=False) and save its state dict.') from error


def install_safe_local_loader() -> None:
    """Make :func:`load_from_local_safely` MMEngine's loader for local
    files (``Runner.load_checkpoint``, ``resume``, ``init_cfg``
    ``Pretrained``, ``load_from``)."""
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_safely, force=True)
