"""Our backbones load mmpretrain 1.2.0's state dicts strictly and agree."""
import itertools

import mmpretrain.models.backbones as mmpretrain_backbones
import pytest
import torch

from mmshuffle.models import MobileNetV2, ShuffleNetV1, ShuffleNetV2

from ...helpers import randomize_norm_stats

V1_WIDTHS = (0.25, 0.5, 1.0, 1.5, 2.0)
V1_GROUPS = (1, 2, 3, 4, 8)
# The paper's configurations that mmpretrain 1.2.0 cannot build: a grouped
# 1x1 convolution whose channels are not divisible by the groups.
MMPRETRAIN_REJECTS = {(3, 0.25), (4, 0.25), (4, 0.5), (4, 1.5), (8, 0.25),
                      (8, 0.5), (8, 1.5)}

CASES = [
    (ShuffleNetV1, mmpretrain_backbones.ShuffleNetV1,
     dict(groups=g, widen_factor=w, out_indices=(0, 1, 2)))
    for g, w in itertools.product(V1_GROUPS, V1_WIDTHS)
    if (g, w) not in MMPRETRAIN_REJECTS
] + [
    (ShuffleNetV2, mmpretrain_backbones.ShuffleNetV2,
     dict(widen_factor=w, out_indices=(0, 1, 2, 3)))
    for w in (0.5, 1.0, 1.5, 2.0)
] + [
    (MobileNetV2, mmpretrain_backbones.MobileNetV2,
     dict(widen_factor=w, out_indices=tuple(range(8))))
    for w in (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
]


def case_id(case):
    ours, _, kwargs = case
    args = ','.join(f'{k}={v}' for k, v in kwargs.items()
                    if k != 'out_indices')
    return f'{ours.__name__}({args})'


@pytest.mark.parametrize('case', CASES, ids=[case_id(c) for c in CASES])
def test_mmpretrain_state_dict_loads_strictly_and_outputs_agree(case):
    ours_cls, theirs_cls, kwargs = case
    torch.manual_seed(0)
    theirs = theirs_cls(**kwargs)
    theirs.init_weights()
    randomize_norm_stats(theirs)
    ours = ours_cls(**kwargs)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        theirs.eval()  # mmpretrain 1.2.0's train() returns None
        expected = theirs(x)
        actual = ours.eval()(x)
    assert len(actual) == len(expected)
    for stage, (a, e) in enumerate(zip(actual, expected)):
        assert a.shape == e.shape, stage
        assert (a - e).abs().max().item() <= 1e-5, stage


@pytest.mark.parametrize('groups, widen_factor', sorted(MMPRETRAIN_REJECTS))
def test_we_build_what_mmpretrain_rejects(groups, widen_factor):
    with pytest.raises(ValueError, match='divisible by groups'):
        mmpretrain_backbones.ShuffleNetV1(
            groups=groups, widen_factor=widen_factor)
    model = ShuffleNetV1(groups=groups, widen_factor=widen_factor).eval()
    with torch.no_grad():
        out, = model(torch.randn(1, 3, 64, 64))
    assert out.shape == (1, model.stage_channels[-1], 2, 2)
