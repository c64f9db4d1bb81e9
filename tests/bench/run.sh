#!/bin/sh
# Runs every benchmark script in tests/bench against the programs in
# BUILD_DIR (default build).  Usage: run.sh [BUILD_DIR]
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 1
rc=0
for s in tests/bench/*.sh; do
    [ "$s" = tests/bench/run.sh ] && continue
    echo "== $(basename "$s" .sh)"
    sh "$s" "$B" || rc=1
done
exit $rc
