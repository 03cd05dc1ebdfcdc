#!/bin/sh
# Manual use of the UML harness: sh test/helpers/uml-run.sh script.sh [KEY=val ...]
# Prints the script's output and exits with its status; results stay in the printed $OUT.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 script.sh [KEY=val ...]" >&2; exit 2; }
script=$(readlink -f "$1"); shift
cd "$(dirname "$0")/../.."
exec node --import tsx test/helpers/uml-cli.ts "$script" "$@"
