"""Behaviour the three backbone families share."""
import inspect
import logging
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch.fx
from mmcv.cnn import ConvModule
from mmengine.logging import print_log
from mmengine.model import BaseModule
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm

from ..utils import (
    check_input_channels,
    check_int_in_range,
    check_out_indices,
    unscope_pretrained,
)

torch.fx.wrap('check_input_channels')


class EfficientBackbone(BaseModule):
    """A stem followed by stages, with mmpretrain's backbone contract.

    A subclass builds ``self.conv1`` (the stem's convolution) and its first
    :attr:`num_built_stages` stages, sets :attr:`stage_channels` and
    :attr:`stage_strides`, implements :meth:`forward_stem`, :attr:`stages`
    and :attr:`stage_names`, and calls :meth:`_freeze_stages` at the end of
    its ``__init__``.

    What it gets:

    - ``forward`` returns a tuple of the stages in ``out_indices``, in stage
      order;
    - only the stages up to the last of ``out_indices`` are built, so every
      parameter takes part in the loss (distributed training needs no
      ``find_unused_parameters``); a checkpoint of the whole backbone still
      loads, ``strict`` or not: the tensors of the stages not built are left
      out and the log says which (:attr:`left_out_keys`);
    - ``frozen_stages = k`` freezes the stem and the first ``k`` stages: no
      gradients, and every norm layer there, the stem's included, in eval
      mode so its running statistics stay; ``k = num_stages`` freezes the
      whole backbone (a linear probe);
    - ``norm_eval`` keeps every ``_BatchNorm`` (BN, SyncBN, ...) in eval mode
      during training;
    - ``train(mode)`` returns the module, so calls can be chained;
    - :attr:`out_channels` and :attr:`out_strides` tell a neck what the
      stages in ``out_indices`` produce.

    Args:
        num_stages (int): How many stages ``out_indices`` can name.
        out_indices (Sequence[int]): Output from which stages.
        frozen_stages (int): How many stages after the stem to freeze, from
            -1 (nothing) through 0 (only the stem) to ``num_stages`` (all).
        norm_eval (bool): Whether to keep batch norms in eval mode.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    stage_channels: Tuple[int, ...]
    stage_strides: Tuple[int, ...]
    conv1: nn.Module

    def __init__(self, num_stages: int, out_indices: Sequence[int],
                 frozen_stages: int, norm_eval: bool,
                 init_cfg: Optional[Union[dict, List[dict]]]) -> None:
        super().__init__(unscope_pretrained(init_cfg))
        self.out_indices = check_out_indices(out_indices, num_stages)
        check_int_in_range('frozen_stages', frozen_stages, -1, num_stages)
        self.num_stages = num_stages
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.left_out_keys: List[str] = []
        self.register_load_state_dict_pre_hook(
            EfficientBackbone._leave_out_unbuilt_stages)

    @classmethod
    def stage_channels_for(cls, **kwargs: Any) -> Tuple[int, ...]:
        """The channels of every stage for these constructor arguments,
        without building the backbone; what :attr:`stage_channels` is once
        built.

        Args:
            **kwargs: Constructor arguments; those missing take the
                constructor's defaults, the ones that do not shape the
                channels are ignored.

        Returns:
            tuple[int]: One channel count per stage.

        Raises:
            ValueError: For an argument the constructor refuses.
        """
        raise NotImplementedError

    @classmethod
    def out_channels_for(cls, **kwargs: Any) -> Tuple[int, ...]:
        """The channels of ``forward``'s outputs for these constructor
        arguments, without building the backbone; what
        :attr:`out_channels` is once built.

        Args:
            **kwargs: Constructor arguments, as :meth:`stage_channels_for`
                takes them, ``out_indices`` included.

        Returns:
            tuple[int]: The channels of each output.

        Raises:
            TypeError, ValueError: For an argument the constructor refuses.
        """
        channels = cls.stage_channels_for(**kwargs)
        default = inspect.signature(cls).parameters['out_indices'].default
        out_indices = check_out_indices(kwargs.get('out_indices', default),
                                        len(channels))
        return tuple(channels[index] for index in sorted(set(out_indices)))

    @property
    def num_built_stages(self) -> int:
        """int: How many stages are built: up to the last of
        ``out_indices``."""
        return max(self.out_indices) + 1

    @property
    def stage_names(self) -> Tuple[str, ...]:
        """tuple[str]: The state-dict prefix of every stage, built or not."""
        raise NotImplementedError

    def unbuilt_stage_prefixes(self, prefix: str = '') -> Tuple[str, ...]:
        """The state-dict prefixes of the stages not built.

        Args:
            prefix (str): The backbone's own prefix in the state dict, e.g.
                ``'backbone.'``. Defaults to ''.

        Returns:
            tuple[str]: e.g. ``('backbone.layers.3.', )``; empty when every
            stage is built.
        """
        return tuple(f'{prefix}{name}.'
                     for name in self.stage_names[self.num_built_stages:])

    def _leave_out_unbuilt_stages(self, state_dict: Dict, prefix: str,
                                  *args) -> None:
        """Drop the tensors of the stages not built from a state dict that
        is being loaded, and log which (a ``load_state_dict`` pre-hook).
        :attr:`left_out_keys` lists them, as that state dict names them."""
        unbuilt = self.unbuilt_stage_prefixes(prefix)
        self.left_out_keys = [
            key for key in state_dict if key.startswith(unbuilt)
        ]
        for key in self.left_out_keys:
            del state_dict[key]
        if self.left_out_keys:
            names = ', '.join(name[len(prefix):-1] for name in unbuilt)
            print_log(
                f'{type(self).__name__}: out_indices={self.out_indices} end '
                f'at stage {self.num_built_stages - 1}, so {names} '
                f'{"is" if len(unbuilt) == 1 else "are"} not built; left '
                f'out {len(self.left_out_keys)} tensors of the checkpoint',
                logger='current',
                level=logging.INFO)

    def _build_stem_conv(self, channels: int, conv_cfg: Optional[dict],
                         norm_cfg: dict, act_cfg: dict) -> None:
        """Build ``conv1``, the stem's stride-2 3x3 convolution on RGB.

        Args:
            channels (int): The convolution's output channels.
            conv_cfg (dict, optional): Config of the convolution.
            norm_cfg (dict): Config of the norm layer.
            act_cfg (dict): Config of the activation.
        """
        self.conv1 = ConvModule(
            3,
            channels,
            kernel_size=3,
            stride=2,
            padding=1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)

    @property
    def stages(self) -> List[nn.Module]:
        """list[nn.Module]: The stages built, in the order ``out_indices``
        counts."""
        raise NotImplementedError

    @property
    def output_stages(self) -> Tuple[int, ...]:
        """tuple[int]: The stages that ``forward`` returns, in its order."""
        return tuple(sorted(set(self.out_indices)))

    @property
    def out_channels(self) -> Tuple[int, ...]:
        """tuple[int]: The channels of each output of ``forward``."""
        return tuple(self.stage_channels[i] for i in self.output_stages)

    @property
    def out_strides(self) -> Tuple[int, ...]:
        """tuple[int]: The stride of each output of ``forward``."""
        return tuple(self.stage_strides[i] for i in self.output_stages)

    @property
    def in_channels(self) -> int:
        """int: The channels of the input image."""
        return self.conv1.conv.in_channels

    def forward_stem(self, x: Tensor) -> Tensor:
        """Run the stem.

        Args:
            x (Tensor): The input images.

        Returns:
            Tensor: The input of the first stage.
        """
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Compute the feature maps of the stages in ``out_indices``.

        Args:
            x (Tensor): Images, ``(N, 3, H, W)``.

        Returns:
            tuple[Tensor]: One map per index of ``out_indices``, in stage
            order.

        Raises:
            ValueError: If ``x`` does not have the channels the stem takes.
        """
        check_input_channels(x, self.in_channels)
        x = self.forward_stem(x)
        outs = []
        for index, stage in enumerate(self.stages):
            x = stage(x)
            if index in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _freeze_stages(self) -> None:
        """Freeze the stem and the first ``frozen_stages`` stages."""
        if self.frozen_stages < 0:
            return
        for module in [self.conv1, *self.stages[:self.frozen_stages]]:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'EfficientBackbone':
        """Set the training mode, then re-apply freezing and ``norm_eval``.

        Args:
            mode (bool): Whether to train. Defaults to True.

        Returns:
            EfficientBackbone: This module.
        """
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self
