# RetinaNet + FPN on ShuffleNetV2 1x, COCO, 1x schedule (8 GPUs x 2 images).
_base_ = [
    './_base_/retinanet_fpn.py', './_base_/coco_detection.py',
    './_base_/schedule_1x.py', './_base_/default_runtime.py',
    './_base_/pretrained.py'
]
model = dict(
    backbone=dict(
        type='mmshuffle.ShuffleNetV2',
        widen_factor=1.0,
        out_indices=(0, 1, 2),  # strides 8, 16, 32
        frozen_stages=0,
        norm_eval=True,
        init_cfg=dict(
            type='Pretrained',
            checkpoint={{_base_.shufflenet_v2_1x}},
            prefix='backbone.')),
    neck=dict(in_channels=[116, 232, 464]))
optim_wrapper = dict(optimizer=dict(lr=0.01))
