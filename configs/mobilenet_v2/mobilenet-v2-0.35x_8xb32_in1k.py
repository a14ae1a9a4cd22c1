# MobileNetV2 0.35 on ImageNet-1k: 8 GPUs x 32 images = 256.
_base_ = [
    '../_base_/models/mobilenet_v2_0.35x.py',
    '../_base_/datasets/imagenet_bs32.py',
    '../_base_/schedules/mobilenet_v2_bs256.py',
    '../_base_/default_runtime.py',
]
