"""ShuffleNet V1 (Zhang et al., 2017, https://arxiv.org/abs/1707.01083)."""
import math
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.fx
from mmcv.cnn import ConvModule, build_activation_layer
from torch import Tensor, nn

from ...registry import MODELS
from ..utils import (
    CheckpointedBlock,
    channel_shuffle,
    check_choice,
    check_positive_number,
    make_divisible,
)
from .shufflenet_base import ShuffleNetBase

torch.fx.wrap('channel_shuffle')

# Output channels of the three stages at 1x, for each number of groups g
# (Table 1 of the paper).
STAGE_CHANNELS: Dict[int, Tuple[int, int, int]] = {
    1: (144, 288, 576),
    2: (200, 400, 800),
    3: (240, 480, 960),
    4: (272, 544, 1088),
    8: (384, 768, 1536),
}
STAGE_BLOCKS = (4, 8, 4)
STEM_CHANNELS = 24


def channels_fit_groups(stem: int, stages: Sequence[int], groups: int) -> bool:
    """Tell whether every grouped convolution of the net can be built.

    Each unit's bottleneck is a quarter of its stage's channels; the grouped
    1x1 convolutions need the bottleneck, the stage channels and the
    concatenated branch of each stage's first unit (``out - in``) divisible
    by ``groups``.

    Args:
        stem (int): The stem's output channels.
        stages (Sequence[int]): The output channels of each stage.
        groups (int): The groups of the 1x1 convolutions.

    Returns:
        bool: True when all of them divide.
    """
    inputs = (stem, *stages[:-1])
    return all(out > in_ and (out - in_) % groups == 0 and out % groups == 0
               and (out // 4) % groups == 0
               for in_, out in zip(inputs, stages))


def shufflenet_v1_channels(groups: int,
                           widen_factor: float) -> Tuple[int, List[int]]:
    """Work out the stem and stage channels of a ShuffleNet V1.

    Where mmpretrain 1.2.0 can build the variant (channels rounded to a
    multiple of 8, stem ``int(24 * widen_factor)``), its channels are kept,
    so its checkpoints load. Elsewhere (e.g. g=8 at 0.5x) the paper's
    channels are rounded to a multiple of ``4 * groups`` and the stem up to
    a multiple of ``groups`` (and to at least 8, the least width that
    :func:`make_divisible` gives), so that every grouped convolution divides
    and the complexity stays within 15% of the paper's Table 2.

    Args:
        groups (int): The groups of the 1x1 convolutions.
        widen_factor (float): The width multiplier.

    Returns:
        tuple[int, list[int]]: The stem's channels and each stage's.
    """
    base = STAGE_CHANNELS[groups]
    stem = int(STEM_CHANNELS * widen_factor)
    stages = [make_divisible(ch * widen_factor, 8) for ch in base]
    if channels_fit_groups(stem, stages, groups):
        return stem, stages
    stem = math.ceil(max(8, STEM_CHANNELS * widen_factor) / groups) * groups
    stages = [make_divisible(ch * widen_factor, 4 * groups) for ch in base]
    return stem, stages


class ShuffleUnit(CheckpointedBlock):
    """The ShuffleNet unit (Fig. 2b and 2c of the paper).

    A grouped 1x1 compression to a quarter of ``out_channels``, a channel
    shuffle, a 3x3 depthwise convolution and a grouped 1x1 expansion. With
    ``combine='add'`` (stride 1) the input is added back; with
    ``combine='concat'`` (stride 2) a 3x3 average-pooled input is
    concatenated, so the convolution branch makes ``out_channels -
    in_channels`` channels.

    Args:
        in_channels (int): The input channels.
        out_channels (int): The output channels.
        groups (int): The groups of the 1x1 convolutions. Defaults to 3.
        first_block (bool): Whether the unit is the first of the network,
            whose compression is not grouped (its input is the narrow stem).
            Defaults to True.
        combine (str): ``'add'`` or ``'concat'``. Defaults to ``'add'``.
        conv_cfg (dict, optional): Config of the convolutions.
            Defaults to None, meaning ``nn.Conv2d``.
        norm_cfg (dict): Config of the norm layers. Defaults to
            ``dict(type='BN')``.
        act_cfg (dict): Config of the activations. Defaults to
            ``dict(type='ReLU')``.
        with_cp (bool): Whether to checkpoint the unit. Defaults to False.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 groups: int = 3,
                 first_block: bool = True,
                 combine: str = 'add',
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 with_cp: bool = False) -> None:
        super().__init__(with_cp=with_cp)
        check_choice('combine', combine, ('add', 'concat'))
        if combine == 'add' and in_channels != out_channels:
            raise ValueError(
                "a ShuffleUnit with combine='add' needs in_channels == "
                f'out_channels, got {in_channels} and {out_channels}')
        if combine == 'concat' and out_channels <= in_channels:
            raise ValueError(
                "a ShuffleUnit with combine='concat' needs out_channels > "
                f'in_channels, got {in_channels} and {out_channels}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.groups = groups
        self.first_block = first_block
        self.combine = combine
        self.bottleneck_channels = out_channels // 4
        branch_channels = out_channels
        stride = 1
        if combine == 'concat':
            branch_channels = out_channels - in_channels
            stride = 2
            self.avgpool = nn.AvgPool2d(kernel_size=3, stride=2, padding=1)
        compress_groups = 1 if first_block else groups
        for name, value, divisor in (
            ('in_channels', in_channels, compress_groups),
            ('out_channels // 4', self.bottleneck_channels, groups),
            ('the convolution branch', branch_channels, groups),
        ):
            if value % divisor != 0:
                raise ValueError(
                    f'ShuffleUnit: {name} ({value}) must be divisible by '
                    f'groups ({divisor}); got in_channels={in_channels}, '
                    f'out_channels={out_channels}, groups={groups}')
        conv = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.g_conv_1x1_compress = ConvModule(
            in_channels,
            self.bottleneck_channels,
            kernel_size=1,
            groups=compress_groups,
            act_cfg=act_cfg,
            **conv)
        self.depthwise_conv3x3_bn = ConvModule(
            self.bottleneck_channels,
            self.bottleneck_channels,
            kernel_size=3,
            stride=stride,
            padding=1,
            groups=self.bottleneck_channels,
            act_cfg=None,
            **conv)
        self.g_conv_1x1_expand = ConvModule(
            self.bottleneck_channels,
            branch_channels,
            kernel_size=1,
            groups=groups,
            act_cfg=None,
            **conv)
        self.act = build_activation_layer(act_cfg)

    def inner_forward(self, x: Tensor) -> Tensor:
        """Compute the unit's output.

        Args:
            x (Tensor): The input.

        Returns:
            Tensor: The output.
        """
        out = self.g_conv_1x1_compress(x)
        out = self.depthwise_conv3x3_bn(out)
        if self.groups > 1:
            out = channel_shuffle(out, self.groups)
        out = self.g_conv_1x1_expand(out)
        if self.combine == 'concat':
            return torch.cat((self.avgpool(x), self.act(out)), dim=1)
        return self.act(x + out)


@MODELS.register_module()
class ShuffleNetV1(ShuffleNetBase):
    """ShuffleNet V1 backbone.

    `ShuffleNet: An Extremely Efficient Convolutional Neural Network for
    Mobile Devices <https://arxiv.org/abs/1707.01083>`_. Stages 0-2 have
    strides 8, 16 and 32; only those up to the last of ``out_indices`` are
    built. Every configuration of the paper builds, including
    those mmpretrain 1.2.0 rejects (see :func:`shufflenet_v1_channels`).

    Args:
        groups (int): The groups of the 1x1 convolutions, one of 1, 2, 3, 4
            and 8. Defaults to 3.
        widen_factor (float): The width multiplier. Defaults to 1.0.
        out_indices (Sequence[int]): Output from which stages (0-2).
            Defaults to ``(2, )``.
        frozen_stages (int): How many stages after the stem to freeze: -1
            freezes nothing, 0 only the stem, 3 the whole backbone.
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
                 groups: int = 3,
                 widen_factor: float = 1.0,
                 out_indices: Sequence[int] = (2, ),
                 frozen_stages: int = -1,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        stage_channels = self.stage_channels_for(groups=groups,
                                                 widen_factor=widen_factor)
        super().__init__(
            num_stages=len(STAGE_BLOCKS),
            out_indices=out_indices,
            frozen_stages=frozen_stages,
            norm_eval=norm_eval,
            init_cfg=init_cfg)
        self.groups = groups
        self.widen_factor = widen_factor
        stem_channels, _ = shufflenet_v1_channels(groups, widen_factor)
        self.stage_channels = stage_channels
        self.stage_strides = (8, 16, 32)
        self._build_stem(stem_channels, conv_cfg, norm_cfg, act_cfg)
        self.layers = nn.ModuleList()
        in_channels = stem_channels
        for stage, (out_channels, num_blocks) in enumerate(
                zip(stage_channels[:self.num_built_stages], STAGE_BLOCKS)):
            units = [
                ShuffleUnit(
                    in_channels if unit == 0 else out_channels,
                    out_channels,
                    groups=groups,
                    first_block=stage == 0 and unit == 0,
                    combine='concat' if unit == 0 else 'add',
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                    act_cfg=act_cfg,
                    with_cp=with_cp) for unit in range(num_blocks)
            ]
            self.layers.append(nn.Sequential(*units))
            in_channels = out_channels
        self._freeze_stages()

    @classmethod
    def stage_channels_for(cls,
                           groups: int = 3,
                           widen_factor: float = 1.0,
                           **_: Any) -> Tuple[int, ...]:
        """The channels of the three stages
        (:func:`shufflenet_v1_channels`); see
        :meth:`EfficientBackbone.stage_channels_for`.

        Raises:
            ValueError: If ``groups`` is not 1, 2, 3, 4 or 8, or
                ``widen_factor`` not a positive number.
        """
        check_choice('groups', groups, tuple(STAGE_CHANNELS))
        check_positive_number('widen_factor', widen_factor)
        return tuple(shufflenet_v1_channels(groups, widen_factor)[1])
