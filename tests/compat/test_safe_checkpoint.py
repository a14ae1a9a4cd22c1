"""Checkpoints load with weights_only=True: MMEngine's own ones work,
anything with an arbitrary pickled object is refused."""
import os

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import CheckpointLoader

from mmshuffle.compat import (
    UnsafeCheckpointError,
    load_from_local_safely,
    safe_globals_for_mmengine,
)
from mmshuffle.compat.safe_checkpoint import history_buffer_getattr


def mmengine_like_checkpoint():
    hub = MessageHub.get_instance('test_safe_checkpoint')
    hub.update_scalar('train/loss', np.float64(0.5))
    hub.update_scalar('train/lr', 0.1)
    hub.update_info('iter', np.int64(7))
    return dict(
        meta=dict(epoch=1, seed=0, dataset_meta=dict(classes=('a', 'b'))),
        state_dict={'w': torch.ones(2)},
        message_hub=hub.state_dict(),
        stats=np.arange(3, dtype=np.float32))


def test_mmengine_checkpoint_loads_through_mmengine(tmp_path):
    path = tmp_path / 'ok.pth'
    torch.save(mmengine_like_checkpoint(), path)
    with pytest.raises(Exception, match='Weights only load failed'):
        torch.load(path)  # what MMEngine 0.10.7 does on torch >= 2.6
    loaded = CheckpointLoader.load_checkpoint(str(path))
    assert torch.equal(loaded['state_dict']['w'], torch.ones(2))
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer) and buffer.mean() == 0.5
    assert loaded['message_hub']['runtime_info']['iter'] == 7


class RunsACommand:
    """What a malicious checkpoint holds: unpickling it runs a command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


def test_arbitrary_pickled_object_is_refused_with_a_clear_error(tmp_path):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': RunsACommand(marker)}, path)
    with pytest.raises(UnsafeCheckpointError) as error:
        CheckpointLoader.load_checkpoint(str(path))
    message = str(error.value)
    assert f'refusing to load {path}' in message
    assert 'system' in message  # names the object it refused
    assert not marker.exists()


class ReachesThroughGetattr:
    """A pickle that asks getattr for more than HistoryBuffer statistics."""

    def __reduce__(self):
        return getattr, (np.ndarray, 'tofile')


def test_getattr_is_limited_to_history_buffer_statistics(tmp_path):
    assert history_buffer_getattr(HistoryBuffer, 'mean') == \
        HistoryBuffer.mean
    path = tmp_path / 'evil.pth'
    torch.save({'payload': ReachesThroughGetattr()}, path)
    with pytest.raises(UnsafeCheckpointError):
        load_from_local_safely(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_from_local_safely(tmp_path / 'nope.pth')


def test_allowlist_is_exactly_what_mmengine_needs():
    names = {getattr(item, '__name__', None) for item in
             safe_globals_for_mmengine() if not isinstance(item, tuple)}
    assert {'HistoryBuffer', 'ndarray', 'dtype', '_reconstruct',
            'scalar'} <= names
    assert 'getattr' not in names and 'system' not in names
