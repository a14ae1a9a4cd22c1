"""Stages after the last of out_indices are not built: every parameter
takes part in the loss (DDP without find_unused_parameters), and a whole
backbone's checkpoint still loads, with an account of what was left out."""
import pytest
import torch

from ...helpers import FAMILY_DEFAULTS, NUM_STAGES, all_stages, build_family

# (family, out_indices that stop before the last stage)
EARLY_STOPS = [
    ('ShuffleNetV1', (0, 1)),
    ('ShuffleNetV2', (0, 1, 2)),
    ('ShuffleNetV2', (1, )),
    ('MobileNetV2', (1, 2, 4)),
    ('MobileNetV2', (6, )),
]


@pytest.mark.parametrize('family, out_indices', EARLY_STOPS)
def test_every_parameter_gets_a_gradient(family, out_indices):
    model = build_family(family, out_indices=out_indices).train()
    assert len(model.stages) == max(out_indices) + 1
    sum(out.mean() for out in model(torch.randn(2, 3, 64, 64))).backward()
    unused = [name for name, p in model.named_parameters() if p.grad is None]
    assert not unused


@pytest.mark.parametrize('strict', [True, False])
@pytest.mark.parametrize('family, out_indices', EARLY_STOPS)
def test_a_whole_checkpoint_loads_and_says_what_was_left_out(
        family, out_indices, strict):
    whole = build_family(family, out_indices=all_stages(family)).eval()
    partial = build_family(family, out_indices=out_indices).eval()
    result = partial.load_state_dict(whole.state_dict(), strict=strict)
    assert not result.missing_keys and not result.unexpected_keys
    kept = partial.state_dict()
    left_out = sorted(set(whole.state_dict()) - set(kept))
    assert left_out and sorted(partial.left_out_keys) == left_out
    unbuilt = partial.stage_names[max(out_indices) + 1:]
    assert all(key.startswith(tuple(f'{name}.' for name in unbuilt))
               for key in left_out)
    x = torch.randn(1, 3, 64, 64)
    expected = whole(x)
    for index, out in zip(out_indices, partial(x)):
        torch.testing.assert_close(out, expected[index], rtol=0, atol=0)


@pytest.mark.parametrize('family', list(FAMILY_DEFAULTS))
def test_a_whole_backbone_builds_every_stage(family):
    model = build_family(family, out_indices=all_stages(family))
    assert len(model.stages) == NUM_STAGES[family] == len(model.stage_names)
    assert model.left_out_keys == []
    assert model.load_state_dict(model.state_dict()) is not None
    assert model.left_out_keys == []
