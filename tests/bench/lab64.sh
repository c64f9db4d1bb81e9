#!/bin/sh
# 64 lab switches in one ixfab-vswitch process: how long they take to
# start and how much memory (resident set) each one costs, next to a
# process that hosts a single switch.  Usage: lab64.sh [BUILD_DIR]
B=${1:-build}
N=64
T=$(mktemp -d /tmp/ixfab-bench-lab.XXXXXX)
cleanup() {
    "$B/ixfabctl" lab down --dir "$T/many" >/dev/null 2>&1
    "$B/ixfabctl" lab down --dir "$T/one" >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

now() { date +%s.%N; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
pid_of() { # lab dir, switch
    /usr/bin/python3 -c 'import json,sys
lab = json.load(open(sys.argv[1] + "/lab.json"))
sw = next(s for s in lab["switches"] if s["name"] == sys.argv[2])
print(lab["processes"][sw["process"] - 1]["pid"])' "$1" "$2"
}

t0=$(now)
"$B/ixfabctl" lab up --dir "$T/many" --switches $N --per-process $N \
    >/dev/null || { echo "lab up of $N switches failed"; exit 1; }
t1=$(now)
# a restart is the process alone: no key generation
"$B/ixfabctl" lab restart --dir "$T/many" sw1 >/dev/null || exit 1
t2=$(now)
sleep 1
many=$(rss_kb "$(pid_of "$T/many" sw1)")

"$B/ixfabctl" lab up --dir "$T/one" --switches 1 >/dev/null || exit 1
sleep 1
one=$(rss_kb "$(pid_of "$T/one" sw1)")

awk -v n=$N -v t0="$t0" -v t1="$t1" -v t2="$t2" -v many="$many" \
    -v one="$one" 'BEGIN {
    printf "lab up, %d switches in 1 process (with key generation): %.2f s\n", n, t1 - t0
    printf "process start until all %d switches listen:             %.2f s (%.1f ms per switch)\n", n, t2 - t1, (t2 - t1) * 1000 / n
    printf "resident memory, %d switches in 1 process:              %.1f MiB (%.2f MiB per switch)\n", n, many / 1024, many / 1024 / n
    printf "resident memory, 1 switch in its own process:            %.1f MiB\n", one / 1024
    printf "memory per switch, shared process vs. own process:       %.2f\n", (many / n) / one
}'
