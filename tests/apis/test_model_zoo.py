"""mmshuffle.get_model: models by name, their weights from a file, torch.hub's
cache or a URL, loaded safely and exactly; no test touches the network."""
import os
import subprocess
import sys
import types
from pathlib import Path
from urllib.error import URLError

import pytest
import torch

import mmshuffle
from mmshuffle.apis import get_model, list_models
from mmshuffle.apis.model_index import find_model, load_model_index
from mmshuffle.compat import UnsafeCheckpointError
from mmshuffle.errors import (
    MissingDataError,
    ModelZooError,
    WeightsDownloadError,
)

from ..helpers import randomize_norm_stats

# The smallest model of the zoo, with torchvision's weights.
TORCHVISION_MODEL = 'shufflenet-v2-0.5x_torchvision_in1k'
# A model with mmpretrain's weights (mmshuffle's layout).
MMPRETRAIN_MODEL = 'shufflenet-v2-1x_16xb64_in1k'


@pytest.fixture
def offline_hub(tmp_path, monkeypatch):
    """torch.hub's cache in tmp_path, and every download failing as it does
    without a network. Yields ``dir``, the cache's checkpoints folder, and
    ``requested``, the URLs a download was asked for."""
    requested = []

    def no_network(url, dst, *args, **kwargs):
        requested.append(url)
        raise URLError('[Errno -3] Temporary failure in name resolution')

    monkeypatch.setattr(torch.hub, 'download_url_to_file', no_network)
    previous = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / 'hub'))
    checkpoints = tmp_path / 'hub' / 'checkpoints'
    checkpoints.mkdir(parents=True)
    yield types.SimpleNamespace(dir=checkpoints, requested=requested)
    torch.hub.set_dir(previous)


def trained_looking(name: str) -> torch.nn.Module:
    """A zoo model whose norm statistics are not the defaults, so that
    logits depend on every loaded tensor."""
    model = get_model(name)
    randomize_norm_stats(model)
    return model


def logits(model: torch.nn.Module) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(1, 3, 32, 32, generator=generator)
    with torch.no_grad():
        return model(inputs)


def test_list_models_filters_like_mmpretrain():
    names = list_models()
    assert names == sorted(names)
    assert {'shufflenet-v1-1x_16xb64_in1k', MMPRETRAIN_MODEL,
            'mobilenet-v2_8xb32_in1k', TORCHVISION_MODEL} <= set(names)
    assert list_models('SHUFFLENET-V2-0.5X') == [
        name for name in names if 'shufflenet-v2-0.5x' in name]
    assert set(list_models('*_torchvision*_in1k')) == {
        name for name, entry in load_model_index().items()
        if entry.converter == 'torchvision'}


def test_the_package_exports_them_without_importing_them():
    assert mmshuffle.get_model is get_model
    assert mmshuffle.list_models is list_models
    code = ('import sys, mmshuffle; '
            "assert 'torch' not in sys.modules, 'torch'; "
            "assert 'mmshuffle.apis' not in sys.modules, 'apis'")
    subprocess.run([sys.executable, '-c', code], check=True)


@pytest.mark.parametrize('name', [TORCHVISION_MODEL, MMPRETRAIN_MODEL])
def test_a_saved_checkpoint_loads_offline_to_identical_logits(name, tmp_path):
    model = trained_looking(name)
    full, bare = tmp_path / 'full.pth', tmp_path / 'bare.pth'
    wrapped, under_model = tmp_path / 'wrapped.pth', tmp_path / 'model.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict(epoch=3)), full)
    torch.save(model.state_dict(), bare)
    torch.save({f'module.{key}': value
                for key, value in model.state_dict().items()}, wrapped)
    # The layout the converters read too (mmcv.runner's 'model' key).
    torch.save(dict(model=model.state_dict()), under_model)
    for pretrained in (full, str(bare), wrapped, under_model):
        loaded = get_model(name, pretrained=pretrained)
        assert not loaded.training
        assert torch.equal(logits(loaded), logits(model))


