"""Check, before a detector is built, that its neck fits the backbone."""
from typing import Optional, Sequence

from mmengine.config import ConfigDict

from ..errors import NeckChannelsError


def backbone_out_channels(backbone_cfg: dict) -> Optional[Sequence[int]]:
    """Tell the channels of an mmshuffle backbone's outputs from its config,
    without building it.

    Args:
        backbone_cfg (dict): The ``model.backbone`` config.

    Returns:
        tuple[int] | None: The channels of the backbone's outputs, or None
        for a backbone that is not mmshuffle's.
    """
    backbone_type = str(backbone_cfg.get('type', ''))
    if not backbone_type.startswith('mmshuffle.'):
        return None
    from mmshuffle.registry import MODELS
    backbone = MODELS.get(backbone_type.split('.', 1)[1])
    if backbone is None:
        return None
    kwargs = {k: v for k, v in backbone_cfg.items() if k != 'type'}
    return backbone.out_channels_for(**kwargs)


def check_neck_in_channels(model_cfg: dict, key: str = 'model') -> None:
    """Raise a clear error when a neck does not take what the backbone gives.

    A mismatch would otherwise surface as a shape error deep inside a
    convolution, at the first forward. Only mmshuffle backbones are checked;
    a list of necks is checked at its first.

    Args:
        model_cfg (dict): The model config, with ``backbone`` and ``neck``.
        key (str): The config key of ``model_cfg``, for the message.
            Defaults to 'model'.

    Raises:
        NeckChannelsError: Naming both channel lists.
    """
    backbone_cfg, neck_cfg = model_cfg.get('backbone'), model_cfg.get('neck')
    if isinstance(neck_cfg, (list, tuple)):
        neck_cfg = neck_cfg[0] if neck_cfg else None
    if not isinstance(backbone_cfg, (dict, ConfigDict)) or not isinstance(
            neck_cfg, (dict, ConfigDict)) or 'in_channels' not in neck_cfg:
        return
    produced = backbone_out_channels(backbone_cfg)
    if produced is None:
        return
    expected = neck_cfg['in_channels']
    expected = list(expected) if isinstance(expected, (list, tuple)) else [
        expected
    ]
    if expected != list(produced):
        out_indices = backbone_cfg.get('out_indices', 'the default')
        raise NeckChannelsError(
            f'{key}.neck.in_channels {expected} do not match the channels '
            f'of the backbone\'s outputs {list(produced)} '
            f'({backbone_cfg["type"]} with out_indices={out_indices}): set '
            f'{key}.neck.in_channels={list(produced)} or change '
            f'{key}.backbone.out_indices')
