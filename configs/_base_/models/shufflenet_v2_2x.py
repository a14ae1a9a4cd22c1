# ShuffleNet V2 2x: the 1x model with another width.
_base_ = './shufflenet_v2_1x.py'
model = dict(
    backbone=dict(widen_factor=2.0),
    head=dict(in_channels=2048))
