"""Each step, added in turn, keeps the eval outputs of every family."""
import pytest
import torch

from mmshuffle.deploy import STEPS, prepare

from .models import (
    BUILDERS,
    assert_outputs_close,
    build_eval_model,
    inputs,
    reference,
)


@pytest.mark.parametrize('name', list(BUILDERS))
def test_every_step_keeps_the_outputs(name):
    model = build_eval_model(name)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    for count in range(len(STEPS) + 1):
        steps = STEPS[:count]
        module = prepare(model, steps)
        for batch, x in inputs().items():
            if 'channels_last' in steps:
                x = x.contiguous(memory_format=torch.channels_last)
            with torch.no_grad():
                actual = module(x)
            assert_outputs_close(actual, reference(model, x))
    # prepare works on a copy
    assert all(torch.equal(v, model.state_dict()[k])
               for k, v in state.items())


def test_prepare_refuses_an_unknown_step():
    with pytest.raises(ValueError, match=r"unknown steps \['fuse_bn'\]"):
        prepare(torch.nn.Identity(), ['fuse_bn'])
