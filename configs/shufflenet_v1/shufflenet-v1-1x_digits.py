# ShuffleNet V1 1x (g=3) on the embedded handwritten digits:
# python tools/digits_demo.py --config configs/shufflenet_v1/shufflenet-v1-1x_digits.py
_base_ = [
    '../_base_/models/shufflenet_v1_1x.py',
    '../_base_/datasets/digits_bs32.py',
    '../_base_/schedules/digits_sgd_cosine.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes=10, topk=(1, )))
default_hooks = dict(logger=dict(interval=10))
randomness = dict(seed=0)
