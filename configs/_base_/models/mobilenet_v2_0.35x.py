# MobileNetV2 0.35: the 1x model with another width.
_base_ = './mobilenet_v2_1x.py'
model = dict(
    backbone=dict(widen_factor=0.35),
    head=dict(in_channels=1280))  # the final conv stays 1280 below 1.0
