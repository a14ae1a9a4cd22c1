# MobileNetV2 1.4: the 1x model with another width.
_base_ = './mobilenet_v2_1x.py'
model = dict(
    backbone=dict(widen_factor=1.4),
    head=dict(in_channels=1792))  # 1280 x 1.4
