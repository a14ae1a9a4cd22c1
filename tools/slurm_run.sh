#!/usr/bin/env bash
# What slurm_train.sh and slurm_test.sh share: run one of these tools on a
# Slurm cluster, one task per GPU, with --launcher=slurm:
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS=...] \
#   tools/slurm_run.sh PARTITION JOB_NAME TOOL [ARGS...]
# srun starts the tasks; the tool reads its rank, world size and master
# from Slurm's environment (MMEngine's init_dist).
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
TOOL=$3
shift 3
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
PYTHON=${PYTHON:-python}
# SRUN_ARGS is split into words on purpose: e.g. SRUN_ARGS="--quotatype=auto".
# shellcheck disable=SC2086
exec srun -p "$PARTITION" --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 ${SRUN_ARGS:-} \
    "$PYTHON" -u "$(dirname "$0")/$TOOL" "$@" --launcher=slurm
