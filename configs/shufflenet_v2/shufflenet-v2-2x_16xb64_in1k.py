# ShuffleNet V2 2x on ImageNet-1k: 16 GPUs x 64 images = 1024.
_base_ = [
    '../_base_/models/shufflenet_v2_2x.py',
    '../_base_/datasets/imagenet_bs64.py',
    '../_base_/schedules/shufflenet_bs1024_linear.py',
    '../_base_/default_runtime.py',
]
