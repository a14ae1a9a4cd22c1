# MobileNetV2 1.4 on ImageNet-1k: 8 GPUs x 32 images = 256.
_base_ = [
    '../_base_/models/mobilenet_v2_1.4x.py',
    '../_base_/datasets/imagenet_bs64.py',
    '../_base_/schedules/mobilenet_v2_bs256.py',
    '../_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=32)
val_dataloader = dict(batch_size=32)
test_dataloader = dict(batch_size=32)
