import pytest
from mmengine.config import Config

from mmshuffle.cli import check_data_roots
from mmshuffle.errors import MissingDataError


def config(data_root, **extra):
    return Config(
        dict(
            train_dataloader=dict(
                dataset=dict(
                    type='RepeatDataset',
                    times=2,
                    dataset=dict(type='ImageNet', data_root=data_root))),
            val_dataloader=dict(
                dataset=dict(type='CIFAR10', data_root=data_root, **extra)),
        ))


def test_missing_root_inside_a_wrapper_is_named_with_a_remedy(tmp_path):
    missing = tmp_path / 'imagenet'
    with pytest.raises(MissingDataError) as error:
        check_data_roots(config(str(missing)), ('train', ))
    message = str(error.value)
    assert message.startswith('train_dataloader.dataset.dataset.data_root: '
                              f"the folder '{missing}' does not exist")
    assert 'image-net.org' in message
    assert '--cfg-options train_dataloader.dataset.dataset.data_root=PATH' \
        in message


def test_existing_roots_and_self_downloading_datasets_pass(tmp_path):
    check_data_roots(config(str(tmp_path)), ('train', 'val'))
    check_data_roots(
        config(str(tmp_path / 'cifar'), download=True), ('val', ))


def test_config_data_preparation_is_the_remedy(tmp_path):
    cfg = config(str(tmp_path / 'digits'))
    cfg.data_preparation = 'python make_data.py {data_root}'
    with pytest.raises(MissingDataError,
                       match=f'`python make_data.py {tmp_path}/digits`'):
        check_data_roots(cfg, ('val', ))
