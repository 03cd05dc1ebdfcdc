#!/bin/sh
# The test command behind `npm test`: type-check, then every ava test file, each in its own
# process (EAL is once per process), then the key-leak audit of every log line the suite
# wrote. The last line is a plain "N passed, N failed" summary (the audit counts as one) so
# any reader of the log — people, CI — sees the verdict without knowing ava's format.
set -u
cd "$(dirname "$0")/.."
./node_modules/.bin/tsc --noEmit -p tsconfig.json || { echo "typecheck failed"; echo "0 passed, 1 failed"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ESPLANE_LOG_AUDIT_DIR="$work/audit"; export ESPLANE_LOG_AUDIT_DIR
mkdir -p "$ESPLANE_LOG_AUDIT_DIR"

{ ./node_modules/.bin/ava --tap "$@"; echo $? > "$work/ava-status"; } | node scripts/tap-summary.mjs --counts "$work/counts"
ava_status=$(cat "$work/ava-status")
read -r passed failed skipped < "$work/counts"

# Only the whole suite must have written log lines; a subset (arguments given) may write none.
echo "# key-leak audit of the suite's log lines"
if node scripts/check-logs.mjs "$ESPLANE_LOG_AUDIT_DIR" ${1:+--min-lines 0}; then
	echo "ok - no key material in any log line"; passed=$((passed + 1))
else
	echo "not ok - key material in a log line (above)"; failed=$((failed + 1))
fi

# The benchmarks' short smoke run, so `npm run bench` never rots. After ava, alone: a
# benchmark busy-polls both cores and would starve the timing-sensitive tests beside it.
if [ $# -eq 0 ]; then
	echo "# npm run bench -- --quick"
	if node --import tsx bench/run.ts --quick > "$work/bench.log" 2>&1; then
		echo "ok - every benchmark runs (--quick) and writes its results"; passed=$((passed + 1))
	else
		tail -40 "$work/bench.log"
		echo "not ok - a benchmark failed in its --quick run (above)"; failed=$((failed + 1))
	fi
fi

summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$ava_status" = 0 ] && [ "$failed" = 0 ] && [ "$passed" -gt 0 ] && exit 0
exit 1
