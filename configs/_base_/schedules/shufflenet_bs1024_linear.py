# ShuffleNet's recipe for a total batch of 1024 (the V1 paper, Sec. 4):
# SGD from lr 0.5 down to 0 linearly, weight decay 4e-5; plus mmpretrain's
# warm-up and no weight decay on the norm layers.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.5, momentum=0.9, weight_decay=4e-5),
    paramwise_cfg=dict(norm_decay_mult=0),
)

param_scheduler = [
    # 5000 iterations at a tenth of the rate.
    dict(type='ConstantLR', factor=0.1, by_epoch=False, begin=0, end=5000),
    # power=1 is a straight line; without `end` it runs to the last iteration.
    dict(type='PolyLR', power=1.0, eta_min=0, by_epoch=False, begin=5000),
]

train_cfg = dict(by_epoch=True, max_epochs=300, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# tools/train.py --auto-scale-lr scales lr by (total batch) / 1024.
auto_scale_lr = dict(base_batch_size=1024)
