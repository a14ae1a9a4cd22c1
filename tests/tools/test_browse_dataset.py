"""tools/visualization/browse_dataset.py draws a classification and a
detection config's first items after their pipelines, labels and boxes
included."""
import cv2
import pytest

from mmshuffle.demo_data import materialize_shapes

from .test_detection_tools import SHAPES_CONFIG
from .tiny_digits import DEMO_CONFIG, ROOT, run_tool, run_tool_here

TOOL = ROOT / 'tools' / 'visualization' / 'browse_dataset.py'


def test_digits_are_drawn_with_their_classes(digits_root, tmp_path):
    out = tmp_path / 'digits.png'
    result = run_tool([str(TOOL), str(DEMO_CONFIG), '--show-number', '6',
                       '--out', str(out), '--cfg-options',
                       f'train_dataloader.dataset.data_root={digits_root}'])
    assert result.stdout.strip().endswith(f'6 train images of 1438: {out}')
    image = cv2.imread(str(out))
    # Two rows of four cells (six images), each 224 pixels high.
    assert image.shape[0] == 2 * 224


def test_shapes_are_drawn_with_their_boxes(tmp_path):
    data = tmp_path / 'shapes'
    materialize_shapes(data, num_train=3, num_val=1, image_size=96)
    out = tmp_path / 'shapes.png'
    result = run_tool([str(TOOL), str(SHAPES_CONFIG), '--phase', 'val',
                       '--out', str(out), '--cfg-options',
                       f'val_dataloader.dataset.data_root={data}/'])
    assert result.stdout.strip().endswith(f'1 val images of 1: {out}')
    assert cv2.imread(str(out)) is not None


@pytest.mark.parametrize('args, message', [
    (['--show-number', '0'], '--show-number must be at least 1, got 0'),
    (['--phase', 'dev'], "invalid choice: 'dev'"),
])
def test_bad_arguments_are_named(args, message):
    result = run_tool_here([str(TOOL), str(DEMO_CONFIG), *args])
    assert result.returncode == 2 and message in result.stderr
