"""The weight initialisation of the ShuffleNet families."""
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
