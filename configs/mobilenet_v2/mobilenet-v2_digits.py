# MobileNetV2 1.0 on the embedded handwritten digits:
# python tools/digits_demo.py --config configs/mobilenet_v2/mobilenet-v2_digits.py
_base_ = [
    '../_base_/models/mobilenet_v2_1x.py',
    '../_base_/datasets/digits_bs32.py',
    '../_base_/schedules/digits_sgd_cosine.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes=10, topk=(1, )))
default_hooks = dict(logger=dict(interval=10))
randomness = dict(seed=0)
