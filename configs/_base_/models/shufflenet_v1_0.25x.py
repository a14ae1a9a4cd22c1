# ShuffleNet V1 0.25x, g=3: the 1x model with another width.
_base_ = './shufflenet_v1_1x.py'
model = dict(
    backbone=dict(widen_factor=0.25),
    head=dict(in_channels=240))
