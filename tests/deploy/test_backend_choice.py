"""backend='auto': the fastest backend (on a batch, whole or in chunks),
timed once per model and machine, remembered by CPU model; and the
machine's key, oneDNN's cap in it."""
import importlib
import json
import sys

import onnx
import pytest
import torch

from mmshuffle.deploy import DEFAULT_BACKEND, OptimizedModel, optimize
from mmshuffle.deploy.machine import (
    ISA_FLAGS,
    ONEDNN_CAP_VARIABLES,
    cpu_model,
    isa_flags,
    machine_key,
    onednn_allows,
    onednn_cap,
    onednn_cap_setting,
)
from mmshuffle.deploy.optimize import (
    AUTO_BACKENDS,
    AUTO_BATCH_TIMING,
    AUTO_TIMING,
    BF16_BACKEND,
    SHUFFLE_FORMS,
    chunk_sizes,
)

from ..helpers import torch_threads
from .models import (
    SHUFFLERS,
    assert_outputs_close,
    check,
    inputs,
    reference,
    small_model,
)

# The modules (the package's functions of the same names hide the last).
choice_module = importlib.import_module('mmshuffle.deploy.backend_choice')
machine_module = importlib.import_module('mmshuffle.deploy.machine')
optimize_module = importlib.import_module('mmshuffle.deploy.optimize')


def test_the_machine_key_names_the_cpu_and_its_instruction_sets():
    key = machine_key()
    assert key.startswith(cpu_model() + ' [')
    assert set(isa_flags()) <= set(ISA_FLAGS)
    assert all(flag in key for flag in isa_flags())
    assert key.endswith(' cores')


# A cap and what it allows, as oneDNN's masks say: AVX2_VNNI (VEX-encoded
# VNNI) is part of the AMX cap, not of the earlier AVX-512 ones.
ALLOWED = {
    'avx2': {'AVX2'},
    'AVX2_VNNI': {'AVX2', 'AVX2_VNNI'},
    'AVX512_CORE_VNNI': {'AVX2', 'AVX512_CORE', 'AVX512_CORE_VNNI'},
    'AVX512_CORE_BF16': {'AVX2', 'AVX512_CORE', 'AVX512_CORE_VNNI',
                         'AVX512_CORE_BF16'},
    'AVX512_CORE_AMX': {'AVX2', 'AVX2_VNNI', 'AVX512_CORE',
                        'AVX512_CORE_VNNI', 'AVX512_CORE_BF16',
                        'AVX512_CORE_AMX'},
    'ALL': {'AVX2', 'AVX2_VNNI', 'AVX512_CORE', 'AVX512_CORE_VNNI',
            'AVX512_CORE_BF16', 'AVX512_CORE_AMX'},
}


@pytest.mark.parametrize('variable', ONEDNN_CAP_VARIABLES)
@pytest.mark.parametrize('cap', list(ALLOWED))
def test_onednn_cap_is_read_and_keys_the_machine(monkeypatch, variable, cap):
    for name in ONEDNN_CAP_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    uncapped = machine_key()
    assert onednn_cap_setting() is None and 'capped' not in uncapped
    monkeypatch.setenv(variable, cap)
    assert {isa for isa in ALLOWED['ALL']
            if onednn_allows(isa)} == ALLOWED[cap]
    if cap == 'ALL':
        assert onednn_cap() is None and machine_key() == uncapped
    else:
        # A capped process's fastest backend is not the uncapped one's.
        assert onednn_cap() == cap.upper()
        assert onednn_cap_setting() == f'{variable}={cap.upper()}'
        assert machine_key() == uncapped.replace(
            '], ', f'], oneDNN capped at {cap.upper()}, ')


