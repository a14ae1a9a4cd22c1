"""What ShuffleNet V1 and V2 share: the stem, the stage list and the init."""
from typing import List, Optional, Tuple

from torch import Tensor, nn

from ..utils import has_pretrained, init_shufflenet_weights
from .base_backbone import EfficientBackbone


class ShuffleNetBase(EfficientBackbone):
    """A ShuffleNet: a 3x3 stride-2 convolution and a max pool, then
    ``self.layers``.

    Subclasses call :meth:`_build_stem` and fill ``self.layers``, an
    ``nn.ModuleList`` of stages.
    """

    layers: nn.ModuleList

    def _build_stem(self, channels: int, conv_cfg: Optional[dict],
                    norm_cfg: dict, act_cfg: dict) -> None:
        """Build ``conv1`` and ``maxpool``, which bring the input to stride 4.

        Args:
            channels (int): The stem's output channels.
            conv_cfg (dict, optional): Config of the convolution.
            norm_cfg (dict): Config of the norm layer.
            act_cfg (dict): Config of the activation.
        """
        self._build_stem_conv(channels, conv_cfg, norm_cfg, act_cfg)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    @property
    def stages(self) -> List[nn.Module]:
        """list[nn.Module]: The modules of ``self.layers``."""
        return list(self.layers)

    def forward_stem(self, x: Tensor) -> Tensor:
        """Run the stem.

        Args:
            x (Tensor): The input images.

        Returns:
            Tensor: The input of the first stage, at stride 4.
        """
        return self.maxpool(self.conv1(x))

    @property
    def stage_names(self) -> Tuple[str, ...]:
        """tuple[str]: ``layers.0``, ``layers.1``, ... for every stage."""
        return tuple(f'layers.{index}' for index in range(self.num_stages))

    def init_weights(self) -> None:
        """Initialise the weights with ``init_cfg``, then with the ShuffleNet
        recipe unless ``init_cfg`` loads a checkpoint (as a dict or as an
        item of a list)."""
        super().init_weights()
        if not has_pretrained(self.init_cfg):
            init_shufflenet_weights(self)
