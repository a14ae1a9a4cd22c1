"""Zero channels padded into the ShuffleNet V2 branches change nothing."""
import pytest
import torch

from mmshuffle.deploy import fold_bn, pad_branch_channels
from mmshuffle.models.backbones.shufflenet_v2 import InvertedResidual

from ..helpers import build_family, randomize_norm_stats
from .models import assert_outputs_close, inputs


@pytest.mark.parametrize('fold', [False, True])
def test_pads_58_channel_branches_to_60_exactly(fold):
    torch.manual_seed(0)
    model = build_family('ShuffleNetV2', widen_factor=1.0,
                         out_indices=(0, 3)).eval()
    randomize_norm_stats(model)
    x = inputs()[2]
    expected = model(x)
    if fold:
        fold_bn(model)
    pad_branch_channels(model)
    units = [m for m in model.modules() if isinstance(m, InvertedResidual)]
    inner = [unit.branch2[1].conv.out_channels for unit in units]
    assert inner[:4] == [60] * 4  # 58 in stage 0
    assert all(channels % 4 == 0 for channels in inner)
    assert [unit.branch2[2].conv.out_channels for unit in units][:4] == \
        [58] * 4
    assert_outputs_close(model(x), expected)


def test_refuses_a_multiple_below_one():
    with pytest.raises(ValueError, match='multiple must be at least 1'):
        pad_branch_channels(torch.nn.Identity(), multiple=0)
