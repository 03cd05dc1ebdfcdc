#!/bin/sh
# The test command behind `npm test`: type-check, then every ava test file, each in its own
# process (EAL is once per process). The last line is a plain "N passed, N failed" summary
# so any reader of the log (people, CI) sees the verdict without knowing ava's format.
set -u
cd "$(dirname "$0")/.."
./node_modules/.bin/tsc --noEmit -p tsconfig.json || { echo "typecheck failed"; echo "0 passed, 1 failed"; exit 1; }
status_file=$(mktemp)
{ ./node_modules/.bin/ava --tap "$@"; echo $? > "$status_file"; } | node scripts/tap-summary.mjs
summary=$?
status=$(cat "$status_file"); rm -f "$status_file"
[ "$status" = 0 ] && [ "$summary" = 0 ] && exit 0
exit 1
