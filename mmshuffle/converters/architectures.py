"""The architectures the converters produce: how to tell their width from a
state dict in mmshuffle's layout, the shapes they expect, and the config
that builds them."""
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, Mapping, Optional, Tuple

import torch
from torch import Tensor, nn

from mmshuffle.models import MobileNetV2, ShuffleNetV2
from mmshuffle.models.backbones import mobilenet_v2, shufflenet_v2
from mmshuffle.models.backbones.mobilenet_v2 import mobilenet_v2_channels
from mmshuffle.models.variants import VARIANTS

from ..checkpoint import compare_shapes, preview
from ..errors import ShapeMismatchError, UnknownArchitectureError
from .key_renaming import key_prefixes

BACKBONES: Dict[str, Callable[..., nn.Module]] = {
    'ShuffleNetV2': ShuffleNetV2,
    'MobileNetV2': MobileNetV2,
}

# The model-zoo config that builds each architecture, from the repository
# root; a width without one gets none.
ZOO_CONFIGS: Dict[Tuple[str, float], str] = {
    (variant.type, variant.kwargs['widen_factor']): variant.zoo_config
    for variant in VARIANTS if variant.zoo_config and variant.type in BACKBONES
}

# The classes of the model-zoo configs' heads (ImageNet-1k).
ZOO_NUM_CLASSES = 1000

# MobileNetV2 widths tried first: several widths give the same channels
# (they are rounded to multiples of 8), and the published name wins.
MOBILENET_V2_NAMED_WIDTHS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
MOBILENET_V2_MAX_WIDTH = 4.0

# The keys whose output channels tell a ShuffleNetV2's width: the right
# branch of each stage's first unit (half the stage), and the final conv.
SHUFFLENET_V2_WIDTH_KEYS = tuple(
    f'layers.{stage}.0.branch2.2.conv.weight'
    for stage in range(len(shufflenet_v2.STAGE_BLOCKS))) + (
        f'layers.{len(shufflenet_v2.STAGE_BLOCKS)}.conv.weight', )

# The keys whose output channels tell a MobileNetV2's width: the stem, the
# projection of each stage's first block, and the final conv.
MOBILENET_V2_WIDTH_KEYS = ('conv1.conv.weight', ) + tuple(
    f'layer{stage + 1}.0.conv.{1 if expand_ratio == 1 else 2}.conv.weight'
    for stage, (expand_ratio, *_) in enumerate(
        mobilenet_v2.ARCH_SETTINGS)) + ('conv2.conv.weight', )


@dataclass(frozen=True)
class Architecture:
    """A backbone family at one width.

    Args:
        family (str): ``'ShuffleNetV2'`` or ``'MobileNetV2'``.
        widen_factor (float): The width.
    """

    family: str
    widen_factor: float

    @property
    def name(self) -> str:
        """str: E.g. ``'ShuffleNetV2 1x'``."""
        return f'{self.family} {self.widen_factor:g}x'

    @property
    def config(self) -> Optional[str]:
        """str | None: The model-zoo config that builds it, if any."""
        return ZOO_CONFIGS.get((self.family, self.widen_factor))

    def build_backbone(self) -> nn.Module:
        """Build the backbone on the meta device: shapes, no memory.

        Returns:
            nn.Module: The backbone.
        """
        with torch.device('meta'):
            return BACKBONES[self.family](widen_factor=self.widen_factor)

    def backbone_shapes(self) -> Dict[str, torch.Size]:
        """dict[str, torch.Size]: The backbone's state-dict shapes."""
        return {
            key: value.shape
            for key, value in self.build_backbone().state_dict().items()
        }

    def classifier_shapes(self, num_classes: int) -> Dict[str, torch.Size]:
        """The state-dict shapes of an ``ImageClassifier`` with this
        backbone, global average pooling and a linear head.

        Args:
            num_classes (int): The classes of the head.

        Returns:
            dict[str, torch.Size]: ``backbone.*`` and ``head.fc.*``.
        """
        backbone = self.build_backbone()
        shapes = {
            f'backbone.{key}': value.shape
            for key, value in backbone.state_dict().items()
        }
        in_channels = backbone.stage_channels[-1]
        shapes['head.fc.weight'] = torch.Size((num_classes, in_channels))
        shapes['head.fc.bias'] = torch.Size((num_classes, ))
        return shapes


def _output_channels(state_dict: Mapping[str, Tensor],
                     keys: Tuple[str, ...], family: str) -> Tuple[int, ...]:
    """Read the output channels of the convolutions named by ``keys``."""
    missing = [key for key in keys if key not in state_dict]
    if missing:
        raise UnknownArchitectureError(
            f'not a {family} backbone in mmshuffle\'s layout: it has no '
            f'{preview(missing)}; its keys begin with '
            f'{key_prefixes(state_dict)}')
    return tuple(int(state_dict[key].shape[0]) for key in keys)


