#!/bin/sh
# Job intake: validation time per job with 100 and with 100,000
# attachments in the desired state (and their ratio), and jobs validated
# and stored per second.  Usage: intake.sh [BUILD_DIR] [JOBS]
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 1
exec "$B/bench/bench_intake" "${2:-2000}"
