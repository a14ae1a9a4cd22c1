# mmpretrain's ImageNet checkpoints of the three families; they load into
# our backbones unchanged (same keys). A detector takes the classifier's
# backbone.* weights: init_cfg=dict(type='Pretrained', checkpoint=...,
# prefix='backbone.'). A local file works the same way, e.g. a checkpoint
# that tools/train.py wrote for one of configs/shufflenet_v2/*.py.
openmmlab = 'https://download.openmmlab.com/mmclassification/v0/'
shufflenet_v1_1x_g3 = openmmlab + (
    'shufflenet_v1/shufflenet_v1_batch1024_imagenet_20200804-5d6cec73.pth')
shufflenet_v2_1x = openmmlab + (
    'shufflenet_v2/shufflenet_v2_batch1024_imagenet_20200812-5bf4721e.pth')
mobilenet_v2_1x = openmmlab + (
    'mobilenet_v2/mobilenet_v2_batch256_imagenet_20200708-3b2dc3af.pth')
