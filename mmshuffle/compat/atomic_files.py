"""Checkpoint writes that an interruption cannot corrupt."""
import os
import tempfile
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend


def atomic_write(data: bytes, filepath: Union[str, Path]) -> None:
    """Write ``data`` to ``filepath`` so that it is whole or not there.

    The bytes go to a temporary file in the same folder, which is flushed to
    disk and then renamed over ``filepath`` (``os.replace`` is atomic on
    POSIX and Windows). A kill at any moment leaves either the previous file
    or the new one, never a truncated one; at worst a stray
    ``.<name>.*.tmp`` file stays beside it.

    Args:
        data (bytes): What to write.
        filepath (str | Path): Where to write it.
    """
    path = Path(filepath)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f'.{path.name}.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend, with atomic ``put`` and ``put_text``.

    MMEngine 0.10.7 writes checkpoints (``save_checkpoint``) and the
    ``last_checkpoint`` pointer through ``LocalBackend.put``, which opens the
    target with ``'wb'``: a kill during the write leaves a truncated latest
    checkpoint, or a half-written copy over an older one of the same name.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes atomically; see :func:`atomic_write`.

        Args:
            obj (bytes): Data to be written.
            filepath (str | Path): Path to write data.
        """
        atomic_write(obj, filepath)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        """Write text atomically; see :func:`atomic_write`.

        Args:
            obj (str): Text to be written.
            filepath (str | Path): Path to write data.
            encoding (str): The encoding. Defaults to 'utf-8'.
        """
        atomic_write(obj.encode(encoding), filepath)


def install_atomic_local_backend() -> None:
    """Make :class:`AtomicLocalBackend` MMEngine's backend for local paths."""
    register_backend('local', AtomicLocalBackend, force=True, prefixes='')
