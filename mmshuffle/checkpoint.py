"""Checkpoint files: the one reader of a state dict (safe, wherever the
file keeps it) for the model zoo, the converters and the tools, and the
writer of checkpoints that ``torch.load(weights_only=True)`` loads."""
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Tuple, Union

import torch
from torch import Tensor

from .compat import atomic_write, load_from_local_safely
from .errors import MissingDataError, NoStateDictError

# Where checkpoints keep their state dict, besides the top level.
STATE_DICT_KEYS = ('state_dict', 'model')
PLAIN_TYPES = (str, int, float, bool, type(None))
# What plain_metadata returns for an object that is not plain.
DROPPED = object()


def preview(items: Iterable, limit: int = 6) -> str:
    """Quote the first items of a list and count the rest, for messages.

    Args:
        items (Iterable): What to show.
        limit (int): How many items to quote. Defaults to 6.

    Returns:
        str: E.g. ``"'a', 'b' and 3 more"``.
    """
    items = list(items)
    shown = ', '.join(repr(item) for item in items[:limit])
    more = len(items) - limit
    return f'{shown} and {more} more' if more > 0 else shown


def load_state_dict(path: Union[str, Path]) -> Tuple[Dict[str, Tensor], Dict]:
    """Load a state dict, bare or inside a checkpoint, with
    ``torch.load(weights_only=True)``.

    The state dict is the file itself, or its ``'state_dict'`` or
    ``'model'`` item; a ``module.`` prefix on every key (``DataParallel``)
    is dropped.

    Args:
        path (str | Path): The file.

    Returns:
        tuple[dict[str, Tensor], dict]: The state dict, and the
        checkpoint's ``'meta'`` (empty when it has none).

    Raises:
        MissingDataError: If the file does not exist.
        UnsafeCheckpointError: If it holds objects other than tensors,
            plain containers and what MMEngine checkpoints hold.
        NoStateDictError: If it holds no state dict.
    """
    if not Path(path).is_file():
        raise MissingDataError(f'checkpoint file not found: {path}')
    checkpoint = load_from_local_safely(path, map_location='cpu')
    state_dict, meta = checkpoint, {}
    if isinstance(checkpoint, Mapping):
        for key in STATE_DICT_KEYS:
            if isinstance(checkpoint.get(key), Mapping):
                state_dict = checkpoint[key]
                meta = checkpoint.get('meta') or {}
                break
    if not isinstance(state_dict, Mapping) or not state_dict or not all(
            isinstance(key, str) and isinstance(value, Tensor)
            for key, value in state_dict.items()):
        found = (f'a dict with keys {preview(checkpoint)}' if isinstance(
            checkpoint, Mapping) else type(checkpoint).__name__)
        wrappers = ' or '.join(map(repr, STATE_DICT_KEYS))
        raise NoStateDictError(
            f'{path} holds no state dict: expected a dict of tensors, or a '
            f'checkpoint with one under {wrappers}; got {found}')
    if all(key.startswith('module.') for key in state_dict):
        state_dict = {key[len('module.'):]: v for key, v in state_dict.items()}
    return dict(state_dict), dict(meta) if isinstance(meta, Mapping) else {}


@dataclass
class ShapeMismatch:
    """How a state dict differs from the shapes expected of it.

    Attributes:
        wrong_shape (list[tuple]): ``(key, shape in the state dict,
            expected shape)`` for each key in both whose shapes differ, in
            the expected order.
        missing (list[str]): Expected keys the state dict lacks, but for
            ``num_batches_tracked`` (batch norm fills it in itself).
        unexpected (list[str]): Keys of the state dict not expected.
    """
    wrong_shape: List[Tuple[str, Tuple[int, ...], Tuple[int, ...]]]
    missing: List[str]
    unexpected: List[str]

    def __bool__(self) -> bool:
        return bool(self.wrong_shape or self.missing or self.unexpected)


def compare_shapes(state_dict: Mapping[str, Tensor],
                   expected: Mapping[str, Sequence[int]],
                   ignored_prefixes: Tuple[str, ...] = ()) -> ShapeMismatch:
    """Compare a state dict's keys and shapes with those expected.

    Args:
        state_dict (Mapping[str, Tensor]): The weights.
        expected (Mapping[str, Sequence[int]]): The shape of each key.
        ignored_prefixes (tuple[str]): Keys of the state dict that start so
            are not unexpected (e.g. the stages a backbone does not build).
            Defaults to none.

    Returns:
        ShapeMismatch: What differs; false when nothing does.
    """
    return ShapeMismatch(
        wrong_shape=[(key, tuple(state_dict[key].shape), tuple(shape))
                     for key, shape in expected.items()
                     if key in state_dict
                     and tuple(state_dict[key].shape) != tuple(shape)],
        missing=[key for key in expected if key not in state_dict
                 and not key.endswith('num_batches_tracked')],
        unexpected=[key for key in state_dict if key not in expected
                    and not key.startswith(ignored_prefixes)])


def plain_metadata(value: Any) -> Any:
    """Keep what ``torch.load(weights_only=True)`` loads without help:
    strings, numbers, booleans, None, and lists, tuples and dicts of them.

    Args:
        value: Metadata of a source checkpoint.

    Returns:
        A copy from which any other object is dropped; ``DROPPED`` when
        ``value`` itself is another object.
    """
    if isinstance(value, PLAIN_TYPES):
        return value
    if isinstance(value, (list, tuple)):
        kept = [plain_metadata(item) for item in value]
        kept = [item for item in kept if item is not DROPPED]
        return tuple(kept) if isinstance(value, tuple) else kept
    if isinstance(value, Mapping):
        items = ((key, plain_metadata(item)) for key, item in value.items()
                 if isinstance(key, PLAIN_TYPES))
        return {key: item for key, item in items if item is not DROPPED}
    return DROPPED


def save_checkpoint(state_dict: Mapping[str, Tensor], meta: Mapping,
                    path: Union[str, Path]) -> None:
    """Write ``{'state_dict': ..., 'meta': ...}`` so that it is whole or
    not there (:func:`mmshuffle.compat.atomic_write`).

    Args:
        state_dict (Mapping[str, Tensor]): The weights.
        meta (Mapping): Plain metadata.
        path (str | Path): Where to write; folders are created.
    """
    buffer = io.BytesIO()
    torch.save(
        {
            'state_dict': {
                key: value.contiguous()
                for key, value in state_dict.items()
            },
            'meta': plain_metadata(dict(meta)),
        }, buffer)
    atomic_write(buffer.getvalue(), path)
