"""ShuffleNet V2's concatenations in INT8 in NNCF's OpenVINO model.

NNCF quantises the inputs of the convolutions. A ShuffleNet V2 unit
(with its shuffles folded, :mod:`mmshuffle.deploy.fold_shuffles`)
concatenates the channels it passes through with its branch's output, and
the next unit's convolution reads the concatenation: NNCF's quantiser sits
after the concatenation, so OpenVINO's CPU plugin runs the concatenation,
the slices that pass channels on and the quantiser itself in float, each
unit. :func:`quantize_concats` moves that quantiser onto the
concatenation's inputs and gives the concatenations that pass channels to
each other one range, so that the plugin concatenates, slices and passes
``u8`` values on without requantising them: the branches' last
convolutions write ``u8``, and only the input's quantisation is left
float.
"""
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

import numpy as np

if TYPE_CHECKING:
    import openvino

# Operations that take some channels of their input as they are.
_SLICES = ('Slice', 'StridedSlice', 'Split', 'VariadicSplit')
_FAKE_QUANTIZE = 'FakeQuantize'
_CONCAT = 'Concat'


def _consumers(node: 'openvino.Node') -> List['openvino.Node']:
    """The nodes that read any output of ``node``."""
    return [target.get_node() for output in node.outputs()
            for target in output.get_target_inputs()]


def _source(node: 'openvino.Node', index: int) -> 'openvino.Node':
    return node.input(index).get_source_output().get_node()


def _ranges(fake_quantize: 'openvino.Node') -> Optional[Tuple[float, float]]:
    """``(low, high)`` of a quantiser whose four range inputs are scalar
    constants with equal input and output ranges, else None."""
    bounds = []
    for index in range(1, 5):
        constant = _source(fake_quantize, index)
        if constant.get_type_name() != 'Constant':
            return None
        values = constant.get_data()
        if values.size != 1:
            return None
        bounds.append(float(values.flat[0]))
    input_low, input_high, output_low, output_high = bounds
    if (input_low, input_high) != (output_low, output_high):
        return None
    return input_low, input_high


def _alike(quantisers: List['openvino.Node']) -> Optional[int]:
    """The levels of quantisers that quantise alike per tensor (the same
    range and levels), else None."""
    ranges = {_ranges(node) for node in quantisers}
    levels = {node.get_attributes()['levels'] for node in quantisers}
    if not quantisers or None in ranges or len(ranges) > 1 or len(levels) > 1:
        return None
    return levels.pop()


def _quantisers(concat: 'openvino.Node', taken: Set[str],
                ) -> Optional[Tuple[List['openvino.Node'], bool]]:
    """The quantisers of a concatenation, and whether they are on its
    output (else on its inputs), where it is quantised:

    - on its output: NNCF quantises it there alike, and everything that
      reads it quantises what it reads;
    - on its inputs: each input is a quantiser read by the concatenation
      alone, all alike (NNCF's own INT8 concatenations).
    """
    outputs = [node for node in _consumers(concat)
               if node.get_type_name() == _FAKE_QUANTIZE]
    if _alike(outputs) is not None and _read_quantised(concat, taken):
        return outputs, True
    inputs = [_source(concat, index)
              for index in range(concat.get_input_size())]
    read_here_only = all(
        node.get_type_name() == _FAKE_QUANTIZE and [
            reader.get_name() for reader in _consumers(node)
        ] == [concat.get_name()] for node in inputs)
    if read_here_only and _alike(inputs) is not None:
        return inputs, False
    return None


def _read_quantised(node: 'openvino.Node', quantised: Set[str]) -> bool:
    """Whether everything that reads ``node`` quantises what it reads: a
    quantiser, a concatenation in ``quantised`` (by name), or a slice
    whose readers do."""
    for consumer in _consumers(node):
        kind = consumer.get_type_name()
        if kind == _FAKE_QUANTIZE:
            continue
        if kind == _CONCAT and consumer.get_name() in quantised:
            continue
        if kind in _SLICES and _read_quantised(consumer, quantised):
            continue
        return False
    return True


