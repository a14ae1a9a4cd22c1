# MobileNetV2's rates (the paper, Sec. 6.1: lr 0.045, x0.98 after every
# epoch, weight decay 4e-5) with SGD instead of RMSProp, for a total batch of
# 256 over 300 epochs.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.045, momentum=0.9, weight_decay=4e-5))

param_scheduler = dict(type='StepLR', by_epoch=True, step_size=1, gamma=0.98)

train_cfg = dict(by_epoch=True, max_epochs=300, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# tools/train.py --auto-scale-lr scales lr by (total batch) / 256.
auto_scale_lr = dict(base_batch_size=256)
