"""tools/slurm_train.sh and slurm_test.sh (through slurm_run.sh) hand srun
the task layout and the tool's command line (srun is a stand-in that
records what it is given)."""
import os
import stat

import pytest

from .tiny_digits import run_tool

FAKE_SRUN = '''#!/usr/bin/env bash
printf '%s\\n' "$@" > "$SRUN_ARGS_FILE"
'''


@pytest.mark.parametrize('script, positional, tool', [
    ('slurm_train.sh', ['CONFIG.py', 'WORK'],
     ['tools/train.py', 'CONFIG.py', '--work-dir=WORK']),
    ('slurm_test.sh', ['CONFIG.py', 'CKPT.pth'],
     ['tools/test.py', 'CONFIG.py', 'CKPT.pth']),
])
def test_srun_gets_the_layout_and_the_command(script, positional, tool,
                                              tmp_path):
    srun = tmp_path / 'srun'
    srun.write_text(FAKE_SRUN)
    srun.chmod(srun.stat().st_mode | stat.S_IEXEC)
    recorded = tmp_path / 'args'
    run_tool(['bash', f'tools/{script}', 'gpu', 'job', *positional,
              '--cfg-options', 'a=1'],
             extra_env=dict(PATH=f'{tmp_path}:{os.environ["PATH"]}',
                            SRUN_ARGS_FILE=str(recorded), GPUS='16',
                            SRUN_ARGS='--quotatype=auto'))
    args = recorded.read_text().splitlines()
    assert args[:8] == ['-p', 'gpu', '--job-name=job', '--gres=gpu:8',
                        '--ntasks=16', '--ntasks-per-node=8',
                        '--cpus-per-task=5', '--kill-on-bad-exit=1']
    assert args[8] == '--quotatype=auto'
    assert args[10] == '-u'
    assert args[11].endswith(tool[0])
    assert args[12:] == tool[1:] + ['--cfg-options', 'a=1',
                                    '--launcher=slurm']
