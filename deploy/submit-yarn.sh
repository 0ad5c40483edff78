#!/usr/bin/env bash
# A nomoat stage on YARN (cluster deploy mode: the driver runs in the application master), every setting nomoat needs spelled out:
#   EXECUTORS=4 deploy/submit-yarn.sh train --conf run.conf
# Sizes: EXECUTOR_CORES (engine threads per executor), EXECUTOR_MEMORY (heap), OFFHEAP (ND4J's off-heap: the FP32 model
# ~ 4 bytes x parameters, plus activations; 2g covers models up to ~300M parameters at seq 2048, micro-batch 1).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STAGE="${1:?usage: submit-yarn.sh STAGE [nomoat args]}"; shift
source "$HERE/submit-common.sh"
exec "$HERE/spark-submit.sh" --master yarn --deploy-mode cluster --num-executors "$EXECUTORS" --queue "${QUEUE:-default}" \
  "${EXECUTOR_SETTINGS[@]}" "${TRAIN[@]}" -- "$STAGE" "$@"
