#!/usr/bin/env bash
# Cron wrapper for one nomoat stage: never overlaps another run, appends to a log, exits with the stage's code.
#   deploy/nomoat-cron.sh prepare --master yarn -- --conf conf/cluster.conf prepare.output=hdfs:///nomoat/runs/$(date +\%F)/prepared
# Arguments go to deploy/spark-submit.sh unchanged after the stage name is put after "--".
# Environment:
#   NOMOAT_LOCK     lock file shared by every run that must not overlap (default /tmp/nomoat.lock)
#   NOMOAT_LOG      log file (default /tmp/nomoat-<stage>.log)
#   NOMOAT_SUBMIT   the submit command (default deploy/spark-submit.sh beside this script)
# Exit codes: the stage's (README: 0 ok, 3 config, 4 input data, 5 I/O, 6 already committed, ...);
#   75 when another run holds the lock (nothing was started; cron simply tries again next time).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STAGE="${1:?usage: nomoat-cron.sh STAGE [spark-submit args] -- [nomoat args]}"; shift
LOCK="${NOMOAT_LOCK:-/tmp/nomoat.lock}"
LOG="${NOMOAT_LOG:-/tmp/nomoat-$STAGE.log}"
SUBMIT="${NOMOAT_SUBMIT:-$HERE/spark-submit.sh}"

SUBMIT_ARGS=()
while [[ $# -gt 0 && "$1" != "--" ]]; do SUBMIT_ARGS+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift

log() { echo "$(date -u +%FT%TZ) nomoat-cron[$$] $STAGE: $*" >> "$LOG"; }

exec 9>>"$LOCK"
if ! flock -n 9; then
  log "another run holds $LOCK; not starting"
  exit 75
fi
log "start: $SUBMIT ${SUBMIT_ARGS[*]} -- $STAGE $*"
"$SUBMIT" "${SUBMIT_ARGS[@]}" -- "$STAGE" "$@" >> "$LOG" 2>&1
code=$?
case $code in
  0) log "done (exit 0)" ;;
  6) log "output already committed (exit 6): nothing to do" ;;
  *) log "FAILED (exit $code)" ;;
esac
exit $code
