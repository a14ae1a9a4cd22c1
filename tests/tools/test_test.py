"""tools/test.py: evaluates a checkpoint with a progress bar, dumps
metrics or predictions."""
import json
import pickle

import pytest

from .tiny_digits import (
    DEMO_CONFIG,
    run_tool,
    run_tool_here,
    write_tiny_config,
)


def test_test_tool_shows_progress_and_dumps_results(tmp_path,
                                                    trained_digits):
    config, checkpoint = map(str, trained_digits)

    metrics_file = tmp_path / 'metrics.json'
    result = run_tool([
        'tools/test.py',
        str(config), checkpoint, '--work-dir',
        str(tmp_path / 'test'), '--out',
        str(metrics_file), '--out-item', 'metrics'
    ])
    assert '1/1, ' in result.stdout  # the progress bar: 64 images, 1 batch
    metrics = json.loads(metrics_file.read_text())
    assert 0 <= metrics['accuracy/top1'] <= 100

    predictions_file = tmp_path / 'predictions.pkl'
    run_tool([
        'tools/test.py',
        str(config), checkpoint, '--work-dir',
        str(tmp_path / 'test'), '--out',
        str(predictions_file)
    ])
    with open(predictions_file, 'rb') as file:
        predictions = pickle.load(file)
    assert len(predictions) == 64
    assert predictions[0]['pred_score'].shape == (10, )


def test_missing_checkpoint_is_named(tmp_path, digits_root):
    config = write_tiny_config(tmp_path / 'tiny.py', digits_root)
    result = run_tool_here(
        ['tools/test.py', str(config),
         str(tmp_path / 'nope.pth')])
    assert result.returncode == 1
    assert f'error: checkpoint file not found: {tmp_path / "nope.pth"}' in \
        result.stderr


@pytest.mark.parametrize('out_item, out', [('pred', 'results.json'),
                                           ('metrics', 'metrics.txt')])
def test_an_out_file_of_the_wrong_kind_is_one_line(out_item, out, tmp_path):
    result = run_tool_here([
        'tools/test.py', str(DEMO_CONFIG), 'epoch_1.pth', '--out',
        str(tmp_path / out), '--out-item', out_item
    ])
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith(
        f'test.py: error: --out {tmp_path / out}: with --out-item '
        f'{out_item} the file must end in .')
