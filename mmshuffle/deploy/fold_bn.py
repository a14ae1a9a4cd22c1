"""Fold batch norms into the convolutions before them."""
import torch
from mmcv.cnn import fuse_conv_bn
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm


def count_batch_norms(model: nn.Module) -> int:
    """Count the batch norm layers of a model.

    Args:
        model (nn.Module): The model.

    Returns:
        int: How many ``_BatchNorm`` modules (BN, SyncBN, ...) it holds.
    """
    return sum(isinstance(m, _BatchNorm) for m in model.modules())


def fold_bn(model: nn.Module) -> nn.Module:
    """Fold every batch norm that follows a convolution into it, in place.

    In eval mode a batch norm is a per-channel scale and shift, which the
    convolution before it can apply itself: its weight is scaled and its
    bias shifted (:func:`mmcv.cnn.fuse_conv_bn`), and the norm becomes an
    ``nn.Identity``. The outputs stay those of the model in eval mode, to
    float rounding. A norm that follows no convolution stays, and still
    computes the same.

    Args:
        model (nn.Module): The model, in eval mode (a batch norm in training
            mode would normalise with the batch's statistics, which no
            folding reproduces).

    Returns:
        nn.Module: ``model``, changed in place.

    Raises:
        ValueError: If the model is in training mode.
    """
    if model.training:
        raise ValueError('fold_bn: the model must be in eval mode (call '
                         '.eval() first): in training mode its batch norms '
                         "use each batch's statistics, which cannot be "
                         'folded')
    with torch.no_grad():
        fuse_conv_bn(model)
    for param in model.parameters():
        param.requires_grad_(False)
    return model
