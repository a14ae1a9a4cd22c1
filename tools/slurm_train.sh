#!/usr/bin/env bash
# Train on a Slurm cluster, one task per GPU (the variables of slurm_run.sh):
#   tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [ARGS...]
set -euo pipefail
exec bash "$(dirname "$0")/slurm_run.sh" "$1" "$2" train.py "$3" \
    --work-dir="$4" "${@:5}"
