"""MMDetection 3.3's MobileNetV2 weights in mmshuffle's (mmpretrain's)
layout, and back.

mmdet's ``InvertedResidual`` names its ConvModules ``expand_conv`` (built
only with ``with_expand_conv``, i.e. ``expand_ratio != 1``),
``depthwise_conv`` and ``linear_conv``; ours number them in ``conv``. The
stem ``conv1`` and the final ``conv2`` are named alike, and so are the
parts of a ConvModule (``.conv``, ``.bn``).
"""
from pathlib import Path
from typing import Dict, Mapping, Tuple, Union

from torch import Tensor

from mmshuffle.models.backbones import mobilenet_v2
from mmshuffle.version import __version__

from ..checkpoint import (
    load_state_dict,
    plain_metadata,
    preview,
    save_checkpoint,
)
from ..errors import UnknownArchitectureError
from .architectures import Architecture, detect_architecture, match_shapes
from .key_renaming import invert, key_prefixes, rename_keys

BACKBONE_PREFIX = 'backbone.'

# mmdet's ConvModules of an InvertedResidual -> ours, with an expansion
# conv (True) and without (False).
MMDET_INVERTED_RESIDUAL: Dict[bool, Dict[str, str]] = {
    True: {'expand_conv': 'conv.0', 'depthwise_conv': 'conv.1',
           'linear_conv': 'conv.2'},
    False: {'depthwise_conv': 'conv.0', 'linear_conv': 'conv.1'},
}

# Keys that every MobileNetV2 backbone state dict has, in each layout.
SIGNATURES: Dict[str, Tuple[str, ...]] = {
    'mmdet': ('conv1.conv.weight', 'layer1.0.depthwise_conv.conv.weight',
              'layer2.0.expand_conv.conv.weight', 'conv2.conv.weight'),
    'mmshuffle': ('conv1.conv.weight', 'layer1.0.conv.0.conv.weight',
                  'layer2.0.conv.0.conv.weight', 'conv2.conv.weight'),
}


def mmdet_prefix_map() -> Dict[str, str]:
    """Pair every ConvModule of mmdet's MobileNetV2 with ours.

    Returns:
        dict[str, str]: mmdet module paths -> mmshuffle ones.
    """
    prefix_map = {'conv1': 'conv1', 'conv2': 'conv2'}
    for stage, (expand_ratio, _, num_blocks,
                _) in enumerate(mobilenet_v2.ARCH_SETTINGS):
        for block in range(num_blocks):
            block_path = f'layer{stage + 1}.{block}'
            layers = MMDET_INVERTED_RESIDUAL[expand_ratio != 1]
            for theirs, ours in layers.items():
                prefix_map[f'{block_path}.{theirs}'] = f'{block_path}.{ours}'
    return prefix_map


# reverse -> (source layout, target layout, source -> target module paths).
DIRECTIONS: Dict[bool, Tuple[str, str, Dict[str, str]]] = {
    False: ('mmdet', 'mmshuffle', mmdet_prefix_map()),
    True: ('mmshuffle', 'mmdet', invert(mmdet_prefix_map())),
}


def _check_layout(backbone: Mapping[str, Tensor], reverse: bool) -> None:
    """Raise a clear error unless the backbone keys are in the source
    layout of the direction asked."""
    source, target, _ = DIRECTIONS[reverse]
    missing = [key for key in SIGNATURES[source] if key not in backbone]
    if not missing:
        return
    hint = ''
    if all(key in backbone for key in SIGNATURES[target]):
        hint = (f'. It is in {target}\'s layout already: '
                f'{"leave out" if reverse else "add"} --reverse '
                f'(reverse={not reverse})')
    raise UnknownArchitectureError(
        f'the backbone is no MobileNetV2 in {source}\'s layout: it has no '
        f'{preview(missing)}; its keys begin with {key_prefixes(backbone)} '
        f'({len(backbone)} keys); expected '
        f'{", ".join(SIGNATURES[source])} and the rest of {source}\'s '
        f'MobileNetV2 (conv1, layer1-layer7, conv2){hint}')


def convert_mmdet_state_dict(
        state_dict: Mapping[str, Tensor],
        reverse: bool = False) -> Tuple[Dict[str, Tensor], Architecture]:
    """Rename a MobileNetV2 from mmdet's layout to mmshuffle's, or back.

    ``state_dict`` is a backbone's, or a whole model's with the backbone
    under ``backbone.``; the model's other keys are kept as they are.

    Args:
        state_dict (Mapping[str, Tensor]): The source state dict.
        reverse (bool): Convert mmshuffle's layout to mmdet's. Defaults to
            False.

    Returns:
        tuple[dict[str, Tensor], Architecture]: The converted state dict,
        and the architecture found.

    Raises:
        UnknownArchitectureError: If the backbone is no MobileNetV2 in the
            source layout.
        ShapeMismatchError: If a tensor has another shape than the
            MobileNetV2 of the width found expects.
    """
    prefix = BACKBONE_PREFIX if any(
        key.startswith(BACKBONE_PREFIX) for key in state_dict) else ''
    backbone = {
        key[len(prefix):]: value
        for key, value in state_dict.items() if key.startswith(prefix)
    }
    _check_layout(backbone, reverse)
    source, _, prefix_map = DIRECTIONS[reverse]
    where = f'{source}\'s MobileNetV2'
    if reverse:
        ours, source_keys = backbone, {}
    else:
        ours = rename_keys(backbone, prefix_map, where)
        source_keys = dict(zip(ours, backbone))  # rename_keys keeps order
    architecture = detect_architecture('MobileNetV2', ours)
    checked = match_shapes(ours, architecture.backbone_shapes(),
                           architecture.name, source_keys)
    if reverse:
        checked = rename_keys(checked, prefix_map, where)
    converted = {prefix + key: value for key, value in checked.items()}
    # The backbone goes where its first key was; the other keys stay.
    output: Dict[str, Tensor] = {}
    placed = False
    for key, value in state_dict.items():
        if not key.startswith(prefix):
            output[key] = value
        elif not placed:
            output.update(converted)
            placed = True
    return output, architecture


def convert_mmdet_checkpoint(src: Union[str, Path],
                             dst: Union[str, Path],
                             reverse: bool = False) -> Dict:
    """Convert an mmdet MobileNetV2 checkpoint to mmshuffle's layout, or
    back.

    ``src`` is a state dict or a checkpoint holding one (loaded with
    ``torch.load(weights_only=True)``); ``dst`` gets
    ``{'state_dict': ..., 'meta': ...}``, written atomically. The source's
    plain metadata (e.g. ``dataset_meta``) is kept; optimizer and message
    hub states are not.

    Args:
        src (str | Path): The source file.
        dst (str | Path): The checkpoint to write.
        reverse (bool): Convert mmshuffle's layout to mmdet's. Defaults to
            False.

    Returns:
        dict: The metadata written.
    """
    state_dict, source_meta = load_state_dict(src)
    converted, architecture = convert_mmdet_state_dict(state_dict, reverse)
    source, target, _ = DIRECTIONS[reverse]
    meta = dict(
        plain_metadata(source_meta),
        architecture=architecture.family,
        widen_factor=architecture.widen_factor,
        converted_from=source,
        layout=target,
        mmshuffle_version=__version__)
    save_checkpoint(converted, meta, dst)
    return meta
