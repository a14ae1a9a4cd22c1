"""The same ImageNet classifier, as mmshuffle, mmpretrain and torchvision
build it, for side-by-side measurements."""
from typing import Optional

from torch import nn

from ..models.variants import Variant

IMPLEMENTATIONS = ('mmshuffle', 'mmpretrain')


def variant_classifier(variant: Variant,
                       implementation: str = 'mmshuffle',
                       num_classes: int = 1000,
                       **backbone_kwargs) -> nn.Module:
    """Build an mmpretrain ``ImageClassifier`` on a variant's backbone.

    The backbone is mmshuffle's or mmpretrain's class of the same name
    with the same arguments; the neck is global average pooling and the
    head a linear layer, as in the model zoo's configs.

    Args:
        variant (Variant): The variant.
        implementation (str): ``'mmshuffle'`` or ``'mmpretrain'``.
            Defaults to ``'mmshuffle'``.
        num_classes (int): The classes. Defaults to 1000.
        **backbone_kwargs: More backbone arguments, e.g. ``with_cp=True``.

    Returns:
        nn.Module: The classifier, weights initialised, in train mode.

    Raises:
        ValueError: If ``implementation`` is unknown, or mmpretrain cannot
            build the variant (7 ShuffleNetV1 configurations).
    """
    from mmpretrain.registry import MODELS

    from mmshuffle.registry import MODELS as MMSHUFFLE_MODELS
    if implementation not in IMPLEMENTATIONS:
        raise ValueError(f'implementation must be one of {IMPLEMENTATIONS}, '
                         f'got {implementation!r}')
    in_channels = MMSHUFFLE_MODELS.get(variant.type).out_channels_for(
        **variant.kwargs)[-1]
    backbone = dict(variant.kwargs, **backbone_kwargs)
    backbone['type'] = (f'mmshuffle.{variant.type}' if implementation
                        == 'mmshuffle' else f'mmpretrain.{variant.type}')
    model = MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=backbone,
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='LinearClsHead',
                num_classes=num_classes,
                in_channels=in_channels)))
    model.init_weights()
    return model


def torchvision_classifier(variant: Variant) -> Optional[nn.Module]:
    """Build torchvision's model of a variant, where it has one.

    Args:
        variant (Variant): The variant.

    Returns:
        nn.Module | None: torchvision's ShuffleNetV2 (its four widths) or
        MobileNetV2 (any width), randomly initialised; None for the rest.
    """
    import torchvision
    if variant.torchvision is None:
        return None
    builder = getattr(torchvision.models, variant.torchvision)
    if variant.type == 'MobileNetV2':
        return builder(width_mult=variant.kwargs['widen_factor'])
    return builder()
