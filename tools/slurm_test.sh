#!/usr/bin/env bash
# Test a checkpoint on a Slurm cluster, one task per GPU (the variables of
# slurm_run.sh):
#   tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [ARGS...]
set -euo pipefail
exec bash "$(dirname "$0")/slurm_run.sh" "$1" "$2" test.py "$3" "$4" "${@:5}"
