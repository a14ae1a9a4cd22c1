# The embedded detection demo (`make demo-det`): FCOS + FPN on ShuffleNetV2
# 1x, trained from scratch on generated shapes (160x160 images, three
# classes, COCO format) and evaluated with mmdet's CocoMetric.
_base_ = [
    './_base_/fcos_fpn.py', './_base_/coco_detection.py',
    './_base_/default_runtime.py'
]

data_root = 'data/shapes/'
# How to make the data when data_root is missing (tools/train.py says so).
data_preparation = 'python tools/dataset_converters/shapes.py {data_root}'
metainfo = dict(classes=('circle', 'square', 'triangle'))

model = dict(
    backbone=dict(
        type='mmshuffle.ShuffleNetV2',
        widen_factor=1.0,
        out_indices=(0, 1, 2),  # strides 8, 16, 32
    ),
    neck=dict(in_channels=[116, 232, 464], out_channels=96, num_outs=3),
    bbox_head=dict(
        num_classes=3,
        in_channels=96,
        feat_channels=96,
        stacked_convs=2,
        strides=[8, 16, 32],
        # The objects are 16-64 pixels: one level per size band.
        regress_ranges=((-1, 32), (32, 64), (64, 1e8))))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    # The images are 160x160 already; Resize records the scale factor that
    # the head's post-processing needs.
    dict(type='Resize', scale=(160, 160), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor')),
]
# The COCO loaders of coco_detection.py, pointed at the shapes. Workers
# restart every epoch, so that a resumed run repeats an uninterrupted one.
train_dataloader = dict(
    batch_size=8,
    persistent_workers=False,
    batch_sampler=None,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_train.json',
        data_prefix=dict(img='train/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=0),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_val.json',
        data_prefix=dict(img='val/'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator

max_epochs = 45
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=15)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0),
    clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=100),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs,
         eta_min=1e-5, convert_to_iter_based=True),
]
default_hooks = dict(logger=dict(interval=10))
randomness = dict(seed=0)
