"""Distributed training on machines without CUDA."""
import torch
import torch.distributed as dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config) -> bool:
    """Prepare a ``--launcher pytorch`` run for CPU ranks with gloo.

    MMEngine 0.10.7 cannot train distributed on CPU: its ``init_dist``
    calls ``torch.cuda.set_device``, and the runner wraps the model in
    DistributedDataParallel with ``device_ids=[local_rank]``, which DDP
    rejects for a CPU module. On a machine without CUDA this initialises the
    gloo process group from torchrun's environment (so the runner skips
    ``init_dist``) and sets ``device_ids=None`` in ``model_wrapper_cfg``.
    With CUDA, or without a launcher, nothing changes.

    Args:
        cfg (Config): The run's config, with ``launcher`` set; changed in
            place.

    Returns:
        bool: Whether the CPU set-up was applied.
    """
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return False
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg.backend = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    return True
