# The embedded demo data: scikit-learn's 1,797 handwritten digits (8x8
# greyscale, 10 classes) as an ImageNet-style folder of PNG files, written by
# `python tools/dataset_converters/digits.py data/digits` (`make demo` does).
# The images take the path an ImageNet user's data takes: CustomDataset,
# LoadImageFromFile, then the transforms.
dataset_type = 'CustomDataset'
data_root = 'data/digits'
# How to make the data when data_root is missing (tools/train.py says so).
data_preparation = 'python tools/dataset_converters/digits.py {data_root}'
image_size = 64
classes = [str(digit) for digit in range(10)]

data_preprocessor = dict(
    num_classes=10,
    mean=[127.5, 127.5, 127.5],
    std=[127.5, 127.5, 127.5],
    to_rgb=False,
)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(image_size, image_size)),
    # Shifts of up to 1/8 of the image: the digits are centred, so this is
    # the augmentation that matters; flips would turn digits into others.
    dict(type='RandomCrop', crop_size=image_size, padding=image_size // 8),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(image_size, image_size)),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    # Workers restart each epoch, so that a resumed run repeats the
    # uninterrupted one (see mmshuffle.EpochSeedHook).
    persistent_workers=False,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='meta/train.txt',
        data_prefix='train',
        classes=classes,
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='meta/val.txt',
        data_prefix='val',
        classes=classes,
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, ))

test_dataloader = val_dataloader
test_evaluator = val_evaluator
