"""The CPU this process runs on: its model and the instruction sets that
decide which kernels and precisions are fast."""
import os
import platform
from typing import Tuple

# The flags of /proc/cpuinfo that the deploy paths' kernels use, from the
# widest matrix engine down: AMX (bf16, int8 tiles), AVX-512 with bf16 and
# VNNI (int8 dot products), AVX-VNNI, AVX2.
ISA_FLAGS = ('amx_bf16', 'amx_int8', 'avx512_bf16', 'avx512_vnni',
             'avx512f', 'avx_vnni', 'avx2')


def _cpuinfo_field(name: str) -> str:
    """The first value of a field of /proc/cpuinfo, or '' if none."""
    try:
        with open('/proc/cpuinfo') as cpuinfo:
            for line in cpuinfo:
                if line.split(':', 1)[0].strip() == name:
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return ''


def cpu_model() -> str:
    """The CPU's model name.

    Returns:
        str: E.g. ``'Intel(R) Xeon(R) Processor'``; ``platform.processor()``
        where /proc/cpuinfo has none, else ``'unknown CPU'``.
    """
    return (_cpuinfo_field('model name') or platform.processor()
            or 'unknown CPU')


def isa_flags() -> Tuple[str, ...]:
    """Which of :data:`ISA_FLAGS` the CPU has.

    Returns:
        tuple[str]: The flags, in :data:`ISA_FLAGS`'s order.
    """
    flags = set(_cpuinfo_field('flags').split())
    return tuple(flag for flag in ISA_FLAGS if flag in flags)


def machine_key() -> str:
    """What the fastest backend depends on: the CPU model, its instruction
    sets and the cores this process may use.

    Returns:
        str: E.g. ``'Intel(R) Xeon(R) Processor [amx_bf16 ... avx2], 2
        cores'``.
    """
    return (f'{cpu_model()} [{" ".join(isa_flags())}], '
            f'{len(os.sched_getaffinity(0))} cores')
