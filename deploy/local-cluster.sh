#!/usr/bin/env bash
# A real Spark standalone cluster on this machine (a master JVM and N worker JVMs, all on 127.0.0.1), started from
# the built jars; no Spark distribution needed. The workers launch executor JVMs as on any standalone cluster.
#
#   deploy/local-cluster.sh start [--workers 2] [--cores 1] [--memory 1g] [--dir DIR] [--classpath CP] [--watch-pid PID]
#   deploy/local-cluster.sh status [--dir DIR]
#   deploy/local-cluster.sh stop   [--dir DIR]
#
# start prints the master URL (spark://127.0.0.1:PORT) on stdout, e.g.
#   MASTER=$(deploy/local-cluster.sh start --workers 2) && bin/nomoat demo --master "$MASTER"
# --dir (default $NOMOAT_CLUSTER_DIR or ${TMPDIR:-/tmp}/nomoat-local-cluster) holds spark-home/ (jars/ links the
# classpath's jars), logs/, pids/, work/ (the workers' work dirs: executor stdout/stderr) and master-url.
# --classpath: jars for the cluster's JVMs (default: the app's Spark and runtime classpath from jobs/target, and
# the app jar). --watch-pid: stop the cluster by itself once that process is gone (tests pass their own pid).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SELF="$ROOT/deploy/$(basename "${BASH_SOURCE[0]}")"

usage() { sed -n '2,15p' "$SELF" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[[ $# -ge 1 ]] || usage
CMD="$1"; shift
WORKERS=2 CORES=1 MEMORY=1g DIR="${NOMOAT_CLUSTER_DIR:-${TMPDIR:-/tmp}/nomoat-local-cluster}" CLASSPATH_ARG="" WATCH_PID=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --workers) WORKERS="$2"; shift 2 ;;
    --cores) CORES="$2"; shift 2 ;;
    --memory) MEMORY="$2"; shift 2 ;;
    --dir) DIR="$2"; shift 2 ;;
    --classpath) CLASSPATH_ARG="$2"; shift 2 ;;
    --watch-pid) WATCH_PID="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "local-cluster: unknown option '$1'" >&2; usage ;;
  esac
done
[[ "$WORKERS" =~ ^[1-9][0-9]*$ ]] || { echo "local-cluster: --workers must be a positive integer, got '$WORKERS'" >&2; exit 2; }
[[ "$CORES" =~ ^[1-9][0-9]*$ ]] || { echo "local-cluster: --cores must be a positive integer, got '$CORES'" >&2; exit 2; }
[[ "$MEMORY" =~ ^[0-9]+[mMgG]$ ]] || { echo "local-cluster: --memory must look like 512m or 2g, got '$MEMORY'" >&2; exit 2; }
DIR="$(mkdir -p "$DIR" && cd "$DIR" && pwd)"
PIDS="$DIR/pids" LOGS="$DIR/logs"

alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

# Pids of this cluster's JVMs: master, workers, and the executors the workers started (found by the cluster's
# spark-home in their command line, so executors of other clusters on the machine are never touched).
executor_pids() {
  local f
  for f in $(grep -las CoarseGrainedExecutorBackend /proc/[0-9]*/cmdline 2>/dev/null); do
    grep -qasF "$DIR/spark-home/" "$f" 2>/dev/null && { f="${f#/proc/}"; echo "${f%/cmdline}"; }
  done
  return 0
}

