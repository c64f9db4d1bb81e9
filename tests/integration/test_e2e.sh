#!/bin/sh
# End to end: a lab of two switches, ixfabd, and the sample order sent
# with ixfabctl; the switch's running config read back with ncclient.
# Usage: test_e2e.sh BUILD_DIR
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "$ROOT/$B" 2>/dev/null && pwd || echo "$B")
PY=/usr/bin/python3
T=$(mktemp -d /tmp/ixfab-e2e.XXXXXX)
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
        echo "--- ixfabd log (last 60 lines)"
        tail -60 "$T/ixfabd.log"
    fi
    "$B/ixfabctl" lab down --dir "$T/lab" >/dev/null 2>&1
    # the suite searches every test's outputs for its secrets at the end
    [ -n "$IXFAB_TEST_OUTPUTS" ] &&
        cp -r "$T" "$IXFAB_TEST_OUTPUTS/" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

"$B/ixfabctl" lab up --dir "$T/lab" --switches 2 >/dev/null || {
    echo "FAIL - lab up"
    echo "0 passed, 1 failed"
    exit 1
}
"$B/ixfabd" --inventory "$T/lab/inventory.json" --store "$T/store.db" \
    --listen "$REQ" --events "$EV" 2>"$T/ixfabd.log" &
daemon=$!

getcfg() { $PY "$ROOT/tests/integration/ncget.py" "$T/lab/inventory.json" "$1"; }
getcfg sw1 >"$T/before.xml"
check "starting config read back" "grep -q Ethernet1 $T/before.xml"

# wait for the daemon to answer (bounded)
i=0
until $CTL jobs >/dev/null 2>&1 || [ $i -ge 50 ]; do
    sleep 0.2
    i=$((i + 1))
done

$CTL submit --wait "$ROOT/docs/examples/order-4711.json" >"$T/submit.out"
check "sample order commits (submit --wait exits 0)" "[ $? -eq 0 ]"
check "progress shows the commit on sw1" \
    "grep -q 'sw1 *committed' $T/submit.out"

getcfg sw1 >"$T/after.xml"
check "LAG Port-Channel1 exists with LACP" \
    "grep -q '<ns[0-9]*:lag-type>LACP<' $T/after.xml"
check "Ethernet1 and Ethernet2 are members" \
    "[ \$(grep -o 'aggregate-id>Port-Channel1<' $T/after.xml | wc -l) -eq 2 ]"
check "LACP interval is fast" "grep -q 'interval>FAST<' $T/after.xml"
check "VLAN 100 attachment exists" "grep -q 'vlan-id>100<' $T/after.xml"
check "attachment is in the peering LAN instance" \
    "grep -q 'id>Port-Channel1.100<' $T/after.xml"
getcfg sw2 >"$T/sw2.xml"
check "sw2 untouched" "! grep -q Port-Channel $T/sw2.xml"

$CTL --json job 1 >"$T/job.json"
check "job 1 committed in the store" \
    "$PY -c 'import json,sys; j=json.load(open(\"$T/job.json\")); sys.exit(j[\"state\"]!=\"committed\")'"

# malformed jobs are refused, stored nowhere, sent nowhere
echo 'not json' >"$T/bad1.json"
$CTL submit "$T/bad1.json" 2>"$T/bad1.err"
check "not JSON refused with exit 2" "[ $? -eq 2 ]"
check "not JSON: message says so" "grep -q 'not valid JSON' $T/bad1.err"
printf '%s' '{"op":"submit","changes":[' >"$T/raw.txt"
sed 's/"kind": "network_service",/"kind": "router",/' \
    "$ROOT/docs/examples/order-4711.json" | sed 's/order-4711/bad-2/' \
    >"$T/bad2.json"
$CTL submit "$T/bad2.json" 2>"$T/bad2.err"
check "unknown kind refused with exit 2" "[ $? -eq 2 ]"
check "unknown kind named with its path" \
    "grep -q '/changes/1/kind.*router' $T/bad2.err"
sed 's/"vlan": 100/"vlan": 5000/; s/order-4711/bad-3/' \
    "$ROOT/docs/examples/order-4711.json" >"$T/bad3.json"
$CTL submit "$T/bad3.json" 2>"$T/bad3.err"
check "VLAN 5000 refused with exit 2" "[ $? -eq 2 ]"
check "VLAN 5000 named with its path" \
    "grep -q '/changes/2/object/vlan_config/vlan' $T/bad3.err"
$CTL --json jobs >"$T/jobs.json"
check "refused jobs were not stored" \
    "$PY -c 'import json,sys; sys.exit(len(json.load(open(\"$T/jobs.json\")))!=1)'"
getcfg sw1 >"$T/after2.xml"
check "refused jobs changed no switch" "cmp -s $T/after.xml $T/after2.xml"

# the same key again returns the same job
$CTL submit "$ROOT/docs/examples/order-4711.json" >"$T/dup.out"
check "resubmitting the key returns job 1" "grep -q 'job 1 already' $T/dup.out"

cat >"$T/delete.json" <<'JOB'
{"key": "order-4711-cancel", "changes": [
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-a-lan"}},
 {"action": "delete", "kind": "network_service", "object": {"id": "ns-lan"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-a"}}]}
JOB
$CTL submit --wait "$T/delete.json" >"$T/delete.out"
check "deleting the order commits" "[ $? -eq 0 ]"
getcfg sw1 >"$T/final.xml"
check "sw1 is back to its starting config" "cmp -s $T/before.xml $T/final.xml"

$CTL job 99 2>"$T/nojob.err"
check "unknown job id refused" "[ $? -eq 2 ] && grep -q 'no job 99' $T/nojob.err"

kill "$daemon" && wait "$daemon"
check "ixfabd stops cleanly" "[ $? -eq 0 ]"
daemon=

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
