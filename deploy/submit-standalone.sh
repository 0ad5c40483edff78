#!/usr/bin/env bash
# A nomoat stage on a Spark standalone cluster, every setting nomoat needs spelled out:
#   MASTER=spark://host:7077 EXECUTORS=4 deploy/submit-standalone.sh train --conf run.conf
# Sizes: EXECUTOR_CORES (engine threads per executor), EXECUTOR_MEMORY (heap), OFFHEAP (ND4J's off-heap: the FP32 model
# ~ 4 bytes x parameters, plus activations; 2g covers models up to ~300M parameters at seq 2048, micro-batch 1).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STAGE="${1:?usage: submit-standalone.sh STAGE [nomoat args]}"; shift
source "$HERE/submit-common.sh"
exec "$HERE/spark-submit.sh" --master "${MASTER:?set MASTER=spark://host:7077}" --deploy-mode client \
  --total-executor-cores "$((EXECUTORS * CORES))" \
  "${EXECUTOR_SETTINGS[@]}" "${TRAIN[@]}" -- "$STAGE" "$@"
