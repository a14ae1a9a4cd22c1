"""quantize_concats: concatenations quantised on their inputs, passed
channels in one range, and the concatenations read in float left alone."""
from typing import List, Sequence

import numpy as np
import pytest

from mmshuffle.deploy.int8_concats import quantize_concats

ov = pytest.importorskip('openvino')
ops = pytest.importorskip('openvino.opset13')

CHANNELS = 4


def fake_quantize(node, high: float, levels: int = 256, shape=(1, 1, 1, 1)):
    """An unsigned INT8 quantiser of ``[0, high]`` (per tensor by
    default)."""
    low, high = (ops.constant(np.full(shape, v, np.float32))
                 for v in (0.0, high))
    return ops.fake_quantize(node, low, high, low, high, levels)


def passed_half(node, kind: str = 'Slice'):
    """The first half of a node's channels, as a ShuffleNet V2 unit passes
    them on, by a ``Slice`` or a ``VariadicSplit``."""
    if kind == 'VariadicSplit':
        return ops.variadic_split(node, np.int64(1),
                                  np.int64([CHANNELS // 2, -1])).output(0)
    return ops.slice(node, np.int64([0]), np.int64([CHANNELS // 2]),
                     np.int64([1]), np.int64([1]))


def branch(node, scale: float):
    """A stand-in for a unit's branch: half the channels, through ReLU."""
    return ops.relu(ops.multiply(passed_half(node), np.float32(scale)))


def ranges(model) -> List[tuple]:
    """Each quantiser's ``(input low, input high, output low, output
    high)``."""
    return [tuple(float(node.input(i).get_source_output().get_node()
                        .get_data().flat[0]) for i in range(1, 5))
            for node in model.get_ordered_ops()
            if node.get_type_name() == 'FakeQuantize']


def concat_inputs(model) -> List[str]:
    """What each concatenation's inputs are."""
    return [node.input(i).get_source_output().get_node().get_type_name()
            for node in model.get_ordered_ops()
            if node.get_type_name() == 'Concat'
            for i in range(node.get_input_size())]


def kinds(model) -> List[str]:
    return [node.get_type_name() for node in model.get_ordered_ops()]


def run(model, x: np.ndarray) -> Sequence[np.ndarray]:
    compiled = ov.Core().compile_model(model, 'CPU',
                                       {'INFERENCE_PRECISION_HINT': 'f32'})
    return [compiled(x)[output] for output in compiled.outputs]


@pytest.fixture
def x() -> np.ndarray:
    return np.random.default_rng(0).uniform(
        -1, 1, (1, CHANNELS, 5, 5)).astype(np.float32)


def two_units(passed: str = 'Slice', levels: int = 256):
    """Two units, each concatenating the channels it passes with its
    branch's output, each output quantised for the next branch as NNCF
    does (the second unit's range wider, its levels ``levels``)."""
    x = ops.parameter([1, CHANNELS, 5, 5], np.float32)
    first = ops.concat([ops.relu(passed_half(x)), branch(x, 1.0)], 1)
    quantised = fake_quantize(first, 1.0)
    second = ops.concat([passed_half(first, passed),
                         branch(quantised, 2.0)], 1)
    return ov.Model([quantised, fake_quantize(second, 2.0, levels)], [x])


@pytest.mark.parametrize('passed', ['Slice', 'VariadicSplit'])
def test_a_unit_chain_is_quantised_on_its_inputs_in_one_range(x, passed):
    model = two_units(passed)
    before = run(model, x)
    assert quantize_concats(model) is model
    # Each concatenation's two inputs get a quantiser, and every
    # quantiser takes the wider of the two calibrated ranges.
    assert concat_inputs(model) == ['FakeQuantize'] * 4
    assert kinds(model).count('FakeQuantize') == 2 + 4
    assert set(ranges(model)) == {(0.0, 2.0, 0.0, 2.0)}
    # The first unit's output is now quantised in steps of 2 / 255, not
    # 1 / 255, and the second unit's branch reads it.
    step = 2 / 255
    for got, expected in zip(run(model, x), before):
        np.testing.assert_allclose(got, expected, atol=2 * step)
        assert np.abs(got - expected).max() > 0


def test_a_concatenation_quantised_on_its_inputs_joins_the_range():
    # A stage's last unit, which NNCF quantised on its inputs (here to a
    # narrower range), takes the range of the unit whose channels it
    # passes on.
    param = ops.parameter([1, CHANNELS, 5, 5], np.float32)
    first = ops.concat([ops.relu(passed_half(param)), branch(param, 1.0)], 1)
    quantised = fake_quantize(first, 1.0)
    last = ops.concat([fake_quantize(passed_half(first), 0.5),
                       fake_quantize(branch(quantised, 0.5), 0.5)], 1)
    model = ov.Model([quantised, ops.relu(last)], [param])
    quantize_concats(model)
    # Only the first concatenation's inputs needed quantisers.
    assert kinds(model).count('FakeQuantize') == 3 + 2
    assert set(ranges(model)) == {(0.0, 1.0, 0.0, 1.0)}


def test_a_concatenation_alone_keeps_its_range_and_outputs(x):
    param = ops.parameter([1, CHANNELS, 5, 5], np.float32)
    cat = ops.concat([ops.relu(passed_half(param)), branch(param, 3.0)], 1)
    model = ov.Model([fake_quantize(cat, 1.5)], [param])
    before = run(model, x)
    quantize_concats(model)
    assert kinds(model).count('FakeQuantize') == 3
    assert set(ranges(model)) == {(0.0, 1.5, 0.0, 1.5)}
    # Quantising the inputs as the output is: the same values.
    np.testing.assert_allclose(run(model, x)[0], before[0], atol=1e-6)


def test_a_quantiser_behind_a_slice_joins_the_range(x):
    # Channels read through a slice by a quantiser of a wider range are
    # not clipped to the direct quantiser's.
    param = ops.parameter([1, CHANNELS, 5, 5], np.float32)
    cat = ops.concat([ops.relu(passed_half(param)), branch(param, 3.0)], 1)
    model = ov.Model([fake_quantize(cat, 1.0),
                      fake_quantize(passed_half(cat), 3.0)], [param])
    before = run(model, x)
    quantize_concats(model)
    assert set(ranges(model)) == {(0.0, 3.0, 0.0, 3.0)}
    np.testing.assert_allclose(run(model, x)[1], before[1], atol=1e-6)


def per_channel_unit():
    """A unit whose output is quantised per channel."""
    x = ops.parameter([1, CHANNELS, 5, 5], np.float32)
    cat = ops.concat([ops.relu(passed_half(x)), branch(x, 1.0)], 1)
    return ov.Model([fake_quantize(cat, 1.0, shape=(1, CHANNELS, 1, 1))],
                    [x])


@pytest.mark.parametrize('build', [
    pytest.param(lambda: two_units(levels=255), id='levels differ'),
    pytest.param(per_channel_unit, id='per channel'),
])
def test_a_group_not_quantised_alike_is_left_alone(build):
    model = build()
    before = ranges(model)
    quantize_concats(model)
    assert ranges(model) == before
    assert 'FakeQuantize' not in concat_inputs(model)


def test_a_concatenation_read_in_float_is_left_alone(x):
    # A detector's feature map leaves the network in float: the
    # concatenation that makes it is not quantised.
    param = ops.parameter([1, CHANNELS, 5, 5], np.float32)
    cat = ops.concat([ops.relu(passed_half(param)), branch(param, 3.0)], 1)
    model = ov.Model([fake_quantize(cat, 1.0), ops.relu(cat)], [param])
    before = run(model, x)
    quantize_concats(model)
    assert kinds(model).count('FakeQuantize') == 1
    assert ranges(model) == [(0.0, 1.0, 0.0, 1.0)]
    for got, expected in zip(run(model, x), before):
        np.testing.assert_array_equal(got, expected)
