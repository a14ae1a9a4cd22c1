"""tools/visualization/vis_cam.py: Grad-CAM on the trained digits model,
and the hooks at the last stage of every family, through its shuffles."""
import cv2
import numpy as np
import pytest
import torch
from pytorch_grad_cam import GradCAM
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

from mmshuffle.benchmark.classifiers import variant_classifier
from mmshuffle.deploy import TensorForward
from mmshuffle.models.variants import BY_NAME

from .tiny_digits import ROOT, run_tool, run_tool_here

TOOL = ROOT / 'tools' / 'visualization' / 'vis_cam.py'


def test_the_map_of_a_held_out_digit_is_drawn(trained_digits, digits_root,
                                              tmp_path):
    image = sorted((digits_root / 'val' / '4').glob('*.png'))[0]
    out = tmp_path / 'cam.png'
    result = run_tool([str(TOOL), str(image), str(trained_digits.config),
                       str(trained_digits.checkpoint), '--out', str(out)])
    assert result.stdout.startswith('gradcam of class ')
    drawn = cv2.imread(str(out))
    assert min(drawn.shape[:2]) >= 224
    # A heat map, not the grey digit alone.
    assert drawn[..., 2].astype(int).std() > 10


@pytest.mark.parametrize('name', ['shufflenet-v1-0.25x-g3',
                                  'shufflenet-v2-0.5x', 'mobilenet-v2-0.35x'])
def test_the_last_stage_takes_the_hooks(name):
    torch.manual_seed(0)
    model = variant_classifier(BY_NAME[name], num_classes=4).eval()
    x = torch.randn(2, 3, 64, 64)
    stage = model.backbone.stages[-1]
    with GradCAM(model=TensorForward(model), target_layers=[stage]) as cam:
        masks = cam(input_tensor=x, targets=[ClassifierOutputTarget(1)] * 2)
        (activations, ) = cam.activations_and_grads.activations
        (gradients, ) = cam.activations_and_grads.gradients
    assert masks.shape == (2, 64, 64) and np.isfinite(masks).all()
    # The hooks saw the stage's output and its gradient (a random model's
    # map may still be all zero: Grad-CAM keeps the positive part).
    channels = model.backbone.out_channels[-1]
    assert activations.shape[:2] == gradients.shape[:2] == (2, channels)
    assert gradients.abs().sum() > 0


@pytest.mark.parametrize('args, message', [
    (['--target-layer', 'backbone.nope'],
     'error: --target-layer backbone.nope: no such module'),
    (['--target-category', '10'],
     'error: --target-category 10: the model has 10 classes'),
])
def test_mistakes_are_one_line(trained_digits, digits_root, args, message):
    image = sorted((digits_root / 'val' / '4').glob('*.png'))[0]
    result = run_tool_here([str(TOOL), str(image), str(trained_digits.config),
                            str(trained_digits.checkpoint), *args])
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(message)
