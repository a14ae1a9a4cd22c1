"""Drawing for the tools: ``tools/test.py --show-dir`` and ``--show`` turn
on the visualization hook of a config, mmpretrain's (classification) or
MMDetection's, so that every test image is drawn with its prediction and
its ground truth; the analysis tools tile drawn images into one."""
import os
from typing import Optional, Sequence

import numpy as np
from mmengine.config import Config

from ..errors import UserInputError

# Small images (the digits) are drawn with their short edge resized to
# this, so that the labels' text stays readable.
DRAWN_SHORT_EDGE = 224


def enable_drawing(cfg: Config, show_dir: Optional[str], show: bool,
                   wait_time: float) -> None:
    """Set up ``cfg.default_hooks.visualization`` to draw every test image.

    Args:
        cfg (Config): The config; changed in place.
        show_dir (str, optional): Write the drawings here (a folder, made
            if missing), or None.
        show (bool): Show each drawing in a window.
        wait_time (float): Seconds each window stays open (0: until a key
            is pressed).

    Raises:
        UserInputError: If the config has no visualization hook, or
            ``show_dir`` is a file.
    """
    hook = cfg.get('default_hooks', {}).get('visualization')
    if hook is None:
        raise UserInputError(
            '--show-dir/--show: the config has no default_hooks.'
            "visualization; add visualization=dict(type='VisualizationHook')"
            " (classification) or dict(type='DetVisualizationHook') "
            '(detection) to its default_hooks')
    if show_dir is not None:
        if os.path.isfile(show_dir):
            raise UserInputError(f'--show-dir {show_dir}: is a file, not a '
                                 'folder')
        show_dir = os.path.abspath(show_dir)
        os.makedirs(show_dir, exist_ok=True)
    hook.update(show=show, wait_time=wait_time, interval=1)
    if 'Det' in str(hook.get('type')):
        # MMDetection's hook: draw=True; its test_out_dir, made absolute
        # here, is not put under the work dir.
        hook.update(draw=True, test_out_dir=show_dir)
    else:
        hook.update(enable=True, out_dir=show_dir,
                    resize=hook.get('resize', DRAWN_SHORT_EDGE))


def tile_images(images: Sequence[np.ndarray], columns: int = 4) -> np.ndarray:
    """Tile images in rows of ``columns``, each cell as large as the
    largest image, padded with black.

    Args:
        images (Sequence[np.ndarray]): ``(H, W, 3)`` images, at least one.
        columns (int): Cells per row. Defaults to 4.

    Returns:
        np.ndarray: The tiled image.
    """
    height = max(image.shape[0] for image in images)
    width = max(image.shape[1] for image in images)
    cells = [np.pad(image, ((0, height - image.shape[0]),
                            (0, width - image.shape[1]), (0, 0)))
             for image in images]
    cells += [np.zeros_like(cells[0])] * (-len(cells) % columns)
    return np.vstack([np.hstack(cells[i:i + columns])
                      for i in range(0, len(cells), columns)])
