# Fine-tune ShuffleNet V2 1x from the zoo's ImageNet weights on your own
# ImageNet-style folder: data/custom_dataset/train/<class>/*.jpg and
# data/custom_dataset/val/<class>/*.jpg (class names from the folder names,
# as mmpretrain's CustomDataset reads them). Set num_classes below to how
# many class folders you have, or override both places on the command line:
#   python tools/train.py \
#       configs/shufflenet_v2/shufflenet-v2-1x_8xb32-ft_custom.py \
#       --cfg-options model.head.num_classes=5 \
#       data_preprocessor.num_classes=5 \
#       train_dataloader.dataset.data_root=PATH \
#       val_dataloader.dataset.data_root=PATH
# The backbone starts from the weights; the head is new. Point
# model.backbone.init_cfg.checkpoint at a local file to train offline.
_base_ = [
    '../_base_/models/shufflenet_v2_1x.py',
    '../_base_/datasets/imagenet_bs32.py',
    '../_base_/default_runtime.py',
]
num_classes = 10
# mmpretrain's ShuffleNet V2 1x ImageNet weights (69.55% top-1, see
# configs/shufflenet_v2/README.md), read safely (weights_only=True).
checkpoint = ('https://download.openmmlab.com/mmclassification/v0/'
              'shufflenet_v2/shufflenet_v2_batch1024_imagenet_20200812-'
              '5bf4721e.pth')
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained', checkpoint=checkpoint, prefix='backbone.')),
    head=dict(num_classes=num_classes, topk=(1, )))
data_preprocessor = dict(num_classes=num_classes)

dataset_type = 'CustomDataset'
data_root = 'data/custom_dataset'
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        data_prefix='train',
        pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        data_prefix='val',
        pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator

# A short schedule at a tenth of the from-scratch learning rate, scaled to
# a total batch of 256 (8 x 32): the backbone already knows images.
max_epochs = 30
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=4e-5),
    paramwise_cfg=dict(norm_decay_mult=0.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=256)
