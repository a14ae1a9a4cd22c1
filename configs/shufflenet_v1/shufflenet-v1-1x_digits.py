# ShuffleNet V1 1x (g=3) on the embedded handwritten digits, with the recipe
# of the ShuffleNetV2 demo:
# python tools/digits_demo.py --config configs/shufflenet_v1/shufflenet-v1-1x_digits.py
_base_ = ['../shufflenet_v2/shufflenet-v2-1x_digits.py']
model = dict(
    backbone=dict(_delete_=True, type='mmshuffle.ShuffleNetV1', groups=3),
    head=dict(in_channels=960))
