# ImageNet-1k, 64 images per GPU, with mmpretrain's standard augmentation.
# data/imagenet holds train/ and val/ (class folders, or images listed in
# meta/train.txt and meta/val.txt).
dataset_type = 'ImageNet'
data_root = 'data/imagenet'
data_preprocessor = dict(
    num_classes=1000,
    # ImageNet's per-channel mean and std, in RGB order, on 0-255 pixels.
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,  # OpenCV decodes to BGR
)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]

# The usual single centre crop: short side to 256, then 224x224.
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]

# Persistent workers spare restarting five processes every epoch; the price
# is that a resumed run no longer repeats the augmentation of an
# uninterrupted one exactly (see mmshuffle.EpochSeedHook).
train_dataloader = dict(
    batch_size=64,
    num_workers=5,
    persistent_workers=True,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)

val_dataloader = dict(
    batch_size=64,
    num_workers=5,
    persistent_workers=True,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, 5))

# ImageNet's test set has no labels, so testing reports on val.
test_dataloader = val_dataloader
test_evaluator = val_evaluator
