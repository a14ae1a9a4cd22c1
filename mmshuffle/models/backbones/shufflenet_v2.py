"""ShuffleNet V2 (Ma et al., 2018, https://arxiv.org/abs/1807.11164)."""
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.fx
from mmcv.cnn import ConvModule
from torch import Tensor, nn

from ...registry import MODELS
from ..utils import CheckpointedBlock, check_choice, interleave
from .shufflenet_base import ShuffleNetBase

torch.fx.wrap('interleave')

# Output channels of stages 0-2 and of the final 1x1 convolution (stage 3),
# for each width (Table 5 of the paper).
STAGE_CHANNELS: Dict[float, Tuple[int, int, int, int]] = {
    0.5: (48, 96, 192, 1024),
    1.0: (116, 232, 464, 1024),
    1.5: (176, 352, 704, 1024),
    2.0: (244, 488, 976, 2048),
}
STAGE_BLOCKS = (4, 8, 4)
STEM_CHANNELS = 24


class InvertedResidual(CheckpointedBlock):
    """The ShuffleNet V2 unit (Fig. 3c and 3d of the paper).

    At stride 1 the input is split in two halves: one passes through, the
    other goes through 1x1, 3x3 depthwise and 1x1 convolutions. At stride 2
    both branches see the whole input and downsample it. The halves are
    concatenated and shuffled with two groups.

    Args:
        in_channels (int): The input channels.
        out_channels (int): The output channels; must be even.
        stride (int): The stride of the depthwise convolutions, 1 or 2.
            At stride 1, ``in_channels`` must equal ``out_channels``.
            Defaults to 1.
        conv_cfg (dict, optional): Config of the convolutions.
            Defaults to None, meaning ``nn.Conv2d``.
        norm_cfg (dict): Config of the norm layers. Defaults to
            ``dict(type='BN')``.
        act_cfg (dict): Config of the activations. Defaults to
            ``dict(type='ReLU')``.
        with_cp (bool): Whether to checkpoint the unit. Defaults to False.
        init_cfg (dict | list[dict], optional): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int = 1,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 with_cp: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(with_cp=with_cp, init_cfg=init_cfg)
        check_choice('stride', stride, (1, 2))
        if out_channels % 2 != 0:
            raise ValueError('InvertedResidual: out_channels must be even, '
                             f'got {out_channels}')
        if stride == 1 and in_channels != out_channels:
            raise ValueError(
                'InvertedResidual: at stride 1 in_channels must equal '
                f'out_channels, got in_channels={in_channels}, '
                f'out_channels={out_channels}')
        self.stride = stride
        branch_channels = out_channels // 2
        conv = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        if stride > 1:
            self.branch1 = nn.Sequential(
                ConvModule(
                    in_channels,
                    in_channels,
                    kernel_size=3,
                    stride=stride,
                    padding=1,
                    groups=in_channels,
                    act_cfg=None,
                    **conv),
                ConvModule(
                    in_channels,
                    branch_channels,
                    kernel_size=1,
                    act_cfg=act_cfg,
                    **conv),
            )
        self.branch2 = nn.Sequential(
            ConvModule(
                in_channels if stride > 1 else branch_channels,
                branch_channels,
                kernel_size=1,
                act_cfg=act_cfg,
                **conv),
            ConvModule(
                branch_channels,
                branch_channels,
                kernel_size=3,
                stride=stride,
                padding=1,
                groups=branch_channels,
                act_cfg=None,
                **conv),
            ConvModule(
                branch_channels,
                branch_channels,
                kernel_size=1,
                act_cfg=act_cfg,
                **conv))

    def inner_forward(self, x: Tensor) -> Tensor:
        """Compute the unit's output.

        Args:
            x (Tensor): The input.

        Returns:
            Tensor: The output.
        """
        if self.stride > 1:
            return interleave(self.branch1(x), self.branch2(x))
        passed, transformed = x.chunk(2, dim=1)
        # The concatenation and channel shuffle of the paper, in one copy.
        return interleave(passed, self.branch2(transformed))


@MODELS.register_module()
class ShuffleNetV2(ShuffleNetBase):
    """ShuffleNet V2 backbone.

    `ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture
    Design <https://arxiv.org/abs/1807.11164>`_. Stages 0-2 are the unit
    stacks (strides 8, 16, 32); stage 3 is the final 1x1 convolution. Only
    the stages up to the last of ``out_indices`` are built.

    Args:
        widen_factor (float): The width, one of 0.5, 1.0, 1.5 and 2.0.
            Defaults to 1.0.
        out_indices (Sequence[int]): Output from which stages (0-3).
            Defaults to ``(3, )``.
        frozen_stages (int): How many stages after the stem to freeze: -1
            freezes nothing, 0 only the stem, 4 the whole backbone.
            Defaults to -1.
        conv_cfg (dict, optional): Config of the convolutions.
            Defaults to None, meaning ``nn.Conv2d``.
        norm_cfg (dict): Config of the norm layers. Defaults to
            ``dict(type='BN')``.
        act_cfg (dict): Config of the activations. Defaults to
            ``dict(type='ReLU')``.
        norm_eval (bool): Whether to keep batch norms in eval mode during
            training. Defaults to False.
        with_cp (bool): Whether to checkpoint each unit. Defaults to False.
        init_cfg (dict | list[dict], optional): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 widen_factor: float = 1.0,
                 out_indices: Sequence[int] = (3, ),
                 frozen_stages: int = -1,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        stage_channels = self.stage_channels_for(widen_factor=widen_factor)
        super().__init__(
            num_stages=len(STAGE_BLOCKS) + 1,
            out_indices=out_indices,
            frozen_stages=frozen_stages,
            norm_eval=norm_eval,
            init_cfg=init_cfg)
        self.widen_factor = widen_factor
        self.stage_channels = stage_channels
        self.stage_strides = (8, 16, 32, 32)
        self._build_stem(STEM_CHANNELS, conv_cfg, norm_cfg, act_cfg)
        self.layers = nn.ModuleList()
        in_channels = STEM_CHANNELS
        for out_channels, num_blocks in zip(
                self.stage_channels[:self.num_built_stages], STAGE_BLOCKS):
            self.layers.append(
                nn.Sequential(*[
                    InvertedResidual(
                        in_channels if unit == 0 else out_channels,
                        out_channels,
                        stride=2 if unit == 0 else 1,
                        conv_cfg=conv_cfg,
                        norm_cfg=norm_cfg,
                        act_cfg=act_cfg,
                        with_cp=with_cp) for unit in range(num_blocks)
                ]))
            in_channels = out_channels
        if self.num_built_stages == self.num_stages:
            self.layers.append(
                ConvModule(
                    in_channels,
                    self.stage_channels[-1],
                    kernel_size=1,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                    act_cfg=act_cfg))
        self._freeze_stages()

    @classmethod
    def stage_channels_for(cls,
                           widen_factor: float = 1.0,
                           **_: Any) -> Tuple[int, ...]:
        """The channels of the three stages and the final 1x1 convolution
        (Table 5 of the paper); see
        :meth:`EfficientBackbone.stage_channels_for`.

        Raises:
            ValueError: If ``widen_factor`` is not 0.5, 1.0, 1.5 or 2.0.
        """
        check_choice('widen_factor', widen_factor, tuple(STAGE_CHANNELS))
        return STAGE_CHANNELS[widen_factor]
