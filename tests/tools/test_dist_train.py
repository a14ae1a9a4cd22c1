"""tools/dist_train.sh across two "nodes" of one CPU rank each on the
loopback interface (``NNODES=2``, ``NODE_RANK=0/1``, gloo): they train
the tiny digits config, evaluate it, and end with identical weights."""
import json
import os
import socket
import subprocess
import sys

import torch

from .tiny_digits import ROOT, write_tiny_config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_two_nodes_train_to_identical_weights(tmp_path, digits_root):
    config = write_tiny_config(
        tmp_path / 'tiny.py', digits_root, epochs=2,
        extra_hooks=[dict(type='SyncBuffersHook'),
                     dict(type='SaveRankWeightsHook')])
    work_dir = tmp_path / 'work'
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS='1',
               PYTHON=sys.executable, NNODES='2', MASTER_ADDR='127.0.0.1',
               PORT=str(free_port()))
    nodes = [
        subprocess.Popen(
            ['bash', 'tools/dist_train.sh', str(config), '1', '--work-dir',
             str(work_dir)], cwd=ROOT, env=dict(env, NODE_RANK=str(rank)),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for rank in (0, 1)
    ]
    for node in nodes:
        output, _ = node.communicate(timeout=600)
        assert node.returncode == 0, output[-3000:]
    rank0 = torch.load(work_dir / 'rank0.pth')
    rank1 = torch.load(work_dir / 'rank1.pth')
    assert rank0.keys() == rank1.keys()
    for key in rank0:
        assert torch.equal(rank0[key], rank1[key]), key
    scalars = next(work_dir.glob('*/vis_data/scalars.json'))
    val = [json.loads(line) for line in scalars.read_text().splitlines()
           if 'accuracy/top1' in line]
    assert len(val) == 2  # evaluated after each epoch, across both nodes
