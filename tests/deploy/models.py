"""Small models with random batch-norm statistics for the deploy tests."""
from typing import Callable, Dict

import torch
from mmengine.model import BaseModel
from torch import nn

from ..helpers import build_family, randomize_norm_stats


def shufflenet_v1() -> nn.Module:
    """ShuffleNetV1 g=3 at 0.5x, every stage returned."""
    return build_family('ShuffleNetV1', groups=3, widen_factor=0.5,
                        out_indices=(0, 1, 2))


def shufflenet_v2() -> nn.Module:
    """ShuffleNetV2 0.5x returning stages 1 and 3: stages 0 and 2 feed only
    the next stage (their shuffles are folded), stage 1 is returned."""
    return build_family('ShuffleNetV2', widen_factor=0.5, out_indices=(1, 3))


def mobilenet_v2() -> nn.Module:
    """MobileNetV2 0.35x, the last two stages returned."""
    return build_family('MobileNetV2', widen_factor=0.35, out_indices=(6, 7))


def classifier() -> nn.Module:
    """An mmpretrain ImageClassifier with a ShuffleNetV2 0.5x backbone."""
    from mmpretrain.registry import MODELS
    model = MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(type='mmshuffle.ShuffleNetV2', widen_factor=0.5),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=10,
                      in_channels=1024)))
    model.init_weights()
    return model


BUILDERS: Dict[str, Callable[[], nn.Module]] = {
    'ShuffleNetV1': shufflenet_v1,
    'ShuffleNetV2': shufflenet_v2,
    'MobileNetV2': mobilenet_v2,
    'ImageClassifier': classifier,
}


def build_eval_model(name: str, seed: int = 0) -> nn.Module:
    """Build a model of :data:`BUILDERS`, random norm statistics, eval mode.

    Args:
        name (str): A key of :data:`BUILDERS`.
        seed (int): Seeds the weights and the statistics. Defaults to 0.

    Returns:
        nn.Module: The model.
    """
    torch.manual_seed(seed)
    model = BUILDERS[name]()
    randomize_norm_stats(model, seed)
    return model.eval()


def inputs(seed: int = 1) -> Dict[int, torch.Tensor]:
    """Random 64x64 images, batch 1 and batch 2, by batch size."""
    generator = torch.Generator().manual_seed(seed)
    return {batch: torch.randn(batch, 3, 64, 64, generator=generator)
            for batch in (1, 2)}


def reference(model: nn.Module, x: torch.Tensor):
    """The eval outputs: ``forward(x, mode='tensor')`` or ``forward(x)``."""
    with torch.no_grad():
        if isinstance(model, BaseModel):
            return model(x, mode='tensor')
        return model(x)


def assert_outputs_close(actual, expected, atol: float = 1e-4) -> None:
    """Same structure (tensor or tuple), same shapes, max abs diff <= atol."""
    assert isinstance(actual, torch.Tensor) == isinstance(
        expected, torch.Tensor)
    if isinstance(expected, torch.Tensor):
        actual, expected = (actual, ), (expected, )
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert a.shape == e.shape
        diff = (a - e).abs().max().item()
        assert diff <= atol, f'max abs diff {diff:.3g} > {atol}'


def check(model: nn.Module, optimized) -> None:
    """The optimised callable gives the model's eval outputs on every input
    of :func:`inputs`, within 1e-4."""
    for x in inputs().values():
        assert_outputs_close(optimized(x), reference(model, x))


def small_model(stage: int = 0) -> nn.Module:
    """ShuffleNetV2 0.5x up to one stage (its stem and first stage by
    default), random norm statistics, eval mode: it exports, compiles and
    times in a fraction of a backbone's time, for the tests that build
    several backends and those that run in a subprocess."""
    model = build_family('ShuffleNetV2', widen_factor=0.5,
                         out_indices=(stage, ))
    randomize_norm_stats(model)
    return model.eval()


def shufflenet_v1_stage() -> nn.Module:
    """ShuffleNetV1 g=3 at 0.5x up to its first stage, random norm
    statistics, eval mode."""
    model = build_family('ShuffleNetV1', groups=3, widen_factor=0.5,
                         out_indices=(0, ))
    randomize_norm_stats(model)
    return model.eval()


# Small models with channel shuffles (ShuffleNetV1 and ShuffleNetV2 up to
# their first stage) and one without (MobileNetV2), eval mode.
SHUFFLERS: Dict[str, Callable[[], nn.Module]] = {
    'ShuffleNetV1': shufflenet_v1_stage,
    'ShuffleNetV2': small_model,
    'MobileNetV2': lambda: build_eval_model('MobileNetV2'),
}
