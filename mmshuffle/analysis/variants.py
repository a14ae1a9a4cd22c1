"""Every named variant of the three families, with its published cost.

Tests, ``make demo`` and the docs' tables iterate over :data:`VARIANTS`,
so a variant added here is built, checked and listed everywhere.
"""
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

SHUFFLENET_V1_PAPER = 'ShuffleNet V1 paper, arXiv 1707.01083, Tables 2 and 5'
SHUFFLENET_V2_PAPER = 'ShuffleNet V2 paper, arXiv 1807.11164, Table 5'
MOBILENET_V2_PAPER = 'MobileNetV2 paper, arXiv 1801.04381, Table 4'
MOBILENET_V2_SLIM = ('TensorFlow models, research/slim/nets/mobilenet/'
                     'README.md (the paper\'s width sweep)')


@dataclass(frozen=True)
class Variant:
    """A named backbone configuration.

    Args:
        name (str): The variant's name, as mmpretrain's configs spell it.
        type (str): The registered class, e.g. ``'ShuffleNetV2'``.
        kwargs (dict): The constructor arguments.
        paper_mflops (float, optional): The published multiply-adds at
            224x224, in millions. Defaults to None.
        source (str, optional): Where ``paper_mflops`` comes from.
            Defaults to None.
    """

    name: str
    type: str
    kwargs: Dict = field(default_factory=dict)
    paper_mflops: Optional[float] = None
    source: Optional[str] = None

    @property
    def cfg(self) -> Dict:
        """dict: A registry config that builds the variant."""
        return dict(type=f'mmshuffle.{self.type}', **self.kwargs)


def _width_name(widen_factor: float) -> str:
    return f'{widen_factor:g}x'


# The paper's Table 2 gives the same complexity for every g at one width.
_V1_PAPER_MFLOPS = {0.25: 13, 0.5: 38, 1.0: 140}
_V1_G3_ONLY_MFLOPS = {1.5: 292, 2.0: 524}

SHUFFLENET_V1_VARIANTS: Tuple[Variant, ...] = tuple(
    Variant(f'shufflenet-v1-{_width_name(w)}-g{g}', 'ShuffleNetV1',
            dict(groups=g, widen_factor=w), mflops, SHUFFLENET_V1_PAPER)
    for w, mflops in _V1_PAPER_MFLOPS.items()
    for g in (1, 2, 3, 4, 8)) + tuple(
        Variant(f'shufflenet-v1-{_width_name(w)}-g3', 'ShuffleNetV1',
                dict(groups=3, widen_factor=w), mflops, SHUFFLENET_V1_PAPER)
        for w, mflops in _V1_G3_ONLY_MFLOPS.items())

SHUFFLENET_V2_VARIANTS: Tuple[Variant, ...] = tuple(
    Variant(f'shufflenet-v2-{_width_name(w)}', 'ShuffleNetV2',
            dict(widen_factor=w), mflops, SHUFFLENET_V2_PAPER)
    for w, mflops in ((0.5, 41), (1.0, 146), (1.5, 299), (2.0, 591)))

MOBILENET_V2_VARIANTS: Tuple[Variant, ...] = tuple(
    Variant(f'mobilenet-v2-{w:g}x', 'MobileNetV2', dict(widen_factor=w),
            mflops, source)
    for w, mflops, source in ((0.35, 59, MOBILENET_V2_SLIM),
                              (0.5, 97, MOBILENET_V2_SLIM),
                              (0.75, 209, MOBILENET_V2_SLIM),
                              (1.0, 300, MOBILENET_V2_PAPER),
                              (1.4, 585, MOBILENET_V2_PAPER)))

VARIANTS: Tuple[Variant, ...] = (
    SHUFFLENET_V1_VARIANTS + SHUFFLENET_V2_VARIANTS + MOBILENET_V2_VARIANTS)
