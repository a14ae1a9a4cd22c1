"""Training-step time and peak memory of a classifier, by set-up.

A step is a forward pass, cross-entropy loss, backward pass and SGD with
momentum on one batch of random images. Times are interleaved medians in
this process; peak memory is measured in a fresh process per set-up (the
operating system's peak resident size, less the size before the first
step), so that one set-up's allocations cannot hide another's.
"""
import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from typing import Callable, Dict, Sequence

import torch
import torch.nn.functional as F

from ..deploy.timing import interleaved
from ..models.variants import BY_NAME, Variant
from .classifiers import variant_classifier

# glibc: serve blocks of 128 KiB and more with mmap, a fixed threshold (the
# default adapts upwards to the sizes freed, up to 32 MiB).
MALLOC_ENV = {'MALLOC_MMAP_THRESHOLD_': str(128 * 1024)}


@dataclass(frozen=True)
class TrainingSetup:
    """How a classifier is trained.

    Args:
        implementation (str): ``'mmshuffle'`` or ``'mmpretrain'``.
        with_cp (bool): The backbone's ``with_cp`` (recompute activations in
            the backward pass).
        channels_last (bool): Weights and images in the channels-last
            memory layout.
        bf16 (bool): The forward pass and the loss in bfloat16 autocast, as
            ``tools/train.py --amp`` trains on a CPU
            (:class:`mmshuffle.engine.CPUAmpOptimWrapper`). Defaults to
            False.
    """

    implementation: str
    with_cp: bool
    channels_last: bool
    bf16: bool = False

    @property
    def label(self) -> str:
        """str: e.g. ``'mmshuffle, with_cp, channels_last'``."""
        options = [name for name in ('with_cp', 'channels_last', 'bf16')
                   if getattr(self, name)]
        return ', '.join([self.implementation] + options)


def every_setup() -> Sequence[TrainingSetup]:
    """Each implementation with and without ``with_cp`` and channels-last,
    and, on a CPU that computes in bfloat16, mmshuffle channels-last in
    bfloat16 autocast (``--amp``).

    Returns:
        list[TrainingSetup]: Eight or nine set-ups, mmshuffle's first.
    """
    from mmshuffle.engine import cpu_has_bf16
    setups = [
        TrainingSetup(implementation, with_cp, channels_last)
        for implementation in ('mmshuffle', 'mmpretrain')
        for with_cp in (False, True) for channels_last in (False, True)
    ]
    if cpu_has_bf16():
        setups.insert(4, TrainingSetup('mmshuffle', False, True, bf16=True))
    return setups


def training_step(variant: Variant, setup: TrainingSetup, batch: int,
                  size: int) -> Callable[[], None]:
    """Build a classifier, an optimiser and a batch; return one step.

    Args:
        variant (Variant): The backbone.
        setup (TrainingSetup): How it is trained.
        batch (int): Images per step.
        size (int): Their height and width.

    Returns:
        Callable: A function that runs one training step.
    """
    model = variant_classifier(variant, setup.implementation,
                               with_cp=setup.with_cp).train()
    generator = torch.Generator().manual_seed(0)
    images = torch.randn(batch, 3, size, size, generator=generator)
    labels = torch.randint(1000, (batch, ), generator=generator)
    if setup.channels_last:
        model = model.to(memory_format=torch.channels_last)
        images = images.contiguous(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast('cpu', dtype=torch.bfloat16,
                            enabled=setup.bf16):
            loss = F.cross_entropy(model(images, mode='tensor'), labels)
        loss.backward()
        optimizer.step()

    return step


def time_training_steps(variant: Variant,
                        setups: Sequence[TrainingSetup],
                        batch: int = 32,
                        size: int = 224,
                        rounds: int = 3) -> Dict[TrainingSetup, float]:
    """Median seconds per training step of each set-up, interleaved.

    Each set-up takes one untimed step, then one timed step per round, in
    an order of the round's own
    (:func:`mmshuffle.deploy.timing.interleaved`).

    Args:
        variant (Variant): The backbone.
        setups (Sequence[TrainingSetup]): The set-ups.
        batch (int): Images per step. Defaults to 32.
        size (int): Their height and width. Defaults to 224.
        rounds (int): Timed steps of each. Defaults to 3.

    Returns:
        dict[TrainingSetup, float]: Median seconds per step.
    """
    steps = {setup: training_step(variant, setup, batch, size)
             for setup in setups}
    return interleaved(steps, rounds)


def _memory_status(field: str) -> int:
    """A memory field of ``/proc/self/status`` (``VmRSS``, ``VmHWM``), in
    bytes."""
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith(f'{field}:'):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f'/proc/self/status has no {field}')


def _peak_in_this_process(variant: Variant, setup: TrainingSetup,
                          batch: int, size: int) -> int:
    """Peak resident bytes of two training steps over the size before."""
    step = training_step(variant, setup, batch, size)
    before = _memory_status('VmRSS')
    step()
    step()
    # The high-water mark of this process's memory (getrusage's ru_maxrss
    # would also count the parent's peak, which Linux keeps across exec).
    return _memory_status('VmHWM') - before


def peak_training_memory(variant: Variant,
                         setup: TrainingSetup,
                         batch: int = 32,
                         size: int = 224,
                         threads: int = 1) -> int:
    """Peak memory of training steps, measured in a fresh process.

    What the steps add to the process's resident size at its peak: the
    activations kept for the backward pass, gradients, the optimiser's
    momentum and the kernels' work space. The process allocates every
    block of 128 KiB or more with ``mmap`` (:data:`MALLOC_ENV`), so that
    memory freed goes back to the system at once and the resident size
    follows the tensors alive, as a GPU allocator's peak statistics do;
    with glibc's adaptive threshold, blocks freed during the forward pass
    stay resident and the peak says more about fragmentation than about
    the model. Linux only (``/proc``).

    Args:
        variant (Variant): The backbone.
        setup (TrainingSetup): How it is trained.
        batch (int): Images per step. Defaults to 32.
        size (int): Their height and width. Defaults to 224.
        threads (int): torch threads of the process. Defaults to 1.

    Returns:
        int: Bytes.

    Raises:
        RuntimeError: If the process fails, with its error output.
    """
    request = dict(variant=variant.name, setup=asdict(setup), batch=batch,
                   size=size, threads=threads)
    result = subprocess.run(
        [sys.executable, '-m', __name__, json.dumps(request)],
        capture_output=True, text=True, env=dict(os.environ, **MALLOC_ENV))
    if result.returncode != 0:
        raise RuntimeError(f'measuring the peak memory of {variant.name} '
                           f'({setup.label}) failed:\n'
                           f'{result.stderr[-2000:]}')
    return int(result.stdout.strip().splitlines()[-1])


def _main(request: str) -> None:
    """Measure one set-up's peak memory and print it (the child process)."""
    options = json.loads(request)
    torch.set_num_threads(options['threads'])
    variant = BY_NAME[options['variant']]
    print(_peak_in_this_process(variant,
                                TrainingSetup(**options['setup']),
                                options['batch'], options['size']))


if __name__ == '__main__':
    _main(sys.argv[1])
