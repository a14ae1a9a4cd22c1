"""A kill while a checkpoint is written leaves the previous one whole."""
import subprocess
import sys
import textwrap

import pytest
import torch

from mmshuffle.compat import atomic_files, atomic_write

SAVE_THEN_DIE_MID_WRITE = textwrap.dedent('''
    import os, signal, sys
    import torch
    import mmshuffle.compat
    from mmshuffle.compat import atomic_files
    from mmengine.runner import save_checkpoint

    path = sys.argv[1]
    save_checkpoint({'state_dict': {'w': torch.zeros(1000)}, 'epoch': 1},
                    path)

    real_fdopen = os.fdopen

    class DiesHalfway:
        def __init__(self, file):
            self.file = file
        def write(self, data):
            self.file.write(data[:len(data) // 2])
            self.file.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        def __getattr__(self, name):
            return getattr(self.file, name)
        def __enter__(self):
            return self
        def __exit__(self, *args):
            return self.file.__exit__(*args)

    atomic_files.os.fdopen = lambda *a, **k: DiesHalfway(real_fdopen(*a, **k))
    save_checkpoint({'state_dict': {'w': torch.ones(1000)}, 'epoch': 2},
                    path)
''')


def test_kill_during_save_keeps_the_previous_checkpoint(tmp_path):
    path = tmp_path / 'latest.pth'
    result = subprocess.run(
        [sys.executable, '-c', SAVE_THEN_DIE_MID_WRITE, str(path)],
        capture_output=True, text=True)
    assert result.returncode == -9, result.stderr
    checkpoint = torch.load(path, weights_only=True)
    assert checkpoint['epoch'] == 1
    assert torch.equal(checkpoint['state_dict']['w'], torch.zeros(1000))
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != path.name]
    assert all(name.startswith('.latest.pth.') for name in leftovers)


def test_atomic_write_replaces_and_cleans_up_on_error(tmp_path,
                                                     monkeypatch):
    path = tmp_path / 'sub' / 'file.bin'
    atomic_write(b'one', path)
    atomic_write(b'two', path)
    assert path.read_bytes() == b'two'

    def disk_full(fd):
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(atomic_files.os, 'fsync', disk_full)
    with pytest.raises(OSError, match='No space left'):
        atomic_write(b'three', path)
    assert path.read_bytes() == b'two'
    assert [p.name for p in path.parent.iterdir()] == ['file.bin']