def _fed_by(concat: 'openvino.Node', index: int) -> Optional[str]:
    """The concatenation (by name) whose channels input ``index`` of
    ``concat`` passes on through slices (and quantisers), if any."""
    node = _source(concat, index)
    while node.get_type_name() in (*_SLICES, _FAKE_QUANTIZE):
        node = _source(node, 0)
    return (node.get_name() if node.get_type_name() == _CONCAT
            else None)


def _groups(concats: Dict[str, 'openvino.Node']) -> List[List[str]]:
    """The concatenations, by name, in groups that pass channels to each
    other (connected through slices)."""
    parent = {name: name for name in concats}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    for name, concat in concats.items():
        for index in range(concat.get_input_size()):
            fed_by = _fed_by(concat, index)
            if fed_by in parent:
                parent[root(name)] = root(fed_by)
    groups: Dict[str, List[str]] = {}
    for name in concats:
        groups.setdefault(root(name), []).append(name)
    return list(groups.values())


def _constant(like: 'openvino.Node', value: float) -> 'openvino.Output':
    import openvino.opset13 as ops
    data = like.get_data()
    return ops.constant(np.full(data.shape, value, dtype=data.dtype)).output(0)


def quantize_concats(model: 'openvino.Model') -> 'openvino.Model':
    """Quantise concatenations on their inputs in an NNCF INT8 model, in
    place.

    A concatenation is taken where NNCF quantises its output per tensor
    and everything that reads it quantises what it reads (directly, or
    through slices and concatenations that are taken too): its output is
    then never read in float, and each input gets the output's quantiser
    (a concatenation of quantised values quantises to itself). The taken
    concatenations that pass channels to each other through slices (a
    ShuffleNet V2 stage) then share one range, the union of their
    calibrated ones, where their quantisers have the same levels: the
    channels a unit passes on need no requantisation. A concatenation
    that NNCF quantised on its inputs already (each input a quantiser it
    alone reads, all alike: a ShuffleNet V2 stage's last) joins the range
    of those whose channels it takes. Other models (no
    such concatenations: MobileNetV2, ShuffleNet V1, a detector's float
    outputs) are returned unchanged.

    Args:
        model (openvino.Model): NNCF's INT8 model
            (:func:`~mmshuffle.deploy.openvino_session.quantize_with_nncf`).

    Returns:
        openvino.Model: ``model``.
    """
    import openvino.opset13 as ops
    taken: Dict[str, 'openvino.Node'] = {}
    quantisers: Dict[str, Tuple[List['openvino.Node'], bool]] = {}
    for node in reversed(model.get_ordered_ops()):
        if node.get_type_name() != _CONCAT:
            continue
        found = _quantisers(node, set(taken))
        if found is not None:
            taken[node.get_name()] = node
            quantisers[node.get_name()] = found
    for group in _groups(taken):
        members = [quantiser for name in group
                   for quantiser in quantisers[name][0]]
        if len({node.get_attributes()['levels'] for node in members}) == 1:
            ranges = [_ranges(quantiser) for quantiser in members]
            low = min(low for low, _ in ranges)
            high = max(high for _, high in ranges)
            for quantiser in members:
                for index, value in zip(range(1, 5), (low, high, low, high)):
                    quantiser.input(index).replace_source_output(
                        _constant(_source(quantiser, index), value))
    for name, (found, on_output) in quantisers.items():
        if not on_output:
            continue
        concat, quantiser = taken[name], found[0]
        bounds = [quantiser.input(index).get_source_output()
                  for index in range(1, 5)]
        levels = quantiser.get_attributes()['levels']
        for index in range(concat.get_input_size()):
            source = concat.input(index).get_source_output()
            concat.input(index).replace_source_output(
                ops.fake_quantize(source, *bounds, levels).output(0))
    model.validate_nodes_and_infer_types()
    return model
