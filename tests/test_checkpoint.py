"""One reader of state dicts, bare or wrapped, for the zoo, the converters
and the tools; it refuses what is none. Shapes compared by one rule; plain
checkpoints written."""
import argparse

import pytest
import torch

from mmshuffle.checkpoint import (
    compare_shapes,
    load_state_dict,
    plain_metadata,
    save_checkpoint,
)
from mmshuffle.compat import UnsafeCheckpointError
from mmshuffle.converters import ConversionError
from mmshuffle.errors import MissingDataError

WEIGHTS = {'conv.weight': torch.ones(2, 1, 1, 1), 'fc.bias': torch.zeros(2)}


@pytest.mark.parametrize('content, meta', [
    (WEIGHTS, {}),
    ({'state_dict': WEIGHTS, 'meta': {'epoch': 3}}, {'epoch': 3}),
    ({'model': WEIGHTS}, {}),
    ({f'module.{k}': v for k, v in WEIGHTS.items()}, {}),
], ids=['bare', 'state_dict', 'model', 'DataParallel'])
def test_state_dicts_are_found(tmp_path, content, meta):
    path = tmp_path / 'in.pth'
    torch.save(content, path)
    state_dict, found_meta = load_state_dict(path)
    assert list(state_dict) == list(WEIGHTS) and found_meta == meta


def test_a_file_without_a_state_dict_is_named(tmp_path):
    path = tmp_path / 'epoch.pth'
    torch.save({'epoch': 3, 'lr': 0.1}, path)
    with pytest.raises(ConversionError,
                       match=rf"{path} holds no state dict: .* got a dict "
                       r"with keys 'epoch', 'lr'"):
        load_state_dict(path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(MissingDataError, match='checkpoint file not found'):
        load_state_dict(tmp_path / 'nope.pth')


def test_pickled_objects_are_refused(tmp_path):
    path = tmp_path / 'args.pth'
    torch.save({'model': WEIGHTS, 'args': argparse.Namespace(lr=0.1)}, path)
    with pytest.raises(UnsafeCheckpointError, match='Namespace'):
        load_state_dict(path)


def test_only_plain_metadata_is_written(tmp_path):
    meta = {'classes': ('a', 'b'), 'epoch': 1, 'hook': object(),
            'nested': {'keep': [1, None], 'drop': [object()]}}
    assert plain_metadata(meta) == {
        'classes': ('a', 'b'), 'epoch': 1,
        'nested': {'keep': [1, None], 'drop': []}}
    path = tmp_path / 'sub' / 'out.pth'
    save_checkpoint(WEIGHTS, meta, path)
    written = torch.load(path, weights_only=True)
    assert written['meta']['classes'] == ('a', 'b')
    assert torch.equal(written['state_dict']['conv.weight'],
                       WEIGHTS['conv.weight'])


def test_shapes_are_compared_by_one_rule():
    state_dict = {
        'conv.weight': torch.ones(4, 1, 1, 1),
        'extra.weight': torch.ones(1),
        'layers.3.weight': torch.ones(1),
    }
    expected = {
        'conv.weight': (2, 1, 1, 1),
        'bn.weight': (2, ),
        'bn.num_batches_tracked': (),
    }
    mismatch = compare_shapes(state_dict, expected, ('layers.3.', ))
    assert mismatch.wrong_shape == [('conv.weight', (4, 1, 1, 1),
                                     (2, 1, 1, 1))]
    assert mismatch.missing == ['bn.weight']
    assert mismatch.unexpected == ['extra.weight']
    assert not compare_shapes(WEIGHTS, {k: v.shape
                                        for k, v in WEIGHTS.items()})
