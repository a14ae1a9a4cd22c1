# ShuffleNet V2 1x on CIFAR-10: 8 GPUs x 16 images = 128, 100 epochs.
# The ImageNet stem is kept, so the 32x32 inputs end as 1x1 maps: a baseline
# for checking the pipeline end to end, not a CIFAR-tuned network.
_base_ = [
    '../_base_/models/shufflenet_v2_1x.py',
    '../_base_/datasets/cifar10_bs16.py',
    '../_base_/default_runtime.py',
]

model = dict(head=dict(num_classes=10))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(norm_decay_mult=0),
)
# One epoch of linear warm-up, then a cosine decay to 0.
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        by_epoch=True,
        end=1,
        convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, eta_min=0),
]

train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=5)
val_cfg = dict()
test_cfg = dict()

auto_scale_lr = dict(base_batch_size=128)