def test_without_network_the_error_names_the_url_and_a_local_file(
        offline_hub):
    url = find_model(TORCHVISION_MODEL).weights
    with pytest.raises(WeightsDownloadError) as error:
        get_model(TORCHVISION_MODEL, pretrained=True)
    message = str(error.value)
    assert isinstance(error.value, OSError)
    assert offline_hub.requested == [url]
    assert f'from {url}:' in message
    assert (f"get_model('{TORCHVISION_MODEL}', pretrained='/path/to/"
            "shufflenetv2_x0.5-f707e7126e.pth')") in message
    assert 'converted' in message
    assert not list(offline_hub.dir.iterdir())  # nothing half-written

    with pytest.raises(WeightsDownloadError) as error:
        get_model(MMPRETRAIN_MODEL, pretrained=True)
    assert 'converted' not in str(error.value)


def test_a_cached_file_is_used_without_the_network(offline_hub):
    model = trained_looking(MMPRETRAIN_MODEL)
    filename = Path(find_model(MMPRETRAIN_MODEL).weights).name
    torch.save(dict(state_dict=model.state_dict()), offline_hub.dir / filename)
    loaded = get_model(MMPRETRAIN_MODEL, pretrained=True)
    assert offline_hub.requested == []
    assert torch.equal(logits(loaded), logits(model))


def test_torchvision_file_is_converted_and_gives_torchvision_logits(
        tmp_path):
    import torchvision
    reference = torchvision.models.shufflenet_v2_x0_5().eval()
    randomize_norm_stats(reference)
    path = tmp_path / 'shufflenetv2_x0.5-f707e7126e.pth'
    torch.save(reference.state_dict(), path)
    loaded = get_model(TORCHVISION_MODEL, pretrained=path)
    torch.testing.assert_close(logits(loaded), logits(reference),
                               rtol=1e-4, atol=1e-5)
    with pytest.raises(ModelZooError, match='unexpected keys: conv1.0.weight'):
        get_model(MMPRETRAIN_MODEL, pretrained=path)  # not converted