def test_auto_times_once_per_model_and_cpu(monkeypatch, tmp_path):
    monkeypatch.setenv('MMSHUFFLE_CACHE_DIR', str(tmp_path))
    timed, timings = [], []
    named_fastest = choice_module._named_fastest

    def counted(names, *args, **timing):
        timed.append(names)
        timings.append(timing)
        return named_fastest(names, *args, **timing)

    monkeypatch.setattr(choice_module, '_named_fastest', counted)
    # One export form on any thread count (the test below times the forms).
    monkeypatch.setattr(optimize_module, 'has_channel_shuffles',
                        lambda model: False)
    # Small models: each first call exports and times every backend.
    model = small_model()
    x = inputs()[1]
    first = optimize(model, x)
    assert DEFAULT_BACKEND == 'auto' and timed == [AUTO_BACKENDS]
    assert first.backend == min(first.timings, key=first.timings.get)
    assert set(first.timings) == set(AUTO_BACKENDS)
    check(model, first)
    # Remembered: the same model on this machine is not timed again.
    again = optimize(model, x)
    assert len(timed) == 1 and again.timings is None
    assert again.backend == first.backend
    (machine, ) = json.loads((tmp_path / 'backends.json').read_text())
    assert machine.startswith(cpu_model())
    # Another batch size is timed anew: the fastest on one image need not
    # be the fastest on a batch.
    on_batch = optimize(model, inputs()[2])
    assert len(timed) == 2 and on_batch.timings is not None
    # one call per round there, three on one image
    assert timings == [AUTO_TIMING, AUTO_BATCH_TIMING]
    assert [key.split()[1] for key in json.loads(
        (tmp_path / 'backends.json').read_text())[machine]] == [
            '1x3x64x64', '2x3x64x64']
    # Another CPU model, or another model, is timed anew.
    monkeypatch.setattr(machine_module, 'cpu_model', lambda: 'Other CPU')
    optimize(model, x)
    optimize(small_model(stage=1), x)
    assert len(timed) == 4
    assert len(json.loads((tmp_path / 'backends.json').read_text())) == 2


def test_auto_exports_openvino_s_shuffles_in_the_faster_form(
        choices, monkeypatch):
    # OpenVINO ran ShuffleNetV1's plain shuffles faster on two threads and
    # on a batch, its gathers as fast or faster on one image on one
    # thread: on two threads or a batch, both forms are timed, the faster
    # kept (here, as rigged, the plain one).
    # The ONNX backends only (one export), to build fewer.
    backends = ('onnxruntime', 'openvino')
    monkeypatch.setattr(optimize_module, 'AUTO_BACKENDS', backends)
    choices.winners = {frozenset(SHUFFLE_FORMS): 'plain',
                       frozenset(backends): 'openvino'}
    timed = choices.timed
    model = SHUFFLERS['ShuffleNetV1']().eval()
    x = inputs()[1]
    # One thread (the choices fixture's) takes the default form untimed at
    # batch 1, not on a batch.
    assert 'plain_shuffles' not in optimize(model, x).steps
    assert timed == [list(backends)]
    assert 'plain_shuffles' in optimize(model, inputs()[2]).steps
    assert timed[1:] == [sorted(SHUFFLE_FORMS), list(backends)]
    timed.clear()
    torch.set_num_threads(2)  # the choices fixture sets it back
    first = optimize(model, x)
    assert timed == [sorted(SHUFFLE_FORMS), list(backends)]
    assert first.backend == 'openvino' and 'plain_shuffles' in first.steps
    assert first.description == 'openvino, plain shuffles'
    check(model, first)
    ops = {node.op_type
           for node in onnx.load_from_string(first.onnx).graph.node}
    assert 'Transpose' in ops and 'Gather' not in ops, ops
    # Remembered with the backend, for two threads.
    again = optimize(model, x)
    assert len(timed) == 2 and again.steps == first.steps


def test_a_choice_of_an_earlier_version_is_timed_again(monkeypatch,
                                                      tmp_path):
    monkeypatch.setenv('MMSHUFFLE_CACHE_DIR', str(tmp_path))
    choice_module.remember_backend('a model', 'eager', {'eager': 1.0})
    assert choice_module.remembered_backend('a model') == 'eager'
    path = tmp_path / 'backends.json'
    choices = json.loads(path.read_text())
    for entry in choices[machine_key()].values():
        del entry['version']  # as written before the version was kept
    path.write_text(json.dumps(choices))
    assert choice_module.remembered_backend('a model') is None


def test_a_choice_with_nothing_to_build_says_why():
    def missing(name):
        raise ImportError(f'{name} is not installed')

    with pytest.raises(ImportError, match='b is not installed'):
        choice_module.fastest(['a', 'b'], missing, inputs()[1])
    with pytest.raises(ValueError, match='no backends'):
        choice_module.fastest([], missing, inputs()[1])


