"""MobileNetV2 (Sandler et al., 2018, https://arxiv.org/abs/1801.04381)."""
from typing import Any, List, Optional, Sequence, Tuple, Union

from mmcv.cnn import ConvModule
from torch import Tensor, nn

from ...registry import MODELS
from ..utils import (
    CheckpointedBlock,
    check_choice,
    check_positive_number,
    make_divisible,
)
from .base_backbone import EfficientBackbone

# One row per stage (Table 2 of the paper):
# expand_ratio, channels at 1x, blocks, stride of the first block.
ARCH_SETTINGS = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)
STEM_CHANNELS = 32
LAST_CHANNELS = 1280


def mobilenet_v2_channels(widen_factor: float) -> Tuple[int, ...]:
    """The channels of a MobileNetV2 of a width, without building it.

    Each stage's channels times ``widen_factor``, rounded to a multiple of
    8 (:func:`make_divisible`); wider nets widen the last layer too, while
    narrower ones keep its 1280 (section 6.1 of the paper).

    Args:
        widen_factor (float): The width.

    Returns:
        tuple[int]: Nine channel counts: the stem, ``layer1`` to ``layer7``
        and ``conv2``.
    """
    return (make_divisible(STEM_CHANNELS * widen_factor, 8),
            *(make_divisible(channels * widen_factor, 8)
              for _, channels, _, _ in ARCH_SETTINGS),
            int(LAST_CHANNELS * max(1.0, widen_factor)))


