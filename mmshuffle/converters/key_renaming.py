"""Renaming of state-dict keys with tables of module prefixes."""
from typing import Dict, Iterable, Mapping, Optional

from torch import Tensor

from ..checkpoint import preview
from ..errors import UnknownArchitectureError


def key_prefixes(keys: Iterable[str]) -> str:
    """Summarise keys by their first component, in order of appearance.

    Args:
        keys (Iterable[str]): State-dict keys.

    Returns:
        str: E.g. ``"'conv1', 'layer1', 'fc'"``.
    """
    return preview(dict.fromkeys(key.split('.', 1)[0] for key in keys), 12)


def rename_key(key: str, prefix_map: Mapping[str, str]) -> Optional[str]:
    """Rename a key by the longest module prefix that ``prefix_map`` has.

    The prefix is matched on whole dot-separated components: with
    ``{'features.0.0': 'conv1.conv'}``, ``'features.0.0.weight'`` becomes
    ``'conv1.conv.weight'``.

    Args:
        key (str): A state-dict key.
        prefix_map (Mapping[str, str]): Source module paths to target ones.

    Returns:
        str | None: The new key, or None when no prefix matches.
    """
    parts = key.split('.')
    for end in range(len(parts) - 1, 0, -1):
        target = prefix_map.get('.'.join(parts[:end]))
        if target is not None:
            return '.'.join((target, *parts[end:]))
    return None


def rename_keys(state_dict: Mapping[str, Tensor],
                prefix_map: Mapping[str, str],
                source: str) -> Dict[str, Tensor]:
    """Rename every key of a state dict with :func:`rename_key`.

    Args:
        state_dict (Mapping[str, Tensor]): The source state dict.
        prefix_map (Mapping[str, str]): Source module paths to target ones.
        source (str): What the state dict should be, for the message, e.g.
            ``'a torchvision ShuffleNetV2'``.

    Returns:
        dict[str, Tensor]: The renamed state dict, in the source's order.

    Raises:
        UnknownArchitectureError: If some keys match no prefix; it names
            them.
    """
    renamed, unknown = {}, []
    for key, value in state_dict.items():
        target = rename_key(key, prefix_map)
        if target is None:
            unknown.append(key)
        else:
            renamed[target] = value
    if unknown:
        raise UnknownArchitectureError(
            f'{len(unknown)} keys of the state dict have no place in '
            f'{source}: {preview(unknown)}')
    return renamed


def invert(prefix_map: Mapping[str, str]) -> Dict[str, str]:
    """Swap the sources and targets of a one-to-one prefix map.

    Args:
        prefix_map (Mapping[str, str]): Source module paths to target ones.

    Returns:
        dict[str, str]: Target module paths to source ones.
    """
    inverse = {target: source for source, target in prefix_map.items()}
    assert len(inverse) == len(prefix_map), 'the prefix map is not 1:1'
    return inverse
