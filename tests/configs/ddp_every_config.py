"""Run by torchrun on 2 CPU ranks: two training steps of every config's
model, wrapped as MMEngine wraps it (MMDistributedDataParallel without
find_unused_parameters), on a toy batch; print one line per config.

    python -m torch.distributed.run --nproc_per_node 2 \
        tests/configs/ddp_every_config.py CONFIG [CONFIG ...]
"""
import sys

import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import OptimWrapper
from mmengine.registry import MODELS, DefaultScope
from mmengine.utils import import_modules_from_strings

import mmshuffle.compat  # noqa: F401

# Toy image sizes: classification, and detection (every detector's
# strides divide it).
CLASSIFICATION_SIZE = 64
DETECTION_SIZE = 128


def classification_batch(size: int) -> dict:
    from mmpretrain.structures import DataSample
    return dict(
        inputs=[torch.randint(0, 256, (3, size, size), dtype=torch.uint8)
                for _ in range(2)],
        data_samples=[DataSample().set_gt_label(label) for label in (0, 1)])


def detection_batch(size: int) -> dict:
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    samples = []
    for label in (0, 1):
        sample = DetDataSample(metainfo=dict(
            img_shape=(size, size), ori_shape=(size, size),
            scale_factor=(1.0, 1.0)))
        sample.gt_instances = InstanceData(
            bboxes=torch.tensor([[8.0, 12.0, 70.0, 90.0],
                                 [40.0, 30.0, 120.0, 110.0]]),
            labels=torch.tensor([label, label + 1]))
        samples.append(sample)
    return dict(
        inputs=[torch.randint(0, 256, (3, size, size), dtype=torch.uint8)
                for _ in range(2)],
        data_samples=samples)


def build(path: str):
    """The config's model, without the checkpoint its backbone would load."""
    cfg = Config.fromfile(path)
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    cfg.model.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    cfg.model.backbone.pop('init_cfg', None)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    model.init_weights()
    return cfg.default_scope, model


def main(paths) -> None:
    dist.init_process_group('gloo')
    torch.set_num_threads(1)
    torch.manual_seed(dist.get_rank())
    for path in paths:
        scope, model = build(path)
        batch = (detection_batch(DETECTION_SIZE) if scope == 'mmdet' else
                 classification_batch(CLASSIFICATION_SIZE))
        wrapped = MMDistributedDataParallel(
            model, device_ids=None, broadcast_buffers=False,
            find_unused_parameters=False)
        optim_wrapper = OptimWrapper(
            torch.optim.SGD(model.parameters(), lr=0.01))
        with DefaultScope.overwrite_default_scope(scope):
            for _ in range(2):
                wrapped.train_step(batch, optim_wrapper)
        checksum = torch.stack(
            [p.detach().double().sum() for p in model.parameters()])
        gathered = [torch.zeros_like(checksum) for _ in range(2)]
        dist.all_gather(gathered, checksum)
        same = torch.equal(gathered[0], gathered[1])
        if dist.get_rank() == 0:
            print(f'{"trained" if same else "DIFFER"}: {path}', flush=True)
    dist.destroy_process_group()


if __name__ == '__main__':
    main(sys.argv[1:])
