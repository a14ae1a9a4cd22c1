"""A benchmark run's results, made up: what the report's tests draw."""
from dataclasses import asdict
from typing import Dict

from mmshuffle.benchmark.runtimes import (
    MMPRETRAIN_EAGER,
    MMSHUFFLE_BF16,
    MMSHUFFLE_DEPLOY,
    MMSHUFFLE_EAGER,
    MMSHUFFLE_INT8,
    PEER_ONNXRUNTIME,
    PEER_OPENVINO,
    TORCHVISION_EAGER,
)
from mmshuffle.benchmark.training_speed import TrainingSetup

V2_MS = {TORCHVISION_EAGER: 12.0, MMPRETRAIN_EAGER: 13.0,
         MMSHUFFLE_EAGER: 12.5, MMSHUFFLE_DEPLOY: 4.0, MMSHUFFLE_INT8: 3.0,
         MMSHUFFLE_BF16: 3.0, PEER_ONNXRUNTIME: 5.0, PEER_OPENVINO: 4.5}
# ShuffleNetV1's deploy path misses two targets: 2x (< 2.5x) over
# mmpretrain's eager model, 0.9x ONNX Runtime on its export.
V1_MS = {MMPRETRAIN_EAGER: 9.0, MMSHUFFLE_EAGER: 9.5, MMSHUFFLE_DEPLOY: 4.5,
         MMSHUFFLE_INT8: 3.5, PEER_ONNXRUNTIME: 4.05}
# (set-up, seconds per step, peak MB)
TRAINING = [
    (TrainingSetup('mmshuffle', False, False), 1.0, 600),
    (TrainingSetup('mmshuffle', False, True), 0.75, 600),
    (TrainingSetup('mmshuffle', True, False), 1.3, 240),
    (TrainingSetup('mmshuffle', True, True), 0.9, 270),
    (TrainingSetup('mmpretrain', False, False), 1.05, 600),
    (TrainingSetup('mmpretrain', False, True), 0.8, 600),
    (TrainingSetup('mmpretrain', True, False), 1.4, 300),
    (TrainingSetup('mmpretrain', True, True), 1.1, 300),
]


# The backends ShuffleNetV2's optimised runtimes chose (ShuffleNetV1's are
# left out, as in the results of runs before they were recorded).
V2_BACKENDS = {MMSHUFFLE_DEPLOY: 'onnxruntime',
               MMSHUFFLE_INT8: 'openvino-int8',
               MMSHUFFLE_BF16: 'openvino-bf16'}


# On the batch ShuffleNetV2's deploy path, optimised there, chose OpenVINO
# and ran 400 images/s: as fast as ONNX Runtime on the peer's export, slower
# than OpenVINO on it.
V2_BATCH_BACKENDS = dict(V2_BACKENDS, **{MMSHUFFLE_DEPLOY: 'openvino'})
V2_DEPLOY_ON_BATCH = 400.0
# ShuffleNetV2's rounds, kept for its deploy path and OpenVINO on the peer's
# export (their medians as above): at batch 1 the deploy path's speed-up
# over it was 1.00x, 1.10x, 1.125x, 1.15x and 1.25x round by round; at
# batch 32 1.00x, 0.90x and 0.80x.
V2_ROUNDS_MS = {MMSHUFFLE_DEPLOY: [4.0] * 5,
                PEER_OPENVINO: [4.0, 4.4, 4.5, 4.6, 5.0]}
V2_BATCH_ROUNDS = {MMSHUFFLE_DEPLOY: [400.0] * 3,
                   PEER_OPENVINO: [400.0, 444.4, 500.0]}


def model(title, peer, mflops, ms, backends=None, batch_backends=None,
          deploy_on_batch=None, rounds_ms=None, batch_rounds=None):
    images_per_second = {runtime: 2e3 / t for runtime, t in ms.items()}
    if deploy_on_batch is not None:
        images_per_second[MMSHUFFLE_DEPLOY] = deploy_on_batch
    optional = dict(backends=backends, batch_backends=batch_backends,
                    latency_rounds_ms=rounds_ms,
                    images_per_second_rounds=batch_rounds)
    return dict(title=title, peer=peer, mflops=mflops, latency_ms=ms,
                images_per_second=images_per_second,
                **{field: value for field, value in optional.items()
                   if value is not None})


def stub_results() -> Dict:
    """Two models' inference, one model's training, a sweep of three."""
    return dict(
        date='2026-11-30', command='python tools/analysis_tools/benchmark.py',
        machine='a CPU, 2 cores', threads=1, size=224, batch=32, rounds=15,
        batch_rounds=5, training_rounds=5,
        gemm_gops=dict(fp32=100.0, bf16=300.0, int8=400.0),
        inference=dict(
            v2=model('ShuffleNetV2 1x', 'torchvision', 146, V2_MS,
                     V2_BACKENDS, V2_BATCH_BACKENDS, V2_DEPLOY_ON_BATCH,
                     V2_ROUNDS_MS, V2_BATCH_ROUNDS),
            v1=model('ShuffleNetV1 1x g=3', 'mmpretrain', 137.5, V1_MS)),
        training=[dict(model='ShuffleNetV2 1x', setup=asdict(setup),
                       seconds=seconds, peak_bytes=megabytes * 2**20)
                  for setup, seconds, megabytes in TRAINING],
        sweep=[dict(variant=name, family=family, mflops=mflops, top1=top1,
                    runtime=runtime, ms=ms)
               for name, family, mflops, top1 in (
                   ('shufflenet-v2-0.5x', 'ShuffleNetV2', 41, 60.552),
                   ('shufflenet-v2-1x', 'ShuffleNetV2', 146, 69.55),
                   ('shufflenet-v1-0.25x-g8', 'ShuffleNetV1', 13, None))
               for runtime, ms in (('mmshuffle deploy', mflops / 40),
                                   ('mmshuffle eager', mflops / 12))])
