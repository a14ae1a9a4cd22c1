"""Helpers shared by the tests."""
import contextlib
from typing import Dict, Iterator, Tuple

import torch
from torch import nn

from mmshuffle.models.variants import HEADLINES
from mmshuffle.registry import MODELS

# Each family's headline variant, by class name: what the family-level
# tests build.
FAMILY_DEFAULTS: Dict[str, dict] = {
    variant.type: variant.cfg for variant in HEADLINES.values()}
# The papers' stages: ShuffleNet V1's Stages 2-4, V2's and conv5, and
# MobileNetV2's seven bottleneck sequences and its last 1x1 convolution.
NUM_STAGES = {'ShuffleNetV1': 3, 'ShuffleNetV2': 4, 'MobileNetV2': 8}


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Run the block with torch on ``threads`` threads, then restore its
    thread count.

    Args:
        threads (int): The thread count within the block.

    Yields:
        None
    """
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def build_family(family: str, **kwargs) -> nn.Module:
    """Build a family's default variant with extra arguments.

    Args:
        family (str): The class name, e.g. ``'ShuffleNetV2'``.
        **kwargs: Arguments that override the defaults.

    Returns:
        nn.Module: The backbone, with its weights initialised.
    """
    model = MODELS.build(dict(FAMILY_DEFAULTS[family], **kwargs))
    model.init_weights()
    return model


def all_stages(family: str) -> Tuple[int, ...]:
    """Return ``out_indices`` that name every stage of a family."""
    return tuple(range(NUM_STAGES[family]))


def randomize_norm_stats(model: nn.Module, seed: int = 0) -> None:
    """Give every batch norm non-trivial statistics and affine parameters,
    so that comparisons of eval outputs are sensitive to them."""
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            size = module.num_features
            module.running_mean.copy_(torch.randn(size, generator=generator))
            module.running_var.copy_(
                torch.rand(size, generator=generator) + 0.5)
            module.weight.data.copy_(
                torch.rand(size, generator=generator) + 0.5)
            module.bias.data.copy_(torch.randn(size, generator=generator))
