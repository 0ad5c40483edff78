#!/usr/bin/env bash
# Tests deploy/nomoat-cron.sh with a fake spark-submit: exit codes pass through, the log is written, and a second
# run while the first holds the lock does not start (exit 75). Run by .ci/run.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
T="$(mktemp -d)"; trap 'rm -rf "$T"' EXIT
cat > "$T/fake-submit" <<'FAKE'
#!/usr/bin/env bash
# args: [submit args] -- stage [nomoat args]; FAKE_EXIT picks the code, FAKE_SLEEP keeps the lock held
echo "fake spark-submit $*"
echo "$*" >> "$FAKE_CALLS"
sleep "${FAKE_SLEEP:-0}"
exit "${FAKE_EXIT:-0}"
FAKE
chmod +x "$T/fake-submit"
export NOMOAT_SUBMIT="$T/fake-submit" NOMOAT_LOCK="$T/lock" NOMOAT_LOG="$T/log" FAKE_CALLS="$T/calls"
fail() { echo "test-nomoat-cron: FAIL: $*" >&2; cat "$T/log" >&2 || true; exit 1; }

FAKE_EXIT=0 "$HERE/nomoat-cron.sh" prepare --master yarn -- --conf c.conf prepare.output=x || fail "exit 0 expected"
grep -qx -- "--master yarn -- prepare --conf c.conf prepare.output=x" "$T/calls" || fail "arguments: $(cat "$T/calls")"
grep -q "prepare: done (exit 0)" "$T/log" || fail "log line"
for code in 3 4 6; do
  set +e; FAKE_EXIT=$code "$HERE/nomoat-cron.sh" train -- --conf c.conf; got=$?; set -e
  [[ $got == "$code" ]] || fail "stage exit $code came back as $got"
done
grep -q "train: output already committed (exit 6)" "$T/log" || fail "exit 6 logged as done"

FAKE_SLEEP=3 "$HERE/nomoat-cron.sh" train -- --conf c.conf & first=$!
sleep 1
set +e; "$HERE/nomoat-cron.sh" train -- --conf c.conf; got=$?; set -e
[[ $got == 75 ]] || fail "overlapping run: exit $got, expected 75"
wait $first || fail "first run failed"
[[ $(grep -c -- "-- train" "$T/calls") == 4 ]] || fail "the overlapping run must not start the stage: $(cat "$T/calls")"
grep -q "another run holds" "$T/log" || fail "lock refusal logged"
echo "test-nomoat-cron: ok"
