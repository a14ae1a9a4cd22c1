"""Every variant's complexity is within 15% of its published figure."""
import pytest

from mmshuffle.analysis import classifier_complexity
from mmshuffle.models.variants import VARIANTS
from mmshuffle.registry import MODELS


def test_there_are_all_seventeen_shufflenet_v1_paper_configurations():
    v1 = [v for v in VARIANTS if v.type == 'ShuffleNetV1']
    assert len(v1) == 17
    assert {(v.kwargs['groups'], v.kwargs['widen_factor'])
            for v in v1} == {(g, w) for g in (1, 2, 3, 4, 8)
                             for w in (0.25, 0.5, 1.0)} | {(3, 1.5), (3, 2.0)}


@pytest.mark.parametrize('variant', VARIANTS, ids=[v.name for v in VARIANTS])
def test_complexity_is_within_15_percent_of_the_paper(variant):
    assert variant.source and variant.paper_mflops
    madds, _ = classifier_complexity(MODELS.build(variant.cfg))
    assert abs(madds / variant.paper_mflops - 1) <= 0.15, madds


def test_complexity_counts_convolutions_and_classifier():
    # MobileNetV2 1.0: 300.8M multiply-adds, 3.50M parameters with the
    # 1000-way classifier (mmpretrain's zoo lists 3.5M parameters).
    madds, params = classifier_complexity(
        MODELS.build(dict(type='mmshuffle.MobileNetV2')))
    assert madds == pytest.approx(300.8, abs=0.1)
    assert params == 3504872
