# ShuffleNet V2 1x on the embedded handwritten digits (`make demo`).
_base_ = [
    '../_base_/models/shufflenet_v2_1x.py',
    '../_base_/datasets/digits_bs32.py',
    '../_base_/schedules/digits_sgd_cosine.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes=10, topk=(1, )))
default_hooks = dict(logger=dict(interval=10))
randomness = dict(seed=0)
