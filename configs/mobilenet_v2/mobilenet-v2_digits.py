# MobileNetV2 1.0 on the embedded handwritten digits, with the recipe of the
# ShuffleNetV2 demo:
# python tools/digits_demo.py \
#     --config configs/mobilenet_v2/mobilenet-v2_digits.py
_base_ = ['../shufflenet_v2/shufflenet-v2-1x_digits.py']
model = dict(
    backbone=dict(_delete_=True, type='mmshuffle.MobileNetV2'),
    head=dict(in_channels=1280))
