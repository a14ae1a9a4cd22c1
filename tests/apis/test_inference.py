"""inference_model and demo/image_demo.py: the trained digits model names
the held-out digits, draws them readably, and every mistake is one line."""
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from mmshuffle.apis import get_model, inference_model
from mmshuffle.errors import UserInputError

from ..tools.tiny_digits import LEARNT_TOP1, run_tool, run_tool_here

IMAGE_DEMO = 'demo/image_demo.py'


@pytest.fixture(scope='module')
def val_images(digits_root):
    """Every held-out digit, with its class (its folder's name)."""
    return sorted((str(path), path.parent.name)
                  for path in (digits_root / 'val').rglob('*.png'))


def test_the_trained_model_names_the_held_out_digits(trained_digits,
                                                    val_images):
    results = inference_model(str(trained_digits.config),
                              [path for path, _ in val_images],
                              checkpoint=str(trained_digits.checkpoint),
                              device='cpu', topk=3)
    right = [result['pred_class'] == label
             for result, (_, label) in zip(results, val_images)]
    assert len(right) == 359
    assert 100 * np.mean(right) >= LEARNT_TOP1
    for result in results:
        names, scores = zip(*result['topk'])
        assert names[0] == result['pred_class'] and len(names) == 3
        assert list(scores) == sorted(scores, reverse=True)
        assert scores[0] == pytest.approx(result['pred_score'])


def test_the_drawn_images_are_readable(trained_digits, val_images,
                                       tmp_path):
    inference_model(str(trained_digits.config), val_images[0][0],
                    checkpoint=str(trained_digits.checkpoint), device='cpu',
                    out_dir=tmp_path)
    (drawn, ) = tmp_path.glob('*.png')
    # The digit is drawn with its short edge at 224 pixels, not at its own
    # size, so that the label's text can be read.
    assert min(cv2.imread(str(drawn)).shape[:2]) == 224


def test_a_zoo_name_takes_a_local_checkpoint(tmp_path):
    weights = tmp_path / 'weights.pth'
    model = get_model('shufflenet-v2-0.5x_paper_in1k')
    torch.save({'state_dict': model.state_dict()}, weights)
    image = np.random.default_rng(0).integers(0, 255, (64, 48, 3),
                                              dtype=np.uint8)
    (result, ) = inference_model('shufflenet-v2-0.5x_paper_in1k', image,
                                 checkpoint=str(weights), device='cpu')
    assert result['pred_scores'].shape == (1000, )
    assert len(result['topk']) == 5


def test_the_demo_prints_top_k_and_draws(trained_digits, digits_root,
                                         tmp_path):
    folder = digits_root / 'val' / '7'
    result = run_tool([IMAGE_DEMO, str(folder), str(trained_digits.config),
                       '--checkpoint', str(trained_digits.checkpoint),
                       '--out-dir', str(tmp_path), '--device', 'cpu',
                       '--topk', '2'])
    lines = result.stdout.strip().splitlines()
    images = sorted(folder.glob('*.png'))
    assert lines[-1] == f'drawn predictions: {tmp_path}'
    ranked = [re.fullmatch(r'(.+): (\d) ([\d.]+), (\d) ([\d.]+)', line)
              for line in lines if line.startswith(str(folder))]
    assert [Path(match[1]) for match in ranked] == images
    assert sum(match[2] == '7' for match in ranked) >= 0.8 * len(images)
    assert len(list(tmp_path.glob('*.png'))) == len(images)


@pytest.mark.parametrize('args, message', [
    (['nowhere.png', 'shufflenet-v2-1x_16xb64_in1k'],
     "error: image 'nowhere.png': no such file or folder"),
    (['tests', 'missing.py'],
     "error: image 'tests': the folder holds no image"),
    (['demo', 'missing.py'],
     "error: model 'missing.py': no such config file"),
    (['demo', 'shufflenet-v9'], "error: unknown model name 'shufflenet-v9'"),
])
def test_mistakes_are_one_line(args, message, tmp_path):
    (tmp_path / 'a.png').write_bytes(b'')
    args = [str(tmp_path) if a == 'demo' else a for a in args]
    result = run_tool_here([IMAGE_DEMO] + args)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(message)
    assert 'Traceback' not in result.stderr


def test_bad_topk_and_threshold_are_refused(val_images):
    with pytest.raises(UserInputError, match='topk must be at least 1'):
        inference_model('x.py', val_images[0][0], topk=0)
    with pytest.raises(UserInputError, match=r'pred_score_thr must be in'):
        inference_model('x.py', val_images[0][0], pred_score_thr=2)
