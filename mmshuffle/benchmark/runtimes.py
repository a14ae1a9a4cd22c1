"""The ways to run one classifier for inference, ours and the peers'."""
import tempfile
from pathlib import Path
from typing import Callable, Dict, Sequence

from torch import Tensor, nn

from ..models.variants import Variant
from .classifiers import torchvision_classifier, variant_classifier

Runtime = Callable[[Tensor], object]
TORCHVISION_EAGER = 'torchvision eager'
MMPRETRAIN_EAGER = 'mmpretrain eager'
MMSHUFFLE_EAGER = 'mmshuffle eager'
MMSHUFFLE_DEPLOY = 'mmshuffle deploy'
MMSHUFFLE_INT8 = 'mmshuffle INT8'
MMSHUFFLE_BF16 = 'mmshuffle bf16'
MMSHUFFLE_NCNN = 'mmshuffle ncnn'
PEER_ONNXRUNTIME = 'ONNX Runtime, peer export'
PEER_OPENVINO = 'OpenVINO, peer export'
# The precision each runtime computes in, for its compute floor.
PRECISION = {MMSHUFFLE_INT8: 'int8', MMSHUFFLE_BF16: 'bf16'}


def peer_name(variant: Variant) -> str:
    """The peer whose export ONNX Runtime runs: torchvision where it has the
    variant, else mmpretrain.

    Args:
        variant (Variant): The variant.

    Returns:
        str: ``'torchvision'`` or ``'mmpretrain'``.
    """
    return ('torchvision' if torchvision_classifier(variant) is not None
            else 'mmpretrain')


def on_batch(runtimes: Dict[str, Runtime], deploy: str, model: nn.Module,
             batch: Tensor) -> Dict[str, Runtime]:
    """The runtimes to time on a batch: the same, but the deploy path
    (and the bf16 one, where built) optimised on that batch, as a user who
    runs batches optimises them (:func:`mmshuffle.deploy.optimize` chooses
    its backend for the input's shape, batch size included, and whether
    to run the batch in chunks).

    Args:
        runtimes (dict[str, Callable]): The runtimes built for batch 1.
        deploy (str): The deploy path's name among them.
        model (nn.Module): The model the deploy path runs, eval mode.
        batch (Tensor): An ``(N, C, H, W)`` batch.

    Returns:
        dict[str, Callable]: ``runtimes`` with ``deploy`` and
        :data:`MMSHUFFLE_BF16` optimised anew.
    """
    from mmshuffle.deploy import optimize
    optimized = {deploy: optimize(model, batch)}
    if MMSHUFFLE_BF16 in runtimes:
        optimized[MMSHUFFLE_BF16] = optimize(model, batch, precision='bf16')
    return dict(runtimes, **optimized)


def build_runtimes(variant: Variant,
                   example: Tensor,
                   calibration: Sequence[Tensor],
                   int8_backend: str = 'auto') -> Dict[str, Runtime]:
    """Build each way to run a variant's ImageNet classifier.

    Every model is randomly initialised (speed does not depend on the
    weights); mmpretrain's and ours share the architecture exactly. The
    runtimes that need an optional package (OpenVINO, ncnn) or a CPU with
    bf16 units are left out where it is missing.

    Args:
        variant (Variant): The variant.
        example (Tensor): An input, for the deploy path's export and check.
        calibration (Sequence[Tensor]): Images to calibrate INT8 on.
        int8_backend (str): The INT8 runtime, as
            :func:`mmshuffle.deploy.quantize`'s ``backend``. Defaults to
            ``'auto'``.

    Returns:
        dict[str, Callable]: By name (the constants of this module):
        torchvision's eager model where torchvision has the variant,
        mmpretrain's eager model where mmpretrain can build it, ours eager,
        ours through :func:`mmshuffle.deploy.optimize` (fp32, and bf16), ours
        in INT8 (:func:`mmshuffle.deploy.quantize`), ours in ncnn (from
        ncnn's Python module, one image at a time), and ONNX Runtime at
        ``ORT_ENABLE_ALL`` and OpenVINO on the peer's model exported as it
        is.
    """
    from mmshuffle.deploy import optimize, prepare, quantize
    from mmshuffle.deploy.ncnn_export import export_ncnn, ncnn_runner
    from mmshuffle.deploy.onnx_session import export_onnx, session_runner
    from mmshuffle.deploy.openvino_session import (
        cpu_has_bf16,
        openvino_runner,
    )
    from mmshuffle.deploy.runtime import TensorForward
    ours = variant_classifier(variant).eval()
    runtimes: Dict[str, Runtime] = {}
    torchvision = torchvision_classifier(variant)
    if torchvision is not None:
        runtimes[TORCHVISION_EAGER] = torchvision.eval()
    try:
        mmpretrain = prepare(variant_classifier(variant, 'mmpretrain'), ())
    except ValueError:  # a ShuffleNetV1 configuration mmpretrain rejects
        mmpretrain = None
    if mmpretrain is not None:
        runtimes[MMPRETRAIN_EAGER] = mmpretrain
    runtimes[MMSHUFFLE_EAGER] = prepare(ours, ())
    deploy = optimize(ours, example)
    runtimes[MMSHUFFLE_DEPLOY] = deploy
    runtimes[MMSHUFFLE_INT8] = quantize(ours, calibration,
                                        fp32_onnx=deploy.onnx,
                                        backend=int8_backend)
    try:
        if cpu_has_bf16():
            runtimes[MMSHUFFLE_BF16] = optimize(ours, example,
                                                precision='bf16')
    except ImportError:
        pass
    try:
        with tempfile.TemporaryDirectory() as work:
            param = Path(work) / 'model.ncnn.param'
            export_ncnn(TensorForward(ours).eval(), example, param)
            run = ncnn_runner(param)  # loaded: the files may go
        runtimes[MMSHUFFLE_NCNN] = run
    except ImportError:
        pass
    peer = torchvision if torchvision is not None else mmpretrain
    if peer is not None:
        # The peer's model exported as torch.onnx.export writes it.
        exported = export_onnx(prepare(peer, ()), example)
        runtimes[PEER_ONNXRUNTIME] = session_runner(exported)
        try:
            runtimes[PEER_OPENVINO] = openvino_runner(exported)
        except ImportError:
            pass
    return runtimes
