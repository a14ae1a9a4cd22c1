"""The CPU's float32 matrix-multiply rate: what compute can reach here."""
import time

import torch


def sgemm_gflops(size: int = 1024, repeats: int = 7) -> float:
    """Measure the float32 matrix-multiply rate at torch's thread count.

    Times ``size`` x ``size`` by ``size`` x ``size`` products and keeps the
    fastest: ``2 * size**3`` floating-point operations each. A convolution
    cannot beat this rate, so a model's FLOPs divided by it is the time its
    arithmetic takes at the least.

    Args:
        size (int): The matrices' side. Defaults to 1024.
        repeats (int): Timed products (after one untimed). Defaults to 7.

    Returns:
        float: Billions of floating-point operations per second.

    Raises:
        ValueError: If ``size`` or ``repeats`` is below 1.
    """
    if size < 1 or repeats < 1:
        raise ValueError(f'size and repeats must be at least 1, got '
                         f'size={size}, repeats={repeats}')
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=generator)
    b = torch.randn(size, size, generator=generator)
    out = torch.empty(size, size)
    torch.mm(a, b, out=out)
    best = float('inf')
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b, out=out)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9
