"""Class activation maps of a classifier on an image (pytorch-grad-cam).

    python tools/visualization/vis_cam.py IMAGE CONFIG CHECKPOINT
        [--method gradcam] [--target-category N] [--target-layer NAME]
        [--out FILE] [--size 224] [--cfg-options K=V ...]

The image goes through the config's test pipeline and data preprocessor;
the map is taken at the backbone's last built stage (or ``--target-layer``,
a module name such as ``backbone.layers.2``) for the predicted class (or
``--target-category``), drawn over the network's input and written with
the class and score, its short edge at least ``--size`` pixels.
"""
import argparse
from pathlib import Path

import cv2
import numpy as np
import torch

import mmshuffle.compat  # noqa: F401  (applies the fixes on import)
from mmshuffle.checkpoint import load_state_dict
from mmshuffle.cli import (
    add_cfg_options_arg,
    load_config,
    load_for_export,
    run_tool,
)
from mmshuffle.deploy import TensorForward
from mmshuffle.errors import UserInputError

# pytorch-grad-cam's methods that need no extra arguments, by the names
# mmpretrain's vis_cam.py takes.
METHODS = {
    'gradcam': 'GradCAM',
    'gradcam++': 'GradCAMPlusPlus',
    'xgradcam': 'XGradCAM',
    'eigencam': 'EigenCAM',
    'eigengradcam': 'EigenGradCAM',
    'layercam': 'LayerCAM',
}


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('image', help='the image file')
    parser.add_argument('config', help='the classification config')
    parser.add_argument('checkpoint', help='the checkpoint')
    parser.add_argument('--method', default='gradcam', choices=list(METHODS),
                        help='the CAM method (default: gradcam)')
    parser.add_argument('--target-category', type=int,
                        help='the class to explain (default: the predicted)')
    parser.add_argument('--target-layer',
                        help='the module to take the map at (default: the '
                        "backbone's last built stage)")
    parser.add_argument('--out', help='the PNG to write (default: '
                        'IMAGE_NAME_cam.png here)')
    parser.add_argument('--size', type=int, default=224,
                        help='least short edge of the drawing (default: 224)')
    add_cfg_options_arg(parser)
    return parser.parse_args()


def network_input(cfg, image: str) -> torch.Tensor:
    """The image as the model sees it: the test pipeline, then the data
    preprocessor; ``(1, 3, H, W)``."""
    from mmengine.dataset import Compose
    from mmengine.registry import DefaultScope
    if not Path(image).is_file():
        raise UserInputError(f'image {image}: no such file')
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        pipeline = Compose(cfg.test_dataloader.dataset.pipeline)
        return pipeline(dict(img_path=image))


def target_layer(model, name):
    """The module to take the map at."""
    if name is None:
        return model.backbone.stages[-1]
    modules = dict(model.named_modules())
    if name not in modules:
        raise UserInputError(
            f'--target-layer {name}: no such module; the backbone\'s stages '
            'are ' + ', '.join(f'backbone.{n}' for n in
                               model.backbone.stage_names))
    return modules[name]


def main() -> None:
    """Compute the map and draw it."""
    import pytorch_grad_cam
    from mmengine.dataset import pseudo_collate
    from pytorch_grad_cam.utils.image import show_cam_on_image
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    args = parse_args()
    cfg = load_config(args.config, None, 'none', args.cfg_options)
    model = load_for_export(cfg, args.checkpoint)
    data = model.data_preprocessor(pseudo_collate(
        [network_input(cfg, args.image)]), False)
    x = data['inputs'].float()
    with torch.no_grad():
        scores = model(x, mode='tensor').softmax(-1)[0]
    category = (int(scores.argmax()) if args.target_category is None else
                args.target_category)
    if not 0 <= category < len(scores):
        raise UserInputError(f'--target-category {category}: the model has '
                             f'{len(scores)} classes (0 to {len(scores) - 1})')
    method = getattr(pytorch_grad_cam, METHODS[args.method])
    layer = target_layer(model, args.target_layer)
    with method(model=TensorForward(model), target_layers=[layer]) as cam:
        mask = cam(input_tensor=x,
                   targets=[ClassifierOutputTarget(category)])[0]
    # The network's input, back to an image in [0, 1].
    image = data['inputs'][0].permute(1, 2, 0).numpy()
    image = (image - image.min()) / max(image.max() - image.min(), 1e-6)
    drawn = show_cam_on_image(image.astype(np.float32), mask, use_rgb=False)
    scale = max(1.0, args.size / min(drawn.shape[:2]))
    drawn = cv2.resize(drawn, None, fx=scale, fy=scale,
                       interpolation=cv2.INTER_LINEAR)
    classes = load_state_dict(args.checkpoint)[1].get('dataset_meta',
                                                       {}).get('classes')
    name = classes[category] if classes else str(category)
    cv2.putText(drawn, f'{name} {scores[category]:.2f}', (5, 20),
                cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 2)
    out = Path(args.out or f'{Path(args.image).stem}_cam.png')
    out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out), drawn)
    print(f'{args.method} of class {name} (score {scores[category]:.3f}) at '
          f'{args.target_layer or "the last stage"}: {out}')


if __name__ == '__main__':
    run_tool(main)
