#!/usr/bin/env bash
# Submit a nomoat stage to a cluster with the shaded app jar (Spark and Hadoop come from the cluster):
#   deploy/spark-submit.sh --master yarn --deploy-mode cluster -- prepare --conf job.conf prepare.output=hdfs:///runs/r1
# Everything before "--" goes to spark-submit, everything after it to nomoat (same arguments as bin/nomoat).
# The config file is shipped with --files and read by name on the driver.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="${NOMOAT_JAR:-$ROOT/jobs/target/nomoat-app.jar}"
[[ -f "$JAR" ]] || (cd "$ROOT" && ./mvnw -q -B -ntp -DskipTests package)

SUBMIT_ARGS=()
while [[ $# -gt 0 && "$1" != "--" ]]; do SUBMIT_ARGS+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift

# OpenBLAS kernel: sent to the driver and executors only when the caller sets OPENBLAS_CORETYPE, because the executors'
# CPUs may lack instructions this host has (SkylakeX on a CPU without AVX-512 dies with SIGILL). Each executor checks
# its own CPU flags against it on first use of the engine (one-line error) and logs which kernel OpenBLAS runs.
# ND4J's OpenBLAS 0.3.19 detects AVX-512 CPUs as "Prescott" (slow): on a cluster known to have AVX-512 everywhere,
# run with OPENBLAS_CORETYPE=SkylakeX; with AVX2 everywhere, OPENBLAS_CORETYPE=Haswell.
BLAS_ENV=()
if [[ -n "${OPENBLAS_CORETYPE:-}" ]]; then
  BLAS_ENV=(--conf "spark.executorEnv.OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE" --conf "spark.yarn.appMasterEnv.OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE"
    --conf "spark.kubernetes.driverEnv.OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE")
fi
# In cluster deploy mode the driver runs on the cluster: ship a local --conf file with --files and name it by its
# shipped (base) name. In client mode the driver runs here and reads the file where it is.
CLUSTER_MODE=false
for ((i = 0; i < ${#SUBMIT_ARGS[@]}; i++)); do
  [[ "${SUBMIT_ARGS[$i]}" == "--deploy-mode" && "${SUBMIT_ARGS[$((i + 1))]:-}" == "cluster" ]] && CLUSTER_MODE=true
  [[ "${SUBMIT_ARGS[$i]}" == "--deploy-mode=cluster" ]] && CLUSTER_MODE=true
done
ARGS=(); FILES=()
while [[ $# -gt 0 ]]; do
  if [[ "$1" == "--conf" && -f "${2:-}" ]]; then
    if $CLUSTER_MODE; then FILES+=("$2"); ARGS+=("--conf" "$(basename "$2")"); else ARGS+=("--conf" "$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"); fi
    shift 2
  else ARGS+=("$1"); shift; fi
done
OPENS="--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED"
FILES_ARG=(); [[ ${#FILES[@]} -gt 0 ]] && FILES_ARG=(--files "$(IFS=,; echo "${FILES[*]}")")
exec "${SPARK_HOME:?set SPARK_HOME to the Spark installation of the cluster}/bin/spark-submit" \
  --class nomoat.jobs.Main \
  "${BLAS_ENV[@]}" \
  --conf "spark.driver.extraJavaOptions=$OPENS" \
  --conf "spark.executor.extraJavaOptions=$OPENS" \
  "${FILES_ARG[@]}" "${SUBMIT_ARGS[@]}" "$JAR" "${ARGS[@]}"
