"""torchvision's ShuffleNetV2 and MobileNetV2 weights as mmshuffle
``ImageClassifier`` checkpoints.

The architecture is worked out from the tensors: the family from the key
names, the width from the channels, and then every shape is compared with
the backbone built at that width.
"""
from pathlib import Path
from typing import Dict, Mapping, Tuple, Union

from torch import Tensor

from mmshuffle.version import __version__

from ..checkpoint import load_state_dict, save_checkpoint
from ..errors import UnknownArchitectureError
from .architectures import Architecture, detect_architecture, match_shapes
from .key_renaming import key_prefixes, rename_keys
from .torchvision_keys import TORCHVISION_FAMILIES, TorchvisionFamily

BACKBONE_PREFIX = 'backbone.'


def detect_torchvision_family(
        state_dict: Mapping[str, Tensor]) -> TorchvisionFamily:
    """Tell the family of a torchvision state dict from its key names.

    Args:
        state_dict (Mapping[str, Tensor]): torchvision's state dict.

    Returns:
        TorchvisionFamily: The family whose signature keys it has.

    Raises:
        UnknownArchitectureError: If it has no family's signature; the
            message lists the key prefixes and some shapes it has, and the
            families known.
    """
    for family in TORCHVISION_FAMILIES:
        if all(key in state_dict for key in family.signature):
            return family
    shapes = ', '.join(f'{key} {tuple(value.shape)}'
                       for key, value in list(state_dict.items())[:4])
    known = '; '.join(
        f'{family.name} ({family.widths}), with keys '
        f'{", ".join(family.signature)}' for family in TORCHVISION_FAMILIES)
    raise UnknownArchitectureError(
        'the state dict is no torchvision architecture we convert: its keys '
        f'begin with {key_prefixes(state_dict)} ({len(state_dict)} keys; '
        f'first shapes {shapes}); expected torchvision {known}')


def convert_torchvision_state_dict(
        state_dict: Mapping[str, Tensor]
) -> Tuple[Dict[str, Tensor], Dict]:
    """Convert a torchvision ShuffleNetV2 or MobileNetV2 state dict.

    Args:
        state_dict (Mapping[str, Tensor]): torchvision's state dict, e.g.
            ``torchvision.models.shufflenet_v2_x1_0().state_dict()``.

    Returns:
        tuple[dict[str, Tensor], dict]: The ``ImageClassifier`` state dict
        (``backbone.*`` in mmpretrain's layout, ``head.fc.*``), and plain
        metadata: ``architecture``, ``widen_factor``, ``num_classes``,
        ``in_channels`` (of the head), ``converted_from`` and ``config``
        (the model-zoo config that builds the model, None for a width
        without one).

    Raises:
        UnknownArchitectureError: If the keys or channels fit no known
            architecture.
        ShapeMismatchError: If a tensor has another shape than its target.
    """
    family = detect_torchvision_family(state_dict)
    renamed = rename_keys(state_dict, family.prefix_map,
                          f'a torchvision {family.name}')
    backbone = {
        key[len(BACKBONE_PREFIX):]: value
        for key, value in renamed.items() if key.startswith(BACKBONE_PREFIX)
    }
    architecture: Architecture = detect_architecture(family.name, backbone)
    num_classes = int(renamed['head.fc.weight'].shape[0])
    # rename_keys keeps the order, so the keys pair up.
    source_keys = dict(zip(renamed, state_dict))
    converted = match_shapes(renamed,
                             architecture.classifier_shapes(num_classes),
                             architecture.name, source_keys)
    meta = dict(
        architecture=architecture.family,
        widen_factor=architecture.widen_factor,
        num_classes=num_classes,
        in_channels=int(converted['head.fc.weight'].shape[1]),
        converted_from='torchvision',
        config=architecture.config,
        mmshuffle_version=__version__)
    return converted, meta


def convert_torchvision_checkpoint(src: Union[str, Path],
                                   dst: Union[str, Path]) -> Dict:
    """Convert a torchvision state-dict file into an mmshuffle checkpoint.

    ``src`` is loaded with ``torch.load(weights_only=True)``; ``dst`` gets
    ``{'state_dict': ..., 'meta': ...}`` (see
    :func:`convert_torchvision_state_dict`), written atomically.

    Args:
        src (str | Path): torchvision's ``.pth`` file.
        dst (str | Path): The checkpoint to write.

    Returns:
        dict: The metadata written.
    """
    state_dict, _ = load_state_dict(src)
    converted, meta = convert_torchvision_state_dict(state_dict)
    save_checkpoint(converted, meta, dst)
    return meta

