# ImageNet-1k as imagenet_bs64.py, with 32 images per GPU.
_base_ = './imagenet_bs64.py'
train_dataloader = dict(batch_size=32)
val_dataloader = dict(batch_size=32)
# test_dataloader was copied from the base's val_dataloader, so it is set too.
test_dataloader = dict(batch_size=32)