class RunsACommand:
    """What a malicious checkpoint holds: unpickling it runs a command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


def test_a_file_with_arbitrary_objects_is_refused(tmp_path):
    marker, path = tmp_path / 'pwned', tmp_path / 'evil.pth'
    torch.save(dict(state_dict={}, payload=RunsACommand(marker)), path)
    with pytest.raises(UnsafeCheckpointError, match='system'):
        get_model(MMPRETRAIN_MODEL, pretrained=path)
    assert not marker.exists()


def saved(tmp_path: Path, state_dict: dict, name: str) -> Path:
    path = tmp_path / name
    torch.save(dict(state_dict=state_dict), path)
    return path


def test_a_wrong_shape_in_the_backbone_names_the_key_and_both_shapes(
        tmp_path):
    state_dict = get_model(TORCHVISION_MODEL).state_dict()
    state_dict['backbone.conv1.conv.weight'] = torch.zeros(8, 3, 3, 3)
    path = saved(tmp_path, state_dict, 'narrow_stem.pth')
    with pytest.raises(ModelZooError) as error:
        get_model(TORCHVISION_MODEL, pretrained=path,
                  head=dict(num_classes=10))
    message = str(error.value)
    assert str(path) in message
    assert ('backbone.conv1.conv.weight has shape (8, 3, 3, 3) in the '
            'checkpoint but (24, 3, 3, 3) in the model') in message


def test_missing_and_unexpected_keys_outside_the_head_are_named(tmp_path):
    state_dict = get_model(TORCHVISION_MODEL).state_dict()
    del state_dict['backbone.conv1.bn.bias']
    state_dict['neck.extra'] = torch.zeros(1)
    path = saved(tmp_path, state_dict, 'partial.pth')
    with pytest.raises(ModelZooError) as error:
        get_model(TORCHVISION_MODEL, pretrained=path)
    assert 'missing keys: backbone.conv1.bn.bias' in str(error.value)
    assert 'unexpected keys: neck.extra' in str(error.value)


# Heads a fine-tuning user asks for, and what they leave out of a
# 1000-class checkpoint.
NEW_HEADS = {
    'fewer classes': (dict(num_classes=10), [
        'head.fc.weight has shape (1000, 1024) in the checkpoint but '
        '(10, 1024) in the model',
        'head.fc.bias has shape (1000,) in the checkpoint but (10,)'
    ]),
    'another head type': (dict(type='StackedLinearClsHead', num_classes=5,
                               mid_channels=[64]),
                          ['missing keys: head.layers.0.fc.weight',
                           'unexpected keys: head.fc.weight, head.fc.bias']),
}


@pytest.mark.parametrize('new_head', NEW_HEADS)
def test_fine_tuning_keeps_the_backbone_and_initialises_the_head(
        new_head, tmp_path, monkeypatch):
    source = trained_looking(MMPRETRAIN_MODEL)
    path = saved(tmp_path, source.state_dict(), 'in1k.pth')
    logged = []
    monkeypatch.setattr('mmshuffle.apis.model_zoo.print_log',
                        lambda message, **kwargs: logged.append(message))
    head, expected_lines = NEW_HEADS[new_head]
    model = get_model(MMPRETRAIN_MODEL, pretrained=path, head=head)
    expected = source.state_dict()
    for key, value in model.state_dict().items():
        if key.startswith('head.'):
            assert key not in expected or value.shape != expected[key].shape
        else:
            assert torch.equal(value, expected[key]), key
    head_weights = [p for name, p in model.named_parameters()
                    if name.startswith('head.') and p.dim() > 1]
    assert head_weights and all(p.std() > 0 for p in head_weights)
    (line, ) = logged
    assert '\n' not in line and str(path) in line
    assert all(part in line for part in expected_lines), line
    # Neither the checkpoint's 1000 classes nor the config's.
    assert model._dataset_meta == {}


def test_a_whole_checkpoint_loads_into_a_backbone_with_fewer_stages(
        tmp_path):
    source = trained_looking(MMPRETRAIN_MODEL)
    path = saved(tmp_path, source.state_dict(), 'in1k.pth')
    model = get_model(MMPRETRAIN_MODEL, pretrained=path,
                      backbone=dict(out_indices=(0, 1, 2)),
                      neck=None, head=None)
    assert len(model.backbone.stages) == 3
    assert model.backbone.left_out_keys
    images = torch.randn(1, 3, 32, 32)
    x = source.backbone.forward_stem(images)
    for stage, out in zip(source.backbone.layers, model.backbone(images)):
        x = stage(x)
        torch.testing.assert_close(out, x, rtol=0, atol=0)


def test_an_unknown_name_lists_close_matches():
    with pytest.raises(ValueError) as error:
        get_model('shufflenet-v2-1x_16xb46_in1k')
    message = str(error.value)
    assert "unknown model name 'shufflenet-v2-1x_16xb46_in1k'" in message
    assert f"Close matches: '{MMPRETRAIN_MODEL}'" in message


def test_true_for_a_model_without_weights_points_to_one_with_them():
    with pytest.raises(ValueError) as error:
        get_model('shufflenet-v2-0.5x_paper_in1k', pretrained=True)
    assert 'has no published weights' in str(error.value)
    assert repr(TORCHVISION_MODEL) in str(error.value)


def test_pretrained_of_another_type_is_refused():
    with pytest.raises(TypeError, match='pretrained must be True, False'):
        get_model(MMPRETRAIN_MODEL, pretrained=1)


def test_a_missing_index_says_where_it_looked(tmp_path):
    with pytest.raises(MissingDataError) as error:
        load_model_index(tmp_path / 'model-index.yml')
    assert str(tmp_path / 'model-index.yml') in str(error.value)
    assert 'pip install -e .' in str(error.value)


def write_index(root: Path, *metafiles: str) -> Path:
    for number, text in enumerate(metafiles):
        (root / f'meta{number}.yml').write_text(text)
    index = root / 'model-index.yml'
    index.write_text('Import:\n' + ''.join(
        f'  - meta{number}.yml\n' for number in range(len(metafiles))))
    return index


def test_a_name_listed_twice_names_both_metafiles(tmp_path):
    model = 'Models:\n  - Name: twin\n    Config: a.py\n'
    with pytest.raises(ModelZooError, match='meta0.yml and .*meta1.yml'):
        load_model_index(write_index(tmp_path, model, model))


def test_an_unknown_converter_is_refused(tmp_path):
    model = ('Models:\n  - Name: odd\n    Config: a.py\n'
             '    Converter: caffe\n')
    with pytest.raises(ModelZooError,
                       match="Converter 'caffe'; allowed: 'torchvision'"):
        load_model_index(write_index(tmp_path, model))
