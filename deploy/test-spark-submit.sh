#!/usr/bin/env bash
# Tests the submit wrappers with a fake SPARK_HOME: OPENBLAS_CORETYPE reaches executors only when the caller set it,
# and train gets dynamic allocation off, one task per executor and the off-heap overhead. Run by .ci/run.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
T="$(mktemp -d)"; trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin"; printf '#!/usr/bin/env bash\nprintf "%%s\\n" "$@"\n' > "$T/bin/spark-submit"; chmod +x "$T/bin/spark-submit"
touch "$T/app.jar"
export SPARK_HOME="$T" NOMOAT_JAR="$T/app.jar"
fail() { echo "test-spark-submit: FAIL: $*" >&2; exit 1; }
out="$(env -u OPENBLAS_CORETYPE "$HERE/spark-submit.sh" --master local -- prepare --conf x.conf)"
! grep -q OPENBLAS_CORETYPE <<<"$out" || fail "OPENBLAS_CORETYPE sent although the caller did not set it"
out="$(OPENBLAS_CORETYPE=Haswell "$HERE/spark-submit.sh" --master local -- prepare)"
grep -qx "spark.executorEnv.OPENBLAS_CORETYPE=Haswell" <<<"$out" || fail "a caller's OPENBLAS_CORETYPE must reach the executors"
out="$(env -u OPENBLAS_CORETYPE MASTER=spark://m:7077 EXECUTOR_CORES=3 "$HERE/submit-standalone.sh" train --conf x.conf)"
for want in spark.dynamicAllocation.enabled=false spark.task.cpus=3 spark.executor.memoryOverhead=2g spark://m:7077 train; do
  grep -qx -- "$want" <<<"$out" || fail "standalone train lacks $want"
done
out="$(env -u OPENBLAS_CORETYPE "$HERE/submit-yarn.sh" prepare --conf x.conf)"
grep -qx yarn <<<"$out" && ! grep -q dynamicAllocation <<<"$out" || fail "yarn prepare"
echo "test-spark-submit: ok"
