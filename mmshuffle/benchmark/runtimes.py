"""The ways to run one classifier for inference, ours and the peers'."""
from typing import Callable, Dict, Sequence

from torch import Tensor

from ..models.variants import Variant
from .classifiers import torchvision_classifier, variant_classifier

Runtime = Callable[[Tensor], object]
TORCHVISION_EAGER = 'torchvision eager'
MMPRETRAIN_EAGER = 'mmpretrain eager'
MMSHUFFLE_EAGER = 'mmshuffle eager'
MMSHUFFLE_DEPLOY = 'mmshuffle deploy'
MMSHUFFLE_INT8 = 'mmshuffle INT8'
PEER_ONNXRUNTIME = 'ONNX Runtime, peer export'


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


def build_runtimes(variant: Variant, example: Tensor,
                   calibration: Sequence[Tensor]) -> Dict[str, Runtime]:
    """Build each way to run a variant's ImageNet classifier.

    Every model is randomly initialised (speed does not depend on the
    weights); mmpretrain's and ours share the architecture exactly.

    Args:
        variant (Variant): The variant.
        example (Tensor): An input, for the deploy path's export and check.
        calibration (Sequence[Tensor]): Images to calibrate INT8 on.

    Returns:
        dict[str, Callable]: By name (the constants of this module):
        torchvision's eager model where torchvision has the variant,
        mmpretrain's eager model where mmpretrain can build it, ours eager,
        ours through :func:`mmshuffle.deploy.optimize`, ours in INT8
        (:func:`mmshuffle.deploy.quantize`), and ONNX Runtime at
        ``ORT_ENABLE_ALL`` on the peer's model exported as it is.
    """
    from mmshuffle.deploy import optimize, prepare, quantize
    from mmshuffle.deploy.onnx_session import export_onnx, session_runner
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
                                        fp32_onnx=deploy.onnx)
    peer = torchvision if torchvision is not None else mmpretrain
    if peer is not None:
        # The peer's model exported as torch.onnx.export writes it.
        runtimes[PEER_ONNXRUNTIME] = session_runner(
            export_onnx(prepare(peer, ()), example))
    return runtimes
