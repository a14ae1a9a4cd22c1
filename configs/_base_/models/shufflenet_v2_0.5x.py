# ShuffleNet V2 0.5x: the 1x model with another width.
_base_ = './shufflenet_v2_1x.py'
model = dict(
    backbone=dict(widen_factor=0.5),
    head=dict(in_channels=1024))  # the final conv has 1024 up to 1.5x
