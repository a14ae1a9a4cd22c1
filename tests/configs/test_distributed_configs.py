"""Every config under configs/ trains on 2 CPU ranks, wrapped as MMEngine
wraps it for distributed runs: without find_unused_parameters, which a
backbone with a stage its forward never reaches makes fail at the second
step."""
import sys

from ..tools.test_dist_train import free_port
from ..tools.tiny_digits import ROOT, run_tool

CONFIGS = sorted(
    str(path.relative_to(ROOT)) for path in (ROOT / 'configs').rglob('*.py')
    if '_base_' not in path.parts)


def test_every_config_trains_on_two_cpu_ranks():
    assert len(CONFIGS) > 20
    result = run_tool([
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node',
        '2', '--master_port', str(free_port()),
        'tests/configs/ddp_every_config.py', *CONFIGS
    ])
    trained = [line.split(': ', 1)[1] for line in result.stdout.splitlines()
               if line.startswith('trained: ')]
    assert trained == CONFIGS, result.stdout[-3000:]
