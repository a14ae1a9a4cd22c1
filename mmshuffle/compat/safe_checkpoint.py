"""Checkpoint loading with torch's safe unpickler, made to work for
MMEngine's own checkpoints, for local files and URLs alike."""
import os
import pickle
import re
from pathlib import Path
from typing import Callable, List, Optional, Union
from urllib.parse import urlparse

import mmengine.runner.checkpoint
import torch
from mmengine.runner import CheckpointLoader

from ..errors import UnsafeCheckpointError

# The statistics a HistoryBuffer pickles as getattr(HistoryBuffer, name).
HISTORY_BUFFER_STATISTICS = ('min', 'max', 'mean', 'current')


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


MapLocation = Optional[Union[str, Callable]]


def load_from_local_safely(filename: Union[str, Path],
                           map_location: MapLocation = None,
                           source: Optional[str] = None):
    """Load a local checkpoint with ``weights_only=True``.

    Only tensors, plain Python containers and the objects of
    :func:`safe_globals_for_mmengine` are unpickled.

    Args:
        filename (str | Path): The checkpoint file.
        map_location (str | callable, optional): As for ``torch.load``.
            Defaults to None.
        source (str, optional): Where the file came from, named in the
            error (a URL). Defaults to None, the file itself.

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
        named = path if source is None else f'{source} (downloaded to {path})'
        raise UnsafeCheckpointError(
            f'refusing to load {named}: it holds {culprit}, which is not a '
            'tensor, a plain container or an object MMEngine checkpoints '
            'need, and unpickling it could run arbitrary code. If you trust '
            'the file, load it yourself with torch.load(..., '
            'weights_only=False) and save its state dict.') from error


def download_to_cache(url: str,
                      model_dir: Optional[Union[str, Path]] = None,
                      check_hash: bool = True,
                      progress: bool = True,
                      file_name: Optional[str] = None) -> Path:
    """Give the local copy of a file in torch.hub's cache, downloading it
    there if it is missing, as ``torch.hub.load_state_dict_from_url`` does.

    Args:
        url (str): The file's URL.
        model_dir (str | Path, optional): The cache folder. Defaults to
            None, ``torch.hub.get_dir()/checkpoints``.
        check_hash (bool): Whether to check a download against the hash
            prefix in its name (``name-<sha256 prefix>.pth``). Defaults to
            True.
        progress (bool): Whether to show the download's progress.
            Defaults to True.
        file_name (str, optional): The cached file's name. Defaults to
            None, the URL's.

    Returns:
        Path: The cached file.

    Raises:
        OSError, http.client.HTTPException: If the download fails.
        RuntimeError: If the file does not match its hash prefix.
    """
    folder = Path(model_dir or Path(torch.hub.get_dir()) / 'checkpoints')
    cached = folder / (file_name or os.path.basename(urlparse(url).path))
    if not cached.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        found = torch.hub.HASH_REGEX.search(cached.name)
        torch.hub.download_url_to_file(
            url, str(cached),
            found.group(1) if check_hash and found else None,
            progress=progress)
    return cached


def load_url_safely(url: str,
                    model_dir: Optional[str] = None,
                    map_location: MapLocation = None,
                    progress: bool = True,
                    check_hash: bool = False,
                    file_name: Optional[str] = None):
    """Load a checkpoint from a URL, through torch.hub's cache
    (:func:`download_to_cache`), with :func:`load_from_local_safely`.

    It takes the arguments of ``torch.hub.load_state_dict_from_url``,
    which MMEngine calls for URLs with ``weights_only=False``.

    Args:
        url (str): The checkpoint's URL.
        model_dir (str, optional): The cache folder. Defaults to None,
            ``torch.hub.get_dir()/checkpoints``.
        map_location (str | callable, optional): As for ``torch.load``.
            Defaults to None.
        progress (bool): Whether to show the download's progress.
            Defaults to True.
        check_hash (bool): Whether to check the file against the hash
            prefix in its name. Defaults to False.
        file_name (str, optional): The cached file's name. Defaults to
            None, the URL's.

    Returns:
        dict: The checkpoint.

    Raises:
        UnsafeCheckpointError: If the file holds any other object; the
            message names the URL, the cached file and the object.
    """
    cached = download_to_cache(url, model_dir, check_hash, progress,
                               file_name)
    return load_from_local_safely(cached, map_location, source=url)


def install_safe_local_loader() -> None:
    """Make every way MMEngine reads a checkpoint safe
    (``Runner.load_checkpoint``, ``resume``, ``init_cfg`` ``Pretrained``,
    ``load_from``): :func:`load_from_local_safely` for local files, and
    :func:`load_url_safely` for ``http(s)://`` URLs and the schemes that
    resolve to one (``torchvision://``, ``open-mmlab://``, ``mmcls://``),
    where MMEngine calls ``torch.hub.load_state_dict_from_url`` with
    ``weights_only=False``."""
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_safely, force=True)
    mmengine.runner.checkpoint.load_url = load_url_safely
