# ShuffleNet V2 1x with a 1000-way linear classifier.
# The backbone is ours: always keep the `mmshuffle.` prefix, or mmpretrain's
# default scope would build its own ShuffleNetV2.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='mmshuffle.ShuffleNetV2', widen_factor=1.0),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=1024,  # channels of the final 1x1 conv
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5),
    ))
