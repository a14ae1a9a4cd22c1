# ShuffleNet V1 1x (g=3) on the embedded handwritten digits:
# python tools/digits_demo.py \
#     --config configs/shufflenet_v1/shufflenet-v1-1x_digits.py
# The ShuffleNetV2 demo's recipe, with half its learning rate and the
# gradient norm clipped: V1 adds its units' outputs to their inputs, and in
# the first epoch the stem's tiny initial weights (std 0.01) take steps far
# larger than themselves, so the loss spikes and the run never catches up.
_base_ = ['../shufflenet_v2/shufflenet-v2-1x_digits.py']
model = dict(
    backbone=dict(_delete_=True, type='mmshuffle.ShuffleNetV1', groups=3),
    head=dict(in_channels=960))
optim_wrapper = dict(optimizer=dict(lr=0.05), clip_grad=dict(max_norm=5.0))
