# The runtime every mmshuffle config shares. Models are written
# type='mmshuffle.X' under mmpretrain's default scope, so mmpretrain's
# classifiers, heads, datasets and metrics are used as they are.
default_scope = 'mmpretrain'
custom_imports = dict(
    imports=['mmshuffle.models', 'mmshuffle.engine', 'mmshuffle.compat'],
    allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
)
# EpochSeedHook reseeds every generator at each epoch, so that a resumed run
# repeats the uninterrupted one (see mmshuffle/engine/epoch_seed_hook.py).
# SyncBuffersHook averages the batch-norm statistics of distributed ranks
# after each epoch (SyncBN is GPU-only), so every rank evaluates and saves
# the same model; it does nothing in a single process.
custom_hooks = [
    dict(type='mmshuffle.EpochSeedHook'),
    dict(type='SyncBuffersHook'),
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to gloo on machines without CUDA.
    dist_cfg=dict(backend='nccl'),
)

# Scalars go to <work_dir>/<timestamp>/vis_data/scalars.json, which
# tools/analysis_tools/analyze_logs.py plots. For TensorBoard, add
# dict(type='TensorboardVisBackend') (needs `pip install tensorboard`).
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=None, deterministic=False)