class InvertedResidual(CheckpointedBlock):
    """The inverted residual with linear bottleneck (Fig. 3b of the paper).

    A 1x1 expansion by ``expand_ratio`` (left out at ratio 1), a 3x3
    depthwise convolution and a linear 1x1 projection, with a shortcut when
    the stride is 1 and the channels stay.

    Args:
        in_channels (int): The input channels.
        out_channels (int): The output channels.
        stride (int): The stride of the depthwise convolution, 1 or 2.
        expand_ratio (float): The expansion of the hidden layer.
        conv_cfg (dict, optional): Config of the convolutions.
            Defaults to None, meaning ``nn.Conv2d``.
        norm_cfg (dict): Config of the norm layers. Defaults to
            ``dict(type='BN')``.
        act_cfg (dict): Config of the activations. Defaults to
            ``dict(type='ReLU6')``.
        with_cp (bool): Whether to checkpoint the block. Defaults to False.
        init_cfg (dict | list[dict], optional): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int,
                 expand_ratio: float,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU6'),
                 with_cp: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(with_cp=with_cp, init_cfg=init_cfg)
        check_choice('stride', stride, (1, 2))
        check_positive_number('expand_ratio', expand_ratio)
        self.stride = stride
        self.use_res_connect = stride == 1 and in_channels == out_channels
        hidden_channels = int(round(in_channels * expand_ratio))
        conv = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        layers = []
        if expand_ratio != 1:
            layers.append(
                ConvModule(
                    in_channels,
                    hidden_channels,
                    kernel_size=1,
                    act_cfg=act_cfg,
                    **conv))
        layers += [
            ConvModule(
                hidden_channels,
                hidden_channels,
                kernel_size=3,
                stride=stride,
                padding=1,
                groups=hidden_channels,
                act_cfg=act_cfg,
                **conv),
            ConvModule(
                hidden_channels,
                out_channels,
                kernel_size=1,
                act_cfg=None,
                **conv),
        ]
        self.conv = nn.Sequential(*layers)

    def inner_forward(self, x: Tensor) -> Tensor:
        """Compute the block's output.

        Args:
            x (Tensor): The input.

        Returns:
            Tensor: The output.
        """
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


@MODELS.register_module()
class MobileNetV2(EfficientBackbone):
    """MobileNetV2 backbone.

    `MobileNetV2: Inverted Residuals and Linear Bottlenecks
    <https://arxiv.org/abs/1801.04381>`_. Stages 0-6 are the seven block
    stacks ``layer1`` to ``layer7`` (strides 2, 4, 8, 16, 16, 32, 32);
    stage 7 is the final 1x1 convolution ``conv2``. Only the stages up to
    the last of ``out_indices`` are built.

    Args:
        widen_factor (float): The width multiplier, e.g. 0.35 to 1.4.
            Defaults to 1.0.
        out_indices (Sequence[int]): Output from which stages (0-7).
            Defaults to ``(7, )``.
        frozen_stages (int): How many stages after the stem to freeze: -1
            freezes nothing, 0 only the stem, 8 the whole backbone.
            Defaults to -1.
        conv_cfg (dict, optional): Config of the convolutions.
            Defaults to None, meaning ``nn.Conv2d``.
        norm_cfg (dict): Config of the norm layers. Defaults to
            ``dict(type='BN')``.
        act_cfg (dict): Config of the activations. Defaults to
            ``dict(type='ReLU6')``.
        norm_eval (bool): Whether to keep batch norms in eval mode during
            training. Defaults to False.
        with_cp (bool): Whether to checkpoint each block. Defaults to False.
        init_cfg (dict | list[dict], optional): Initialization config.
            Defaults to Kaiming init for convolutions and 1 for norm layers.
    """

    def __init__(self,
                 widen_factor: float = 1.0,
                 out_indices: Sequence[int] = (7, ),
                 frozen_stages: int = -1,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU6'),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = [
                     dict(type='Kaiming', layer=['Conv2d']),
                     dict(
                         type='Constant',
                         val=1,
                         layer=['_BatchNorm', 'GroupNorm'])
                 ]) -> None:
        stage_channels = self.stage_channels_for(widen_factor=widen_factor)
        super().__init__(
            num_stages=len(ARCH_SETTINGS) + 1,
            out_indices=out_indices,
            frozen_stages=frozen_stages,
            norm_eval=norm_eval,
            init_cfg=init_cfg)
        self.widen_factor = widen_factor
        in_channels = mobilenet_v2_channels(widen_factor)[0]
        *channels, last_channels = stage_channels
        self._build_stem_conv(in_channels, conv_cfg, norm_cfg, act_cfg)
        strides, total_stride = [], 2
        for index, (expand_ratio, _, num_blocks,
                    stride) in enumerate(ARCH_SETTINGS):
            out_channels = channels[index]
            total_stride *= stride
            strides.append(total_stride)
            if index < self.num_built_stages:
                blocks = [
                    InvertedResidual(
                        in_channels if block == 0 else out_channels,
                        out_channels,
                        stride=stride if block == 0 else 1,
                        expand_ratio=expand_ratio,
                        conv_cfg=conv_cfg,
                        norm_cfg=norm_cfg,
                        act_cfg=act_cfg,
                        with_cp=with_cp) for block in range(num_blocks)
                ]
                self.add_module(self.stage_names[index],
                                nn.Sequential(*blocks))
            in_channels = out_channels
        if self.num_built_stages == self.num_stages:
            self.conv2 = ConvModule(
                in_channels,
                last_channels,
                kernel_size=1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg)
        self.stage_channels = stage_channels
        self.stage_strides = (*strides, total_stride)
        self._freeze_stages()

    @classmethod
    def stage_channels_for(cls,
                           widen_factor: float = 1.0,
                           **_: Any) -> Tuple[int, ...]:
        """The channels of ``layer1`` to ``layer7`` and ``conv2``
        (:func:`mobilenet_v2_channels`); see
        :meth:`EfficientBackbone.stage_channels_for`.

        Raises:
            ValueError: If ``widen_factor`` is not a positive number.
        """
        check_positive_number('widen_factor', widen_factor)
        return mobilenet_v2_channels(widen_factor)[1:]

    @property
    def stage_names(self) -> Tuple[str, ...]:
        """tuple[str]: ``layer1`` to ``layer7``, then ``conv2``."""
        return (*(f'layer{index + 1}'
                  for index in range(len(ARCH_SETTINGS))), 'conv2')

    @property
    def stages(self) -> List[nn.Module]:
        """list[nn.Module]: The stages built, from ``layer1`` on."""
        return [
            getattr(self, name)
            for name in self.stage_names[:self.num_built_stages]
        ]

    def forward_stem(self, x: Tensor) -> Tensor:
        """Run the stem, a stride-2 3x3 convolution.

        Args:
            x (Tensor): The input images.

        Returns:
            Tensor: The input of the first stage, at stride 2.
        """
        return self.conv1(x)
