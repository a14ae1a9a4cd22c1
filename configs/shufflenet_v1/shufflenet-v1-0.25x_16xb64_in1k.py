# ShuffleNet V1 0.25x (g=3) on ImageNet-1k: 16 GPUs x 64 images = 1024.
_base_ = [
    '../_base_/models/shufflenet_v1_0.25x.py',
    '../_base_/datasets/imagenet_bs64.py',
    '../_base_/schedules/shufflenet_bs1024_linear.py',
    '../_base_/default_runtime.py',
]
