#!/usr/bin/env bash
# A nomoat stage on Kubernetes (spark-submit to the API server; the image holds Spark 4 on Java 17 and the app jar), every setting nomoat needs spelled out:
#   MASTER=k8s://https://api:6443 IMAGE=registry/nomoat:0.1 EXECUTORS=4 deploy/submit-k8s.sh train --conf run.conf
# Sizes: EXECUTOR_CORES (engine threads per executor), EXECUTOR_MEMORY (heap), OFFHEAP (ND4J's off-heap: the FP32 model
# ~ 4 bytes x parameters, plus activations; 2g covers models up to ~300M parameters at seq 2048, micro-batch 1).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STAGE="${1:?usage: submit-k8s.sh STAGE [nomoat args]}"; shift
source "$HERE/submit-common.sh"
exec "$HERE/spark-submit.sh" --master "${MASTER:?set MASTER=k8s://https://api-server:6443}" --deploy-mode cluster --conf "spark.kubernetes.container.image=${IMAGE:?set IMAGE}" --conf "spark.kubernetes.namespace=${NAMESPACE:-nomoat}" --conf spark.kubernetes.authenticate.driver.serviceAccountName=spark --conf "spark.executor.instances=$EXECUTORS" \
  "${EXECUTOR_SETTINGS[@]}" "${TRAIN[@]}" -- "$STAGE" "$@"
