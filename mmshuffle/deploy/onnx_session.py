"""ONNX export and ONNX Runtime sessions, as the deploy backends use them."""
import collections
import warnings
from typing import TYPE_CHECKING, Callable, List, Optional, Sequence
from unittest import mock

import torch
from torch import Tensor, nn

if TYPE_CHECKING:
    import onnx

Runner = Callable[[Tensor], List[Tensor]]


def require_onnxruntime(what: str) -> None:
    """Check that onnxruntime and the packages the exporter needs import.

    Args:
        what (str): What needs them, for the message.

    Raises:
        ImportError: If onnxruntime, onnx or onnxscript is missing.
    """
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as error:
        raise ImportError(
            f'{what} needs onnxruntime, onnx and onnxscript: '
            'pip install onnxruntime onnx onnxscript') from error


def export_onnx(module: nn.Module,
                example: Tensor,
                dynamic_batch: bool = True,
                dynamic_size: bool = True,
                names: Optional[Sequence[str]] = None) -> bytes:
    """Export a module of one input to ONNX: the one ONNX export of
    mmshuffle, for the deploy backends, INT8 and the export tool.

    The export is ``torch.onnx.export(dynamo=True)``, one self-contained
    model. A dynamic height and width are ``Dim.AUTO`` (a size the model
    fixes stays fixed); dynamic sizes run as fast as static ones. A module
    with a true ``single_image`` attribute (a detector's graph) keeps a
    batch of 1.

    Args:
        module (nn.Module): The inference module, eval mode.
        example (Tensor): An input of the shape to export with.
        dynamic_batch (bool): Whether the batch size is dynamic. Defaults
            to True.
        dynamic_size (bool): Whether the height and width are. Defaults to
            True.
        names (Sequence[str], optional): The name of the input, then those
            of the outputs. Defaults to None: the exporter's.

    Returns:
        bytes: The serialised ONNX model.
    """
    auto = torch.export.Dim.AUTO
    sizes = {}
    if dynamic_batch and not getattr(module, 'single_image', False):
        sizes[0] = torch.export.Dim('batch', min=1)
    if dynamic_size:
        sizes.update({2: auto, 3: auto})
    input_names, output_names = ([names[0]], list(names[1:])) if names else (
        None, None)
    # The model is traced as PyTorch code: mmdet 3.3's box coders take
    # another branch when torch.onnx.is_in_onnx_export() is true, one that
    # imports the mmdet.core of mmdet 2.
    with torch.no_grad(), warnings.catch_warnings(), mock.patch.object(
            torch.onnx, 'is_in_onnx_export', lambda: False):
        # torchvision 0.29's NMS shape function calls a renamed torch API.
        warnings.filterwarnings('ignore', category=FutureWarning,
                                message='.*create_unbacked_symint')
        program = torch.onnx.export(
            module, (example.contiguous(), ),
            dynamo=True,
            dynamic_shapes=(sizes, ) if sizes else None,
            input_names=input_names,
            output_names=output_names,
            verbose=False)
    model = program.model_proto
    unshare_initializers(model)
    return model.SerializeToString()


def unshare_initializers(model: 'onnx.ModelProto') -> None:
    """Give each node of the main graph its own copy of every initializer
    that more than one node reads.

    The exporter's optimiser merges equal initializers, such as the equal
    biases of freshly initialised layers of one width with their batch
    norms folded; OpenVINO's CPU plugin then fuses none of the
    convolutions that share a bias with their bias and activation, and
    runs those as separate layers. A trained model's biases differ and are
    shared by nothing.

    Args:
        model (onnx.ModelProto): The model, changed in place.
    """
    graph = model.graph
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    names = set(initializers) | {node_output for node in graph.node
                                 for node_output in node.output}
    readers = collections.Counter()
    for node in graph.node:
        for index, name in enumerate(node.input):
            if name not in initializers:
                continue
            readers[name] += 1
            if readers[name] == 1:
                continue
            copy = graph.initializer.add()
            copy.CopyFrom(initializers[name])
            copy.name = f'{name}.{readers[name] - 1}'
            while copy.name in names:
                copy.name += '_'
            names.add(copy.name)
            node.input[index] = copy.name


def session_runner(model: bytes) -> Runner:
    """Open an ONNX Runtime session on a model and wrap it as a function.

    The session optimises the graph fully (``ORT_ENABLE_ALL``), runs
    sequentially, uses as many threads as torch
    (``torch.get_num_threads()``), and its threads stop spinning when a run
    returns (``session.force_spinning_stop``).

    Args:
        model (bytes): The serialised ONNX model, one input.

    Returns:
        Callable: A function from an ``(N, C, H, W)`` tensor to the list of
        the outputs.
    """
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.graph_optimization_level = \
        ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = torch.get_num_threads()
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # With more than one thread, ONNX Runtime's workers spin after a run
    # and take the cores from whatever runs next (the caller's own pre- and
    # post-processing, another runtime); they still spin within a run.
    options.add_session_config_entry('session.force_spinning_stop', '1')
    session = ort.InferenceSession(
        model, options, providers=['CPUExecutionProvider'])
    input_name = session.get_inputs()[0].name

    def run(x: Tensor) -> List[Tensor]:
        array = x.detach().contiguous().numpy()
        return [torch.from_numpy(o) for o in session.run(None,
                                                          {input_name: array})]

    return run
