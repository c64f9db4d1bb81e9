#!/bin/sh
# ixfabd is killed with SIGKILL right after its Nth journal write, while
# a job spans two switches, then restarted.  After each restart: the job
# that was acknowledged ends committed, every switch is wholly old or
# wholly new as that state says, no lock is left and no confirmed commit
# is pending.
#
# Usage: test_crash.sh BUILD_DIR [COUNT [seq|random]]
#   seq: crash points 1..COUNT in turn; random: COUNT points drawn at
#   random from 1..12.
B=${1:-build}
COUNT=${2:-9}
MODE=${3:-seq}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "$ROOT/$B" 2>/dev/null && pwd || echo "$B")
PY=/usr/bin/python3
T=$(mktemp -d /tmp/ixfab-crash.XXXXXX)
REQ="ipc://$T/req"
EV="ipc://$T/ev"
CTL="$B/ixfabctl --endpoint $REQ --events $EV"
pass=0
fail=0
daemon=

ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

cleanup() {
    [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon"
    if [ "$fail" -ne 0 ] && [ -f "$T/ixfabd.log" ]; then
        echo "--- ixfabd log (last 40 lines)"
        tail -40 "$T/ixfabd.log"
    fi
    "$B/ixfabctl" lab down --dir "$T/lab" >/dev/null 2>&1
    # the suite searches every test's outputs for its secrets at the end
    [ -n "$IXFAB_TEST_OUTPUTS" ] &&
        cp -r "$T" "$IXFAB_TEST_OUTPUTS/" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

start_daemon() { # [crash point]
    if [ -n "$1" ]; then
        IXFAB_TEST_CRASH_AT=$1 "$B/ixfabd" --inventory "$T/lab/inventory.json" \
            --store "$T/store.db" --listen "$REQ" --events "$EV" \
            --confirm-timeout 3 2>>"$T/ixfabd.log" &
    else
        "$B/ixfabd" --inventory "$T/lab/inventory.json" \
            --store "$T/store.db" --listen "$REQ" --events "$EV" \
            --confirm-timeout 3 2>>"$T/ixfabd.log" &
    fi
    daemon=$!
    i=0
    until $CTL jobs >/dev/null 2>&1 || [ $i -ge 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
}

# waits (bounded) for a job to leave queued/running; prints its state
job_final() {
    i=0
    while [ $i -lt 150 ]; do
        st=$($CTL --json job "$1" 2>/dev/null |
            $PY -c 'import json,sys; print(json.load(sys.stdin)["state"])' \
                2>/dev/null)
        case "$st" in
        committed | failed | cancelled)
            echo "$st"
            return
            ;;
        esac
        sleep 0.2
        i=$((i + 1))
    done
    echo "timeout"
}

has_cug() { # device: 1 if the attachment is there
    $PY "$ROOT/tests/integration/ncget.py" "$T/lab/inventory.json" "$1" |
        grep -c 'ixfab nsc-x-'
}

"$B/ixfabctl" lab up --dir "$T/lab" --switches 2 >/dev/null || {
    echo "FAIL - lab up"
    echo "0 passed, 1 failed"
    exit 1
}

cat >"$T/create.json" <<'JOB'
{"changes": [
 {"action": "create", "kind": "network_service",
  "object": {"id": "ns-x", "type": "exchange_lan"}},
 {"action": "create", "kind": "connection",
  "object": {"id": "con-x1", "mode": "lag_static",
             "ports": [{"device": "sw1", "name": "Ethernet5"}]}},
 {"action": "create", "kind": "connection",
  "object": {"id": "con-x2", "mode": "lag_lacp",
             "ports": [{"device": "sw2", "name": "Ethernet6"}]}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-x-1", "type": "exchange_lan", "network_service": "ns-x",
             "connection": "con-x1",
             "vlan_config": {"vlan_type": "dot1q", "vlan": 300},
             "asns": [64501], "listed": true}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-x-2", "type": "exchange_lan", "network_service": "ns-x",
             "connection": "con-x2",
             "vlan_config": {"vlan_type": "dot1q", "vlan": 301},
             "asns": [64502], "listed": true}}]}
JOB
cat >"$T/delete.json" <<'JOB'
{"changes": [
 {"action": "delete", "kind": "network_service_config", "object": {"id": "nsc-x-1"}},
 {"action": "delete", "kind": "network_service_config", "object": {"id": "nsc-x-2"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-x1"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-x2"}},
 {"action": "delete", "kind": "network_service", "object": {"id": "ns-x"}}]}
JOB

present=0
jobs=0
n=0
while [ $n -lt "$COUNT" ]; do
    n=$((n + 1))
    if [ "$MODE" = random ]; then
        point=$(($(od -An -N2 -tu2 /dev/urandom) % 12 + 1))
    else
        point=$n
    fi
    if [ $present -eq 0 ]; then job="$T/create.json"; else job="$T/delete.json"; fi

    start_daemon "$point"
    out=$($CTL --json submit "$job")
    id=$(echo "$out" | $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    jobs=$((jobs + 1))
    # it dies at the crash point, or finishes if the job has fewer steps
    i=0
    while kill -0 "$daemon" 2>/dev/null && [ $i -lt 100 ]; do
        st=$($CTL --json job "$id" 2>/dev/null | grep -c '"state": "committed"')
        [ "$st" -gt 0 ] && break
        sleep 0.1
        i=$((i + 1))
    done
    kill -9 "$daemon" 2>/dev/null
    wait "$daemon" 2>/dev/null
    daemon=

    start_daemon
    state=$(job_final "$id")
    check "crash at step $point: acknowledged job $id ends committed" \
        "[ $state = committed ]"
    present=$((1 - present))
    a=$(has_cug sw1)
    b=$(has_cug sw2)
    check "crash at step $point: sw1 and sw2 both $( [ $present = 1 ] && echo new || echo old)" \
        "[ $a = $present ] && [ $b = $present ]"
    for sw in sw1 sw2; do
        check "crash at step $point: $sw has no lock or pending commit left" \
            "$PY $ROOT/tests/integration/nccheck.py $T/lab/inventory.json $sw >/dev/null"
    done
    # (a loaded machine may answer slowly: ask a few times)
    total=
    for _ in 1 2 3 4 5; do
        total=$($CTL --json jobs 2>/dev/null |
            $PY -c 'import json,sys; print(len(json.load(sys.stdin)))' \
                2>/dev/null) && break
        sleep 1
    done
    check "crash at step $point: no acknowledged job lost" "[ $total = $jobs ]"
    kill "$daemon" && wait "$daemon"
    daemon=
done

if [ "$MODE" = seq ] && [ "$COUNT" -ge 8 ]; then
    check "some restarts rolled a transaction back" \
        "grep -q 'undoing it' $T/ixfabd.log"
    check "some restarts rolled a transaction forward" \
        "grep -q 'finishing it' $T/ixfabd.log"
fi

# nothing reverts later: the confirm timeout (3 s) has passed by now
sleep 3
a=$(has_cug sw1)
b=$(has_cug sw2)
check "configuration stays after the confirm timeout" \
    "[ $a = $present ] && [ $b = $present ]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
