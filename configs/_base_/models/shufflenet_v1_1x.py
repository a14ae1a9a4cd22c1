# ShuffleNet V1 1x, g=3, with a 1000-way linear classifier.
# The backbone is ours: always keep the `mmshuffle.` prefix, or mmpretrain's
# default scope would build its own ShuffleNetV1.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='mmshuffle.ShuffleNetV1', groups=3, widen_factor=1.0),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=960,  # channels of the last stage
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5),
    ))
