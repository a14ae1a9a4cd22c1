"""Fixes for MMEngine 0.10.7 on current PyTorch; importing this module
applies them.

- Loading: torch >= 2.6 loads with ``weights_only=True``, which rejects
  MMEngine's own checkpoints (so ``--resume`` and ``load_from`` fail),
  while MMEngine reads URLs through ``torch.hub.load_state_dict_from_url``
  with ``weights_only=False``. Local files and URLs alike now load with
  ``weights_only=True`` and an allowlist of exactly what MMEngine
  checkpoints hold; anything else is refused with
  :class:`UnsafeCheckpointError`.
- Saving: local files are written to a temporary file and renamed, so an
  interrupted save never leaves a corrupt latest checkpoint.
- Distributed training on CPU: see :func:`setup_cpu_distributed`.

:mod:`mmshuffle.compat.mmdet_fixes`, imported by the detection configs,
fixes MMDetection 3.3.0's SSD head, which cannot predict.

The configs under ``configs/`` import this module through
``custom_imports``, so the fixes also hold under mmpretrain's own tools.
"""
from .atomic_files import (
    AtomicLocalBackend,
    atomic_write,
    install_atomic_local_backend,
)
from .distributed import setup_cpu_distributed
from .safe_checkpoint import (
    UnsafeCheckpointError,
    download_to_cache,
    install_safe_local_loader,
    load_from_local_safely,
    load_url_safely,
    safe_globals_for_mmengine,
)

install_safe_local_loader()
install_atomic_local_backend()

__all__ = [
    'AtomicLocalBackend', 'atomic_write', 'install_atomic_local_backend',
    'setup_cpu_distributed', 'UnsafeCheckpointError',
    'install_safe_local_loader', 'load_from_local_safely', 'load_url_safely',
    'download_to_cache', 'safe_globals_for_mmengine'
]
