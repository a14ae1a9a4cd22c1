"""The weight initialisation of the ShuffleNet families."""
from typing import List, Optional, Union

from mmengine.model import PretrainedInit
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm


def init_shufflenet_weights(model: nn.Module) -> None:
    """Initialise a ShuffleNet V1/V2 as mmpretrain's recipe does.

    Convolutions get a zero-mean normal init with std 0.01 for the stem
    (``conv1``) and ``1 / fan_in_per_group`` elsewhere. Norm layers get
    weight 1 and bias 1e-4, and batch norms a zero running mean. Unlike
    mmpretrain 1.2.0's ShuffleNetV2, whose call on a tensor leaves the biases
    at 0, the bias init really happens here.

    Args:
        model (nn.Module): The backbone to initialise in place.
    """
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d):
            std = 0.01 if name.startswith('conv1') else (
                1.0 / module.weight.shape[1])
            nn.init.normal_(module.weight, mean=0.0, std=std)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, (_BatchNorm, nn.GroupNorm)):
            if module.weight is not None:
                nn.init.ones_(module.weight)
            if module.bias is not None:
                nn.init.constant_(module.bias, 1e-4)
            if isinstance(module, _BatchNorm) and \
                    module.running_mean is not None:
                nn.init.zeros_(module.running_mean)


InitCfg = Optional[Union[dict, List[dict]]]


def is_pretrained(item: dict) -> bool:
    """Tell whether one ``init_cfg`` item loads a checkpoint (its type is
    ``'Pretrained'``, scoped or not, or ``PretrainedInit``)."""
    kind = item.get('type')
    return kind is PretrainedInit or (isinstance(kind, str)
                                      and kind.split('.')[-1] == 'Pretrained')


def has_pretrained(init_cfg: InitCfg) -> bool:
    """Tell whether an ``init_cfg`` loads a checkpoint, in any form MMEngine
    accepts: a dict or a list of dicts, whose ``type`` is ``'Pretrained'``
    (with or without a scope, ``'mmengine.Pretrained'``) or the
    ``PretrainedInit`` class.

    MMEngine applies a ``Pretrained`` item after every other item and after
    the children's ``init_weights``; a backbone's own init must not run
    after it.

    Args:
        init_cfg (dict | list[dict], optional): The config.

    Returns:
        bool: Whether one of its items is ``Pretrained``.
    """
    items = [init_cfg] if isinstance(init_cfg, dict) else (init_cfg or [])
    return any(is_pretrained(item) for item in items)


def unscope_pretrained(init_cfg: InitCfg) -> InitCfg:
    """Write a scoped ``'mmengine.Pretrained'`` item as ``'Pretrained'``.

    MMEngine recognises only the bare name (or the class) as a checkpoint
    to apply last; a scoped one it applies first, and the layers' own
    initialisation then overwrites the checkpoint.

    Args:
        init_cfg (dict | list[dict], optional): The config.

    Returns:
        dict | list[dict] | None: The same config, with every checkpoint
        item's type ``'Pretrained'`` or ``PretrainedInit``.
    """
    def unscoped(item: dict) -> dict:
        if is_pretrained(item) and item['type'] is not PretrainedInit:
            return dict(item, type='Pretrained')
        return item

    if isinstance(init_cfg, dict):
        return unscoped(init_cfg)
    if init_cfg is None:
        return None
    return [unscoped(item) for item in init_cfg]