stop_cluster() {
  local f pid execs
  execs="$(executor_pids)"
  for f in "$PIDS"/worker-*.pid "$PIDS"/master.pid; do
    [[ -f "$f" ]] || continue
    pid="$(cat "$f")"; alive "$pid" && kill -TERM "$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 50); do   # up to 10 s for a clean exit, then SIGKILL
    local left=0
    for f in "$PIDS"/*.pid; do [[ -f "$f" ]] && alive "$(cat "$f")" && left=1; done
    for pid in $execs; do alive "$pid" && left=1; done
    [[ $left == 0 ]] && break
    sleep 0.2
  done
  for f in "$PIDS"/*.pid; do
    [[ -f "$f" ]] || continue
    pid="$(cat "$f")"; alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
    rm -f "$f"
  done
  for pid in $execs $(executor_pids); do kill -KILL "$pid" 2>/dev/null || true; done
  rm -f "$DIR/master-url"
}

case "$CMD" in
  stop)
    stop_cluster
    echo "local-cluster: stopped ($DIR)" >&2
    ;;
  status)
    rc=0
    [[ -f "$DIR/master-url" ]] && echo "master $(cat "$DIR/master-url")" || { echo "master: not started ($DIR)"; rc=1; }
    for f in "$PIDS"/*.pid; do
      [[ -f "$f" ]] || continue
      name="$(basename "$f" .pid)" pid="$(cat "$f")"
      if alive "$pid"; then echo "$name pid $pid running"; else echo "$name pid $pid DEAD (see $LOGS/$name.log)"; rc=1; fi
    done
    for pid in $(executor_pids); do echo "executor pid $pid running"; done
    exit $rc
    ;;
  start)
    if [[ -f "$PIDS/master.pid" ]] && alive "$(cat "$PIDS/master.pid")"; then
      echo "local-cluster: already running in $DIR (master $(cat "$DIR/master-url" 2>/dev/null)); stop it first" >&2; exit 1
    fi
    if [[ -z "$CLASSPATH_ARG" ]]; then
      JOBS="$ROOT/jobs/target"
      [[ -f "$JOBS/nomoat-app.jar" && -f "$JOBS/spark-classpath.txt" && -f "$JOBS/runtime-classpath.txt" ]] \
        || (cd "$ROOT" && ./mvnw -q -B -ntp -DskipTests package) >&2
      CLASSPATH_ARG="$(cat "$JOBS/spark-classpath.txt"):$(cat "$JOBS/runtime-classpath.txt"):$JOBS/nomoat-app.jar"
    fi
    rm -rf "$DIR/spark-home" "$DIR/work" "$LOGS" "$PIDS"
    mkdir -p "$DIR/spark-home/jars" "$DIR/work" "$LOGS" "$PIDS"
    # The fake SPARK_HOME: workers build executor command lines from $SPARK_HOME/jars.
    IFS=: read -r -a ENTRIES <<< "$CLASSPATH_ARG"
    for e in "${ENTRIES[@]}"; do
      [[ "$e" == *.jar && -f "$e" ]] || continue
      [[ -e "$DIR/spark-home/jars/$(basename "$e")" ]] || ln -s "$e" "$DIR/spark-home/jars/$(basename "$e")"
    done
    ls "$DIR/spark-home/jars" | grep -q '^spark-core_' || { echo "local-cluster: no spark-core jar on the classpath" >&2; exit 1; }

    export SPARK_HOME="$DIR/spark-home" SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.13
    export SPARK_WORKER_DIR="$DIR/work"
    JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
    OPENS=(-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
      --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
      --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
      --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
      --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
      --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
      --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false)
    daemon() {  # name, main class, args...: start a JVM detached from this shell, pid to pids/<name>.pid
      local name="$1"; shift
      setsid "$JAVA" -Xmx256m "${OPENS[@]}" -cp "$SPARK_HOME/jars/*" "$@" > "$LOGS/$name.log" 2>&1 < /dev/null &
      echo $! > "$PIDS/$name.pid"
    }
    fail() { echo "local-cluster: $1 (log: $2)" >&2; tail -n 20 "$2" >&2 || true; stop_cluster; exit 1; }

    # Port 0: the master picks a free port (other clusters may run on this machine) and logs it.
    daemon master org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 0 --webui-port 0
    URL=""
    for _ in $(seq 1 300); do
      URL="$(grep -o 'Starting Spark master at spark://[0-9.]*:[0-9]*' "$LOGS/master.log" 2>/dev/null | head -n 1 | sed 's/.* at //')" || true
      [[ -n "$URL" ]] && break
      alive "$(cat "$PIDS/master.pid")" || fail "master exited" "$LOGS/master.log"
      sleep 0.2
    done
    [[ -n "$URL" ]] || fail "master did not start within 60 s" "$LOGS/master.log"
    for i in $(seq 1 "$WORKERS"); do
      mkdir -p "$DIR/work/worker-$i"
      daemon "worker-$i" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --port 0 --webui-port 0 \
        --cores "$CORES" --memory "$MEMORY" --work-dir "$DIR/work/worker-$i" "$URL"
    done
    for i in $(seq 1 "$WORKERS"); do
      for _ in $(seq 1 300); do
        grep -q 'Successfully registered with master' "$LOGS/worker-$i.log" 2>/dev/null && continue 2
        alive "$(cat "$PIDS/worker-$i.pid")" || fail "worker $i exited" "$LOGS/worker-$i.log"
        sleep 0.2
      done
      fail "worker $i did not register within 60 s" "$LOGS/worker-$i.log"
    done
    echo "$URL" > "$DIR/master-url"
    if [[ -n "$WATCH_PID" ]]; then   # stop the cluster once the watched process is gone (a killed test JVM)
      setsid bash -c 'while kill -0 "$1" 2>/dev/null && [[ -f "$3/master-url" ]]; do sleep 1; done; [[ -f "$3/master-url" ]] && "$2" stop --dir "$3"' \
        _ "$WATCH_PID" "$SELF" "$DIR" > "$LOGS/watch.log" 2>&1 < /dev/null &
    fi
    echo "local-cluster: master $URL, $WORKERS worker(s) x $CORES core(s), $MEMORY; logs in $LOGS" >&2
    echo "$URL"
    ;;
  *) usage ;;
esac
