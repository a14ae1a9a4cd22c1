"""The CPU's matrix-multiply rate at each precision: what compute can reach
here, the floor of each runtime's latency."""
import time
from typing import Dict

import torch

# Our precision names and the dtypes of the products timed: float32
# (SGEMM), bfloat16 (AMX or AVX-512 BF16 where the CPU has them) and int8
# (``torch._int_mm``, int32 sums).
PRECISIONS: Dict[str, torch.dtype] = {
    'fp32': torch.float32,
    'bf16': torch.bfloat16,
    'int8': torch.int8,
}


def gemm_gops(precision: str = 'fp32', size: int = 1024,
              repeats: int = 7) -> float:
    """Measure the matrix-multiply rate at one precision, at torch's thread
    count.

    Times ``size`` x ``size`` by ``size`` x ``size`` products and keeps the
    fastest: ``2 * size**3`` operations each. A convolution at that
    precision cannot beat this rate, so a model's operations divided by it
    is the time its arithmetic takes at the least.

    Args:
        precision (str): A key of :data:`PRECISIONS`. Defaults to
            ``'fp32'``.
        size (int): The matrices' side. Defaults to 1024.
        repeats (int): Timed products (after one untimed). Defaults to 7.

    Returns:
        float: Billions of operations per second.

    Raises:
        ValueError: If the precision is unknown, or ``size`` or
            ``repeats`` is below 1.
    """
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {tuple(PRECISIONS)}, '
                         f'got {precision!r}')
    if size < 1 or repeats < 1:
        raise ValueError(f'size and repeats must be at least 1, got '
                         f'size={size}, repeats={repeats}')
    generator = torch.Generator().manual_seed(0)
    if precision == 'int8':
        a, b = (torch.randint(-128, 128, (size, size), generator=generator,
                              dtype=torch.int8) for _ in range(2))
        product = torch._int_mm
    else:
        a, b = (torch.randn(size, size, generator=generator).to(
            PRECISIONS[precision]) for _ in range(2))
        product = torch.mm
    product(a, b)
    best = float('inf')
    for _ in range(repeats):
        start = time.perf_counter()
        product(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9
