"""Build the classifier a config names, and compare logits."""
from pathlib import Path

import mmpretrain.models  # noqa: F401  registers ImageClassifier and heads
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS
from torch import Tensor, nn

import mmshuffle.models  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
TOLERANCE = 1e-5


def model_cfg(config: str) -> Config:
    """Read ``model`` from a config named relative to the repository."""
    return Config.fromfile(str(ROOT / config)).model


def build_classifier(cfg: dict) -> nn.Module:
    """Build a model config under mmpretrain's default scope."""
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg)


def max_abs_diff(expected: Tensor, actual: Tensor) -> float:
    """The largest absolute difference of two tensors of one shape."""
    assert expected.shape == actual.shape, (expected.shape, actual.shape)
    return (expected - actual).abs().max().item()


def classifier_logits(model: nn.Module, x: Tensor) -> Tensor:
    """Eval-mode logits of an mmpretrain ``ImageClassifier``."""
    model.eval()
    with torch.no_grad():
        return model(x, mode='tensor')