def shufflenet_v2_width(state_dict: Mapping[str, Tensor]) -> float:
    """Tell a ShuffleNetV2's width from its stage channels.

    Args:
        state_dict (Mapping[str, Tensor]): Backbone keys, mmshuffle's layout.

    Returns:
        float: The width, one of the keys of ``STAGE_CHANNELS``.

    Raises:
        UnknownArchitectureError: If no width has these channels.
    """
    found = _output_channels(state_dict, SHUFFLENET_V2_WIDTH_KEYS,
                             'ShuffleNetV2')
    channels = tuple(2 * half for half in found[:-1]) + found[-1:]
    for width, expected in shufflenet_v2.STAGE_CHANNELS.items():
        if channels == expected:
            return width
    known = '; '.join(f'{width:g}x: {expected}' for width, expected in
                      shufflenet_v2.STAGE_CHANNELS.items())
    raise UnknownArchitectureError(
        f'a ShuffleNetV2 whose stage channels are {channels}, which no '
        f'width has; the widths known are {known}')


def _mobilenet_v2_candidates(last_channels: int) -> Iterator[float]:
    """The widths to try, in order of preference: the named ones, then
    steps of 0.05 and 0.01, then the width ``conv2`` tells exactly."""
    yield from MOBILENET_V2_NAMED_WIDTHS
    for step in (0.05, 0.01):
        for index in range(1, round(MOBILENET_V2_MAX_WIDTH / step) + 1):
            yield round(index * step, 2)
    yield last_channels / mobilenet_v2.LAST_CHANNELS


def mobilenet_v2_width(state_dict: Mapping[str, Tensor]) -> float:
    """Tell a MobileNetV2's width from its channels.

    Several widths give the same channels; the first of
    ``MOBILENET_V2_NAMED_WIDTHS``, then the coarsest round number, wins.

    Args:
        state_dict (Mapping[str, Tensor]): Backbone keys, mmshuffle's layout.

    Returns:
        float: A width that gives exactly these channels.

    Raises:
        UnknownArchitectureError: If no width up to 4 gives them.
    """
    channels = _output_channels(state_dict, MOBILENET_V2_WIDTH_KEYS,
                                'MobileNetV2')
    for width in _mobilenet_v2_candidates(channels[-1]):
        if mobilenet_v2_channels(width) == channels:
            return width
    known = '; '.join(f'{width:g}x: {mobilenet_v2_channels(width)}'
                      for width in MOBILENET_V2_NAMED_WIDTHS)
    raise UnknownArchitectureError(
        f'a MobileNetV2 whose channels (stem, layer1-layer7, conv2) are '
        f'{channels}, which no width up to {MOBILENET_V2_MAX_WIDTH:g} '
        f'gives; for instance {known}')


WIDTH_DETECTORS: Dict[str, Callable[[Mapping[str, Tensor]], float]] = {
    'ShuffleNetV2': shufflenet_v2_width,
    'MobileNetV2': mobilenet_v2_width,
}


def detect_architecture(family: str,
                        state_dict: Mapping[str, Tensor]) -> Architecture:
    """Tell the width of a backbone state dict in mmshuffle's layout.

    Args:
        family (str): One of the keys of :data:`WIDTH_DETECTORS`.
        state_dict (Mapping[str, Tensor]): The backbone's keys, without a
            ``backbone.`` prefix.

    Returns:
        Architecture: The family at the width found.
    """
    return Architecture(family, WIDTH_DETECTORS[family](state_dict))


def match_shapes(state_dict: Mapping[str, Tensor],
                 expected: Mapping[str, torch.Size],
                 architecture: str,
                 source_keys: Optional[Mapping[str, str]] = None
                 ) -> Dict[str, Tensor]:
    """Check that a state dict has exactly the keys and shapes expected.

    A missing ``num_batches_tracked`` (older files lack them) becomes 0.

    Args:
        state_dict (Mapping[str, Tensor]): The converted state dict.
        expected (Mapping[str, torch.Size]): The target's shapes.
        architecture (str): The target, for messages.
        source_keys (Mapping[str, str], optional): The source key of each
            key, for messages. Defaults to None.

    Returns:
        dict[str, Tensor]: The state dict, in the order of ``expected``.

    Raises:
        UnknownArchitectureError: If keys are missing or extra.
        ShapeMismatchError: If a tensor has another shape than its target;
            it names the key and both shapes.
    """
    source_keys = source_keys or {}
    mismatch = compare_shapes(state_dict, expected)
    if mismatch.missing or mismatch.unexpected:
        raise UnknownArchitectureError(
            f'the state dict does not fit {architecture}: missing '
            f'{preview(mismatch.missing) or "nothing"}; unexpected '
            f'{preview(mismatch.unexpected) or "nothing"}')
    if mismatch.wrong_shape:
        key, got, want = mismatch.wrong_shape[0]
        source = source_keys.get(key, key)
        named = repr(key) if source == key else f'{source!r} -> {key!r}'
        raise ShapeMismatchError(
            f'{named} has shape {got}, but {architecture} expects {want}')
    return {
        key: state_dict[key] if key in state_dict else torch.tensor(0)
        for key in expected
    }