def test_auto_works_without_openvino(monkeypatch, tmp_path):
    monkeypatch.setenv('MMSHUFFLE_CACHE_DIR', str(tmp_path))
    monkeypatch.setitem(sys.modules, 'openvino', None)  # import fails
    model = small_model()
    with torch_threads(2):  # where OpenVINO's shuffle forms are timed
        optimized = optimize(model, inputs()[1])
    assert set(optimized.timings) == set(AUTO_BACKENDS) - {'openvino'}
    check(model, optimized)


def test_auto_times_the_onnx_backends_in_chunks_of_a_batch(choices,
                                                           monkeypatch):
    # A chunk's activations stay in the caches, a batch's need not: on a
    # batch, ONNX Runtime and OpenVINO are also timed in chunks of each
    # power of two below its size, and the fastest kept.
    assert chunk_sizes(32) == (2, 4, 8, 16) and chunk_sizes(2) == ()
    backends = ('onnxruntime', 'openvino', 'eager')
    monkeypatch.setattr(optimize_module, 'AUTO_BACKENDS', backends)
    names = {*backends, 'onnxruntime in chunks of 2',
             'openvino in chunks of 2'}
    choices.winners = {frozenset(SHUFFLE_FORMS): 'default',
                       frozenset(names): 'openvino in chunks of 2'}
    model = small_model()
    x = torch.randn(4, 3, 64, 64)
    chosen = optimize(model, x)
    assert choices.timed == [sorted(SHUFFLE_FORMS), sorted(names)]
    assert chosen.backend == 'openvino' and chosen.chunk_size == 2
    assert chosen.description == 'openvino, chunks of 2'
    seen = []
    runner = chosen.runner
    chosen.runner = lambda batch: seen.append(len(batch)) or runner(batch)
    assert_outputs_close(chosen(x), reference(model, x))
    assert seen == [2, 2]
    # Remembered with its chunk size.
    again = optimize(model, x)
    assert len(choices.timed) == 2 and again.chunk_size == 2


@pytest.mark.parametrize('threads, chunked, chunk_size',
                         [(2, 0.95, None), (2, 0.8, 2), (1, 0.95, 2)])
def test_chunks_are_taken_only_where_they_win_by_the_margin(
        choices, monkeypatch, threads, chunked, chunk_size):
    # On two threads on a shared machine, chunked runs swung between two
    # speeds: there chunks within CHUNK_MARGIN of the fastest whole
    # backend leave the batch whole; on one thread the faster is taken.
    assert optimize_module.CHUNK_MARGIN == 0.1
    backends = ('onnxruntime', 'openvino')
    monkeypatch.setattr(optimize_module, 'AUTO_BACKENDS', backends)
    names = {*backends, 'onnxruntime in chunks of 2',
             'openvino in chunks of 2'}
    choices.winners = {frozenset(SHUFFLE_FORMS): 'default'}
    choices.times = {frozenset(names): {
        'onnxruntime': 1.2, 'openvino': 1.0,
        'onnxruntime in chunks of 2': 1.1, 'openvino in chunks of 2': chunked}}
    with torch_threads(threads):
        chosen = optimize(small_model(), torch.randn(4, 3, 64, 64))
    assert chosen.backend == 'openvino' and chosen.chunk_size == chunk_size


def test_auto_times_the_bf16_model_in_chunks_of_a_batch(choices,
                                                        monkeypatch):
    # The bf16 model stands in as the model in fp32 (what is tested is the
    # choice, on any CPU): on a batch it is timed whole and in chunks,
    # the faster kept and remembered; one image is not timed.
    model = small_model()
    built = []

    def bf16(model, example, backend, steps, tuple_output):
        built.append(len(example))
        return OptimizedModel(model.forward, BF16_BACKEND, (), False,
                              tuple_output)

    monkeypatch.setattr(optimize_module, '_bf16', bf16)
    names = {BF16_BACKEND, f'{BF16_BACKEND} in chunks of 2'}
    choices.winners = {frozenset(names): f'{BF16_BACKEND} in chunks of 2'}
    x = torch.randn(4, 3, 64, 64)
    chosen = optimize(model, x, precision='bf16')
    assert choices.timed == [sorted(names)] and chosen.chunk_size == 2
    assert chosen.description == 'openvino-bf16, chunks of 2'
    assert_outputs_close(chosen(x), reference(model, x))
    assert optimize(model, x, precision='bf16').chunk_size == 2
    assert optimize(model, inputs()[1], precision='bf16').chunk_size is None
    assert len(choices.timed) == 1 and built == [4, 4, 1]
