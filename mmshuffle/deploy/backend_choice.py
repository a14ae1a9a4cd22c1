"""The fp32 backend chosen per machine: timed once on the model, then
remembered for that CPU.

The choice lives in ``backends.json`` in mmshuffle's cache folder
(``$MMSHUFFLE_CACHE_DIR``, else ``~/.cache/mmshuffle``), under the
machine's key (:func:`~mmshuffle.deploy.machine.machine_key`: CPU model,
instruction sets, cores) and the model's key (:func:`model_key`: its
architecture, input shape with the batch size, and thread count), with the
times that decided it. Another CPU, model, input shape or thread count is
timed anew.
"""
import datetime
import hashlib
import json
import os
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from ..compat.atomic_files import atomic_write
from .machine import machine_key
from .runtime import OptimizedModel
from .timing import interleaved_medians

CACHE_DIR_ENV = 'MMSHUFFLE_CACHE_DIR'
CACHE_FILE = 'backends.json'
# Raised when what is chosen among changes (the shuffle forms and the INT8
# float layers' precision came with 2, OpenVINO's all-INT8 convolutions
# with 3, batches in chunks with 4, ShuffleNet V2's INT8 concatenations
# with 5, the margin chunks must win by with 6): a choice remembered by an
# earlier version is timed again.
CHOICES_VERSION = 6


def cache_path() -> Path:
    """The file of the remembered choices.

    Returns:
        Path: ``backends.json`` in ``$MMSHUFFLE_CACHE_DIR``, else in
        ``~/.cache/mmshuffle``.
    """
    folder = os.environ.get(CACHE_DIR_ENV) or Path.home() / '.cache' / \
        'mmshuffle'
    return Path(folder) / CACHE_FILE


def model_key(module: nn.Module, example: Tensor) -> str:
    """What the fastest backend depends on, for one model: its modules'
    types and its parameters' and buffers' shapes (not their values), the
    input's shape, and torch's thread count. The batch size is part of it:
    the runtime fastest on one image need not be the fastest on a batch
    (docs/benchmarks.md).

    Args:
        module (nn.Module): The model.
        example (Tensor): An ``(N, C, H, W)`` input.

    Returns:
        str: E.g. ``'ImageClassifier 1x3x224x224 1 thread(s) 5f3a...'``.
    """
    digest = hashlib.sha1()
    for name, child in module.named_modules():
        digest.update(f'{name}:{type(child).__name__};'.encode())
    for name, tensor in (*module.named_parameters(),
                         *module.named_buffers()):
        digest.update(f'{name}:{tuple(tensor.shape)};'.encode())
    shape = 'x'.join(map(str, example.shape))
    return (f'{type(module).__name__} {shape} {torch.get_num_threads()} '
            f'thread(s) {digest.hexdigest()[:12]}')


def _read() -> Dict:
    """The cache's contents; empty if it is missing or unreadable."""
    try:
        return json.loads(cache_path().read_text())
    except (OSError, ValueError):
        return {}


def remembered_backend(key: str) -> Optional[str]:
    """The backend chosen before for a model on this machine.

    Args:
        key (str): The model's :func:`model_key`.

    Returns:
        str, optional: The backend's name; None if this machine has not
        timed this model with this version's choices
        (:data:`CHOICES_VERSION`).
    """
    entry = _read().get(machine_key(), {}).get(key)
    if not isinstance(entry, dict) or entry.get(
            'version') != CHOICES_VERSION:
        return None
    return entry['backend']


def remember_backend(key: str, backend: str,
                     timings: Dict[str, float]) -> None:
    """Record the backend chosen for a model on this machine, with the
    times that chose it.

    Args:
        key (str): The model's :func:`model_key`.
        backend (str): The chosen backend.
        timings (dict[str, float]): Seconds per call of each backend timed.
    """
    choices = _read()
    choices.setdefault(machine_key(), {})[key] = dict(
        backend=backend,
        version=CHOICES_VERSION,
        ms={name: round(1e3 * seconds, 3)
            for name, seconds in timings.items()},
        date=str(datetime.date.today()))
    path = cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(json.dumps(choices, indent=1).encode(), path)


def fastest(names: Sequence[str],
            build: Callable[[str], OptimizedModel],
            example: Tensor,
            preferred: Sequence[str] = (),
            margin: float = 0.0,
            **timing: int) -> OptimizedModel:
    """Build each named backend that is installed, time each on an input
    (interleaved medians) and return the fastest, its ``timings`` set.

    Args:
        names (Sequence[str]): The backends to try.
        build (Callable): Builds one by name; raises ImportError where its
            package is missing (it is then left out).
        example (Tensor): The input to time on.
        preferred (Sequence[str]): Names kept unless another runs faster
            than the fastest of them by more than ``margin``. Defaults to
            none.
        margin (float): The fraction of the preferred one's time that
            another must save. Defaults to 0.
        **timing (int): ``rounds``, ``calls``, ``warmup`` of
            :func:`~mmshuffle.deploy.timing.interleaved_medians`.

    Returns:
        OptimizedModel: The fastest; ``timings`` holds each one's seconds
        per call.

    Raises:
        ImportError: If none of them builds, the last one's.
        ValueError: If ``names`` is empty.
    """
    return _named_fastest(names, build, example, preferred, margin,
                          **timing)[1]


def _named_fastest(names: Sequence[str],
                   build: Callable[[str], OptimizedModel], example: Tensor,
                   preferred: Sequence[str], margin: float,
                   **timing: int) -> Tuple[str, OptimizedModel]:
    """:func:`fastest`, with the name it was built by."""
    if not names:
        raise ValueError('no backends to choose from')
    candidates = {}
    missing = None
    for name in names:
        try:
            candidates[name] = build(name)
        except ImportError as error:
            missing = error
    if not candidates:
        raise missing
    timings = interleaved_medians(candidates, example, **timing)
    best = min(timings, key=timings.get)
    kept = [name for name in timings if name in preferred]
    if kept and best not in kept:
        best_kept = min(kept, key=timings.get)
        if timings[best] > (1 - margin) * timings[best_kept]:
            best = best_kept
    candidates[best].timings = timings
    return best, candidates[best]


def remembered_or_fastest(key: str,
                          names: Sequence[str],
                          build: Callable[[str], OptimizedModel],
                          example: Tensor,
                          preferred: Sequence[str] = (),
                          margin: float = 0.0,
                          **timing: int) -> OptimizedModel:
    """The backend remembered for a model on this machine, built; or, the
    first time (or where it is no longer installed), the :func:`fastest`
    of ``names``, remembered.

    Args:
        key (str): The model's :func:`model_key` (with a prefix where one
            model has several choices, e.g. its INT8 runtime).
        names (Sequence[str]): The backends to choose from.
        build (Callable): See :func:`fastest`.
        example (Tensor): See :func:`fastest`.
        preferred (Sequence[str]): See :func:`fastest`.
        margin (float): See :func:`fastest`.
        **timing (int): See :func:`fastest`.

    Returns:
        OptimizedModel: The chosen backend; ``timings`` set where it was
        timed now.

    Raises:
        ImportError: If none of ``names`` builds (see :func:`fastest`).
        ValueError: If ``names`` is empty.
    """
    remembered = remembered_backend(key)
    if remembered in names:
        try:
            return build(remembered)
        except ImportError:  # uninstalled since: time again
            pass
    name, chosen = _named_fastest(names, build, example, preferred, margin,
                                  **timing)
    remember_backend(key, name, chosen.timings)
    return chosen
