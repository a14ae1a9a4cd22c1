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
from typing import TYPE_CHECKING, Container, Dict, List, Optional, Tuple

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
    """The node that input ``index`` of ``node`` reads."""
    return node.input(index).get_source_output().get_node()


def _unsigned_high(fake_quantize: 'openvino.Node') -> Optional[float]:
    """``high`` of a quantiser of ``[0, high]`` per tensor (its four range
    inputs scalar constants, its input range its output range), else
    None."""
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
    if (input_low, output_low) != (0.0, 0.0) or input_high != output_high:
        return None
    return input_high


def _readers(node: 'openvino.Node',
             taken: Container[str]) -> Optional[List['openvino.Node']]:
    """The quantisers that read ``node``, directly or through slices,
    where everything that reads it quantises what it reads (a quantiser, a
    concatenation in ``taken`` (by name), or a slice whose readers do),
    else None."""
    readers = []
    for consumer in _consumers(node):
        kind = consumer.get_type_name()
        if kind == _FAKE_QUANTIZE:
            readers.append(consumer)
            continue
        if kind == _CONCAT and consumer.get_name() in taken:
            continue
        further = _readers(consumer, taken) if kind in _SLICES else None
        if further is None:
            return None
        readers.extend(further)
    return readers


def _quantisers(concat: 'openvino.Node', taken: Container[str],
                ) -> Optional[Tuple[List['openvino.Node'], bool]]:
    """The quantisers of a concatenation, and whether they read its
    output (else they are its inputs), where it is quantised:

    - on its output: everything that reads it quantises what it reads,
      some of it with quantisers (:func:`_readers`);
    - on its inputs: each input is a quantiser that the concatenation
      alone reads (NNCF's own INT8 concatenations).
    """
    readers = _readers(concat, taken)
    if readers:
        return readers, True
    inputs = [_source(concat, index)
              for index in range(concat.get_input_size())]
    if all(node.get_type_name() == _FAKE_QUANTIZE and [
            reader.get_name() for reader in _consumers(node)
    ] == [concat.get_name()] for node in inputs):
        return inputs, False
    return None


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


def _unsigned_constant(like: 'openvino.Node',
                      value: float) -> 'openvino.Output':
    """A constant of ``value`` in the shape and type of constant
    ``like``."""
    import openvino.opset13 as ops
    data = like.get_data()
    return ops.constant(np.full(data.shape, value, dtype=data.dtype)).output(0)


def quantize_concats(model: 'openvino.Model') -> 'openvino.Model':
    """Quantise concatenations on their inputs in an NNCF INT8 model, in
    place.

    A concatenation is taken where everything that reads it quantises
    what it reads (quantisers, directly or through slices, and
    concatenations taken too), or where NNCF quantised it on its inputs
    already (each input a quantiser it alone reads: a ShuffleNet V2
    stage's last). The taken concatenations that pass channels to each
    other through slices (a ShuffleNet V2 stage) form a group; where all
    of a group's quantisers quantise ``[0, high]`` per tensor with the
    same levels (NNCF's quantisers of ReLU outputs), they all take one
    range, the widest ``high`` among them, and each concatenation
    quantised on its output gets that quantiser on each input: a
    concatenation of quantised values quantises to itself, and the
    channels a unit passes on need no requantisation. Other groups, and
    other models (no such concatenations: MobileNetV2, ShuffleNet V1, a
    detector's float outputs), are left as they are.

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
        found = _quantisers(node, taken)
        if found is not None:
            taken[node.get_name()] = node
            quantisers[node.get_name()] = found
    for group in _groups(taken):
        members = [quantiser for name in group
                   for quantiser in quantisers[name][0]]
        highs = [_unsigned_high(quantiser) for quantiser in members]
        levels = {quantiser.get_attributes()['levels']
                  for quantiser in members}
        if None in highs or len(levels) > 1:
            continue
        (level, ), high = levels, max(highs)
        for quantiser, own in zip(members, highs):
            if own != high:
                for index in (2, 4):
                    quantiser.input(index).replace_source_output(
                        _unsigned_constant(_source(quantiser, index), high))
        for name in group:
            found, on_output = quantisers[name]
            if not on_output:
                continue
            concat = taken[name]
            bounds = [found[0].input(index).get_source_output()
                      for index in range(1, 5)]
            for index in range(concat.get_input_size()):
                source = concat.input(index).get_source_output()
                concat.input(index).replace_source_output(
                    ops.fake_quantize(source, *bounds, level).output(0))
    model.validate_nodes_and_infer_types()
    return model
