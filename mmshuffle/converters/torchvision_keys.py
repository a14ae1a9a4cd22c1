"""Where torchvision's ShuffleNetV2 and MobileNetV2 keep each layer, and
where an mmshuffle ``ImageClassifier`` keeps it.

torchvision numbers the layers of each ``nn.Sequential`` (a convolution,
its batch norm, then an activation, which has no weights); mmshuffle groups
each convolution with its norm in an MMCV ``ConvModule`` (``.conv`` and
``.bn``). The maps below pair module paths, from which every key follows.
"""
from dataclasses import dataclass
from typing import Dict, Tuple

from mmshuffle.models.backbones import mobilenet_v2, shufflenet_v2

# The layers of torchvision's ShuffleNetV2 unit branches (by index in their
# nn.Sequential) -> our ConvModule and its part. Index 2 of branch2 and the
# last index of each branch are ReLUs.
TV_SHUFFLE_BRANCHES: Dict[str, Dict[int, str]] = {
    'branch1': {0: '0.conv', 1: '0.bn', 2: '1.conv', 3: '1.bn'},
    'branch2': {0: '0.conv', 1: '0.bn', 3: '1.conv', 4: '1.bn',
                5: '2.conv', 6: '2.bn'},
}

# The layers of torchvision's MobileNetV2 InvertedResidual.conv -> ours,
# with an expansion conv (True) and without (False, expand_ratio 1).
TV_INVERTED_RESIDUAL: Dict[bool, Dict[str, str]] = {
    True: {'conv.0.0': 'conv.0.conv', 'conv.0.1': 'conv.0.bn',
           'conv.1.0': 'conv.1.conv', 'conv.1.1': 'conv.1.bn',
           'conv.2': 'conv.2.conv', 'conv.3': 'conv.2.bn'},
    False: {'conv.0.0': 'conv.0.conv', 'conv.0.1': 'conv.0.bn',
            'conv.1': 'conv.1.conv', 'conv.2': 'conv.1.bn'},
}

# The index of MobileNetV2's final conv in torchvision's ``features``: after
# the stem and every block.
TV_MOBILENET_V2_LAST_FEATURE = 1 + sum(
    num_blocks for _, _, num_blocks, _ in mobilenet_v2.ARCH_SETTINGS)


def shufflenet_v2_prefix_map() -> Dict[str, str]:
    """Pair every module of torchvision's ShuffleNetV2 with ours.

    Returns:
        dict[str, str]: torchvision module paths -> ``ImageClassifier``
        ones (``backbone.*``, ``head.fc``).
    """
    prefix_map = {'conv1.0': 'backbone.conv1.conv',
                  'conv1.1': 'backbone.conv1.bn', 'fc': 'head.fc'}
    for stage, num_units in enumerate(shufflenet_v2.STAGE_BLOCKS):
        for unit in range(num_units):
            # Only the first, stride-2 unit of a stage has branch1.
            branches = TV_SHUFFLE_BRANCHES if unit == 0 else {
                'branch2': TV_SHUFFLE_BRANCHES['branch2']}
            for branch, layers in branches.items():
                for index, ours in layers.items():
                    prefix_map[f'stage{stage + 2}.{unit}.{branch}.{index}'] \
                        = f'backbone.layers.{stage}.{unit}.{branch}.{ours}'
    last = len(shufflenet_v2.STAGE_BLOCKS)
    prefix_map['conv5.0'] = f'backbone.layers.{last}.conv'
    prefix_map['conv5.1'] = f'backbone.layers.{last}.bn'
    return prefix_map


def mobilenet_v2_prefix_map() -> Dict[str, str]:
    """Pair every module of torchvision's MobileNetV2 with ours.

    torchvision's ``features`` hold the stem, the 17 blocks in a row and
    the final conv; ours split the blocks into ``layer1`` to ``layer7``.

    Returns:
        dict[str, str]: torchvision module paths -> ``ImageClassifier``
        ones (``backbone.*``, ``head.fc``).
    """
    prefix_map = {'features.0.0': 'backbone.conv1.conv',
                  'features.0.1': 'backbone.conv1.bn',
                  'classifier.1': 'head.fc'}
    feature = 1
    for stage, (expand_ratio, _, num_blocks,
                _) in enumerate(mobilenet_v2.ARCH_SETTINGS):
        for block in range(num_blocks):
            layers = TV_INVERTED_RESIDUAL[expand_ratio != 1]
            for theirs, ours in layers.items():
                prefix_map[f'features.{feature}.{theirs}'] = \
                    f'backbone.layer{stage + 1}.{block}.{ours}'
            feature += 1
    assert feature == TV_MOBILENET_V2_LAST_FEATURE
    prefix_map[f'features.{feature}.0'] = 'backbone.conv2.conv'
    prefix_map[f'features.{feature}.1'] = 'backbone.conv2.bn'
    return prefix_map


@dataclass(frozen=True)
class TorchvisionFamily:
    """How to recognise a torchvision family and rename its keys.

    Args:
        name (str): Our class, e.g. ``'ShuffleNetV2'``.
        signature (tuple[str]): Keys every state dict of the family has.
        prefix_map (dict[str, str]): torchvision module paths -> ours.
        widths (str): The widths converted, for messages.
    """

    name: str
    signature: Tuple[str, ...]
    prefix_map: Dict[str, str]
    widths: str


TORCHVISION_FAMILIES: Tuple[TorchvisionFamily, ...] = (
    TorchvisionFamily(
        'ShuffleNetV2',
        ('conv1.0.weight', 'stage2.0.branch1.0.weight', 'conv5.0.weight',
         'fc.weight'), shufflenet_v2_prefix_map(),
        'x0_5, x1_0, x1_5, x2_0'),
    TorchvisionFamily(
        'MobileNetV2',
        ('features.0.0.weight', 'features.1.conv.0.0.weight',
         f'features.{TV_MOBILENET_V2_LAST_FEATURE}.0.weight',
         'classifier.1.weight'),
        mobilenet_v2_prefix_map(), 'any width_mult'),
)
