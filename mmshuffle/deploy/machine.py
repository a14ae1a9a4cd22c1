"""The CPU this process runs on: its model, the instruction sets that
decide which kernels and precisions are fast, and oneDNN's cap on them."""
import os
import platform
from typing import Optional, Tuple

# The flags of /proc/cpuinfo that the deploy paths' kernels use, from the
# widest matrix engine down: AMX (bf16, int8 tiles), AVX-512 with bf16 and
# VNNI (int8 dot products), AVX-VNNI, AVX2.
ISA_FLAGS = ('amx_bf16', 'amx_int8', 'avx512_bf16', 'avx512_vnni',
             'avx512f', 'avx_vnni', 'avx2')

# oneDNN's cap on the instruction sets its kernels use, read by PyTorch's and
# OpenVINO's copies of oneDNN (the first variable set wins).
ONEDNN_CAP_VARIABLES = ('ONEDNN_MAX_CPU_ISA', 'DNNL_MAX_CPU_ISA')
# The caps' names and oneDNN's bit masks for them (dnnl_cpu_isa_t): a cap
# allows an instruction set whose mask its own contains.
ONEDNN_ISA_MASKS = {
    'SSE41': 0x1, 'AVX': 0x3, 'AVX2': 0x7, 'AVX2_VNNI': 0xf,
    'AVX2_VNNI_2': 0x1f, 'AVX512_CORE': 0x27, 'AVX512_CORE_VNNI': 0x67,
    'AVX512_CORE_BF16': 0xe7, 'AVX10_1_512': 0x1ef,
    'AVX512_CORE_FP16': 0x1ef, 'AVX10_1_512_AMX': 0xfef,
    'AVX512_CORE_AMX': 0xfef, 'AVX10_1_512_AMX_FP16': 0x1fef,
    'AVX512_CORE_AMX_FP16': 0x1fef, 'AVX10_2_512': 0x201ff,
    'AVX10_2_512_AMX_2': 0x22fff
}


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


def _onednn_cap_variable() -> Optional[Tuple[str, str]]:
    """The first of :data:`ONEDNN_CAP_VARIABLES` that sets a cap, and the
    cap, upper case; None where none does (``ALL`` and ``DEFAULT`` cap
    nothing)."""
    for name in ONEDNN_CAP_VARIABLES:
        value = os.environ.get(name, '').strip().upper()
        if value:
            return None if value in ('ALL', 'DEFAULT') else (name, value)
    return None


def onednn_cap_setting() -> Optional[str]:
    """oneDNN's cap on the instruction sets its kernels use, as it was set:
    the first of :data:`ONEDNN_CAP_VARIABLES` that is set, as PyTorch and
    OpenVINO read them.

    Returns:
        str | None: ``'VARIABLE=CAP'``, the cap upper case (e.g.
        ``'DNNL_MAX_CPU_ISA=AVX2'``); None where no cap is set or it is
        ``ALL`` or ``DEFAULT``.
    """
    variable = _onednn_cap_variable()
    return '='.join(variable) if variable else None


def onednn_cap() -> Optional[str]:
    """oneDNN's cap on the instruction sets its kernels use
    (:func:`onednn_cap_setting`).

    Returns:
        str | None: The cap, upper case (e.g. ``'AVX2'``); None where none
        is set.
    """
    variable = _onednn_cap_variable()
    return variable[1] if variable else None


def onednn_allows(isa: str) -> bool:
    """Whether oneDNN's cap (:func:`onednn_cap`) lets its kernels use an
    instruction set. A cap oneDNN names but :data:`ONEDNN_ISA_MASKS` does
    not (a newer one) is taken as allowing everything.

    Args:
        isa (str): A key of :data:`ONEDNN_ISA_MASKS`, e.g.
            ``'AVX512_CORE_BF16'``.

    Returns:
        bool: True where no cap is set or the cap contains ``isa``.
    """
    cap = onednn_cap()
    if cap not in ONEDNN_ISA_MASKS:
        return True
    needed = ONEDNN_ISA_MASKS[isa]
    return ONEDNN_ISA_MASKS[cap] & needed == needed


def machine_key() -> str:
    """What the fastest backend depends on: the CPU model, its instruction
    sets, oneDNN's cap on them (:func:`onednn_cap`) and the cores this
    process may use.

    Returns:
        str: E.g. ``'Intel(R) Xeon(R) Processor [amx_bf16 ... avx2], 2
        cores'``, or ``'... [amx_bf16 ... avx2], oneDNN capped at AVX2, 2
        cores'``.
    """
    cap = onednn_cap()
    capped = f', oneDNN capped at {cap}' if cap else ''
    return (f'{cpu_model()} [{" ".join(isa_flags())}]{capped}, '
            f'{len(os.sched_getaffinity(0))} cores')
