"""Checkpoints read from a URL load with weights_only=True, as local files
do, through every way a user names one: MMEngine's loader and its URL
schemes, init_cfg Pretrained, load_checkpoint (load_from, --resume),
get_model and the tools. A malicious file served on 127.0.0.1 is refused
with the one-line error, and its payload never runs."""
import functools
import http.server
import os
import threading
from pathlib import Path
from typing import Iterator, NamedTuple

import mmengine.runner.checkpoint
import pytest
import torch
from mmengine.runner import CheckpointLoader, load_checkpoint

from mmshuffle.apis import get_model
from mmshuffle.compat import UnsafeCheckpointError

from ..helpers import build_family
from ..tools.tiny_digits import run_tool, write_tiny_config
from .test_safe_checkpoint import mmengine_like_checkpoint


class MakesADirectory:
    """A malicious checkpoint's payload: unpickling it calls os.mkdir."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (str(self.marker), )


class Served(NamedTuple):
    """A loopback HTTP server's files."""
    url: str
    marker: Path
    hub: Path


class QuietHandler(http.server.SimpleHTTPRequestHandler):

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def served(tmp_path, monkeypatch) -> Iterator[Served]:
    """Serve an evil and a good checkpoint on 127.0.0.1, with torch.hub's
    cache in a fresh folder."""
    files = tmp_path / 'served'
    files.mkdir()
    marker = tmp_path / 'payload-ran'
    backbone = build_family('ShuffleNetV2')
    torch.save({'state_dict': backbone.state_dict(),
                'payload': MakesADirectory(marker)}, files / 'evil.pth')
    torch.save(mmengine_like_checkpoint(), files / 'good.pth')
    hub = tmp_path / 'hub'
    monkeypatch.setenv('TORCH_HOME', str(hub))
    monkeypatch.setattr(torch.hub, '_hub_dir', str(hub))
    server = http.server.ThreadingHTTPServer(
        ('127.0.0.1', 0),
        functools.partial(QuietHandler, directory=str(files)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(f'http://127.0.0.1:{server.server_port}', marker, hub)
    finally:
        server.shutdown()
        server.server_close()


def check_refused(error: pytest.ExceptionInfo, served: Served) -> None:
    message = str(error.value)
    assert f'refusing to load {served.url}/evil.pth' in message
    assert 'mkdir' in message and '\n' not in message
    assert not served.marker.exists()


def test_mmengine_loader_refuses_an_evil_url(served):
    with pytest.raises(UnsafeCheckpointError) as error:
        CheckpointLoader.load_checkpoint(f'{served.url}/evil.pth')
    check_refused(error, served)
    # Cached where torch.hub caches, and refused again from there.
    assert (served.hub / 'checkpoints' / 'evil.pth').is_file()
    with pytest.raises(UnsafeCheckpointError):
        CheckpointLoader.load_checkpoint(f'{served.url}/evil.pth')
    assert not served.marker.exists()


def test_an_mmengine_checkpoint_loads_from_a_url(served):
    loaded = CheckpointLoader.load_checkpoint(f'{served.url}/good.pth')
    assert torch.equal(loaded['state_dict']['w'], torch.ones(2))


def test_schemes_that_resolve_to_a_url_are_safe_too(served, monkeypatch):
    monkeypatch.setattr(mmengine.runner.checkpoint,
                        'get_torchvision_models',
                        lambda: {'evil': f'{served.url}/evil.pth'})
    with pytest.raises(UnsafeCheckpointError) as error:
        CheckpointLoader.load_checkpoint('torchvision://evil')
    check_refused(error, served)


def test_init_cfg_pretrained_url_is_refused(served):
    with pytest.raises(UnsafeCheckpointError) as error:
        build_family('ShuffleNetV2', init_cfg=dict(
            type='Pretrained', checkpoint=f'{served.url}/evil.pth'))
    check_refused(error, served)


def test_load_checkpoint_url_is_refused(served):
    # Runner.load_checkpoint (load_from, --resume) calls this.
    with pytest.raises(UnsafeCheckpointError) as error:
        load_checkpoint(build_family('MobileNetV2'), f'{served.url}/evil.pth')
    check_refused(error, served)


def test_get_model_url_is_refused(served):
    with pytest.raises(UnsafeCheckpointError) as error:
        get_model('shufflenet-v2-1x_16xb64_in1k',
                  pretrained=f'{served.url}/evil.pth')
    assert 'refusing to load' in str(error.value)
    assert not served.marker.exists()


def test_the_test_tool_prints_one_line(served, digits_root, tmp_path):
    config = write_tiny_config(tmp_path / 'tiny.py', digits_root)
    result = run_tool(
        ['tools/test.py', str(config), f'{served.url}/evil.pth',
         '--work-dir', str(tmp_path / 'work')],
        extra_env=dict(TORCH_HOME=str(served.hub)), check=False)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f'error: refusing to load {served.url}/evil.pth')
    assert 'Traceback' not in result.stderr
    assert not served.marker.exists()
