"""The catalogue: every named variant of the three families, with its
published cost, its model-zoo config and torchvision's builder of it.

Tests, tools, the converters and the docs' tables derive from
:data:`VARIANTS`, so a variant added here is built, checked and listed
everywhere.
"""
import inspect
from dataclasses import dataclass, field
from typing import Dict, Mapping, Optional, Tuple

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
        zoo_config (str, optional): The model zoo's ImageNet config of the
            variant, relative to the repository. Defaults to None.
        torchvision (str, optional): The ``torchvision.models`` function
            that builds it (MobileNetV2 with ``width_mult``). Defaults to
            None: torchvision has no such model.
    """

    name: str
    type: str
    kwargs: Dict = field(default_factory=dict)
    paper_mflops: Optional[float] = None
    source: Optional[str] = None
    zoo_config: Optional[str] = None
    torchvision: Optional[str] = None

    @property
    def cfg(self) -> Dict:
        """dict: A registry config that builds the variant."""
        return dict(type=f'mmshuffle.{self.type}', **self.kwargs)

    @property
    def title(self) -> str:
        """str: The name tables show, as the papers write it, e.g.
        ``'ShuffleNetV1 1x g=3'``, ``'MobileNetV2 1.0'``."""
        width = self.kwargs.get('widen_factor', 1.0)
        if self.type == 'MobileNetV2':
            digits = f'{width:g}'
            return f'MobileNetV2 {digits}' + ('' if '.' in digits else '.0')
        groups = self.kwargs.get('groups')
        return f'{self.type} {width:g}x' + (f' g={groups}' if groups else '')



def _width_name(widen_factor: float) -> str:
    return f'{widen_factor:g}x'


# The paper's Table 2 gives the same complexity for every g at one width.
_V1_PAPER_MFLOPS = {0.25: 13, 0.5: 38, 1.0: 140}
_V1_G3_ONLY_MFLOPS = {1.5: 292, 2.0: 524}

def _v1_zoo_config(groups: int, widen_factor: float) -> Optional[str]:
    """The zoo's configs build g=3, at every width."""
    return (f'configs/shufflenet_v1/shufflenet-v1-{_width_name(widen_factor)}'
            '_16xb64_in1k.py' if groups == 3 else None)


# (width, groups, published MFLOPs), in the order of the paper's Table 2.
_V1_ROWS = [(w, g, mflops) for w, mflops in _V1_PAPER_MFLOPS.items()
            for g in (1, 2, 3, 4, 8)
            ] + [(w, 3, mflops) for w, mflops in _V1_G3_ONLY_MFLOPS.items()]

SHUFFLENET_V1_VARIANTS: Tuple[Variant, ...] = tuple(
    Variant(f'shufflenet-v1-{_width_name(w)}-g{g}',
            'ShuffleNetV1',
            dict(groups=g, widen_factor=w),
            mflops,
            SHUFFLENET_V1_PAPER,
            zoo_config=_v1_zoo_config(g, w)) for w, g, mflops in _V1_ROWS)

SHUFFLENET_V2_VARIANTS: Tuple[Variant, ...] = tuple(
    Variant(f'shufflenet-v2-{_width_name(w)}',
            'ShuffleNetV2',
            dict(widen_factor=w),
            mflops,
            SHUFFLENET_V2_PAPER,
            zoo_config=('configs/shufflenet_v2/shufflenet-v2-'
                        f'{_width_name(w)}_16xb64_in1k.py'),
            torchvision=f'shufflenet_v2_x{w:.1f}'.replace('.', '_'))
    for w, mflops in ((0.5, 41), (1.0, 146), (1.5, 299), (2.0, 591)))

MOBILENET_V2_VARIANTS: Tuple[Variant, ...] = tuple(
    Variant(f'mobilenet-v2-{w:g}x',
            'MobileNetV2',
            dict(widen_factor=w),
            mflops,
            source,
            zoo_config=('configs/mobilenet_v2/mobilenet-v2'
                        f'{"" if w == 1.0 else f"-{w:g}x"}_8xb32_in1k.py'),
            torchvision='mobilenet_v2')
    for w, mflops, source in ((0.35, 59, MOBILENET_V2_SLIM),
                              (0.5, 97, MOBILENET_V2_SLIM),
                              (0.75, 209, MOBILENET_V2_SLIM),
                              (1.0, 300, MOBILENET_V2_PAPER),
                              (1.4, 585, MOBILENET_V2_PAPER)))

VARIANTS: Tuple[Variant, ...] = (
    SHUFFLENET_V1_VARIANTS + SHUFFLENET_V2_VARIANTS + MOBILENET_V2_VARIANTS)
BY_NAME: Dict[str, Variant] = {variant.name: variant for variant in VARIANTS}

# Each family's headline variant, the papers' 1x model, by the short key
# the benchmark tools take: what they time and the family-level tests build.
HEADLINES: Dict[str, Variant] = {
    'v2': BY_NAME['shufflenet-v2-1x'],
    'mnv2': BY_NAME['mobilenet-v2-1x'],
    'v1': BY_NAME['shufflenet-v1-1x-g3'],
}


def variant_of(backbone: Mapping) -> Optional[Variant]:
    """The variant of the catalogue that a backbone config builds.

    Arguments the config leaves out take the constructor's defaults.

    Args:
        backbone (Mapping): A ``model.backbone`` config, its type with or
            without the ``mmshuffle.`` scope.

    Returns:
        Variant | None: The variant, or None for a backbone not in the
        catalogue.
    """
    from .backbones import MobileNetV2, ShuffleNetV1, ShuffleNetV2
    family = str(backbone.get('type', '')).split('.')[-1]
    classes = {cls.__name__: cls
               for cls in (ShuffleNetV1, ShuffleNetV2, MobileNetV2)}
    if family not in classes:
        return None
    arguments = {
        name: parameter.default for name, parameter in inspect.signature(
            classes[family]).parameters.items()
    }
    arguments.update(backbone)
    for variant in VARIANTS:
        if variant.type == family and all(
                arguments.get(key) == value
                for key, value in variant.kwargs.items()):
            return variant
    return None
