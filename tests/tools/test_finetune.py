"""The fine-tuning config: tools/train.py on a user's ImageNet-style folder
(the digits' class folders), the backbone from a zoo checkpoint of 1000
classes, a new 10-class head."""
import torch

from mmshuffle.apis import get_model
from mmshuffle.compat import load_from_local_safely

from .tiny_digits import ROOT, run_tool

FINETUNE_CONFIG = (ROOT / 'configs' / 'shufflenet_v2' /
                   'shufflenet-v2-1x_8xb32-ft_custom.py')


def test_the_backbone_starts_from_the_zoo_and_the_head_is_new(
        tmp_path, digits_root):
    zoo = get_model('shufflenet-v2-1x_16xb64_in1k')
    source = tmp_path / 'in1k.pth'
    torch.save({'state_dict': zoo.state_dict()}, source)
    loaders = ['train_dataloader', 'val_dataloader', 'test_dataloader']
    options = [f'{loader}.{key}' for loader in loaders for key in (
        f'dataset.data_root={digits_root}', 'dataset.indices=8',
        'batch_size=8', 'num_workers=0', 'persistent_workers=False')]
    run_tool([
        'tools/train.py', str(FINETUNE_CONFIG), '--work-dir',
        str(tmp_path / 'work'), '--cfg-options',
        f'model.backbone.init_cfg.checkpoint={source}',
        'train_cfg.max_epochs=1', 'optim_wrapper.optimizer.lr=0', *options
    ])
    trained = load_from_local_safely(tmp_path / 'work' / 'epoch_1.pth')
    weights = trained['state_dict']
    assert weights['head.fc.weight'].shape == (10, 1024)
    convs = [key for key in weights
             if key.startswith('backbone.') and key.endswith('conv.weight')]
    assert convs
    for key in convs:
        # A learning rate of 0 leaves the loaded weights as they were.
        assert torch.equal(weights[key], zoo.state_dict()[key]), key
