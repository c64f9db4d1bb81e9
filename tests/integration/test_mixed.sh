#!/bin/sh
# One order on a fabric of both device families: a closed user group
# (mp2mp_vc) with one member on an OpenConfig switch and one on an SR OS
# switch.  Both switches get their own vendor's configuration in one
# transaction, and deleting the order takes it off both.
# Usage: test_mixed.sh BUILD_DIR
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "$ROOT/$B" 2>/dev/null && pwd || echo "$B")
PY=/usr/bin/python3
T=$(mktemp -d /tmp/ixfab-mixed.XXXXXX)
CTL="$B/ixfabctl --endpoint ipc://$T/req --events ipc://$T/ev"
pass=0
fail=0
daemon=

ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

cleanup() {
    [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon"
    if [ "$fail" -ne 0 ] && [ -f "$T/ixfabd.log" ]; then
        tail -30 "$T/ixfabd.log"
    fi
    "$B/ixfabctl" lab down --dir "$T/lab" >/dev/null 2>&1
    # the suite searches every test's outputs for its secrets at the end
    [ -n "$IXFAB_TEST_OUTPUTS" ] &&
        cp -r "$T" "$IXFAB_TEST_OUTPUTS/" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT INT TERM HUP PIPE

"$B/ixfabctl" lab up --dir "$T/lab" --switches 1:openconfig,1:sros \
    >"$T/lab.out" 2>&1 || {
    cat "$T/lab.out"
    echo "0 passed, 1 failed"
    exit 1
}
"$B/ixfabd" --inventory "$T/lab/inventory.json" --store "$T/store.db" \
    --listen "ipc://$T/req" --events "ipc://$T/ev" 2>"$T/ixfabd.log" &
daemon=$!
i=0
until $CTL jobs >/dev/null 2>&1 || [ $i -ge 100 ]; do
    sleep 0.1
    i=$((i + 1))
done

get() { $PY "$ROOT/tests/integration/ncget.py" "$T/lab/inventory.json" "$1"; }
get sw1 >"$T/sw1-start.xml"
get sw2 >"$T/sw2-start.xml"
check "sw1 speaks OpenConfig, sw2 SR OS" \
    "grep -q Ethernet1 $T/sw1-start.xml && ! grep -q Ethernet $T/sw2-start.xml"

cat >"$T/cug.json" <<'JOB'
{"key": "cug-1", "changes": [
 {"action": "create", "kind": "network_service",
  "object": {"id": "cug-red", "type": "mp2mp_vc", "public": true}},
 {"action": "create", "kind": "connection",
  "object": {"id": "con-oc", "mode": "lag_lacp", "lacp_timeout": "fast",
             "ports": [{"device": "sw1", "name": "Ethernet7"}]}},
 {"action": "create", "kind": "connection",
  "object": {"id": "con-sr", "mode": "lag_lacp", "lacp_timeout": "fast",
             "ports": [{"device": "sw2", "name": "1/1/c7/1"}]}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-oc", "type": "mp2mp_vc", "network_service": "cug-red",
             "connection": "con-oc",
             "vlan_config": {"vlan_type": "dot1q", "vlan": 710},
             "macs": ["42:23:bc:8e:b8:b1"]}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-sr", "type": "mp2mp_vc", "network_service": "cug-red",
             "connection": "con-sr",
             "vlan_config": {"vlan_type": "dot1q", "vlan": 720},
             "capacity": 500}}]}
JOB
$CTL submit --wait "$T/cug.json" >"$T/submit.out" 2>&1
check "the closed user group commits on both families" "[ $? -eq 0 ]"
check "both switches took part in the transaction" \
    "grep -q 'sw1 .*committed' $T/submit.out && grep -q 'sw2 .*committed' $T/submit.out"

get sw1 >"$T/sw1.xml"
get sw2 >"$T/sw2.xml"
check "sw1: an L2 network instance for the group" \
    "grep -q 'name>cug-red<' $T/sw1.xml && grep -q 'L2VSI' $T/sw1.xml"
check "sw1: the member's VLAN 710 in it" \
    "grep -q 'id>Port-Channel1.710<' $T/sw1.xml"
check "sw1: the MAC allow list" "grep -qi '42:23:bc:8e:b8:b1' $T/sw1.xml"
check "sw2: a VPLS for the group" "grep -q 'service-name>cug-red<' $T/sw2.xml"
check "sw2: the member's SAP lag-1:720" "grep -q 'sap-id>lag-1:720<' $T/sw2.xml"
check "sw2: its capacity as a policer" "grep -q 'sap-ingress' $T/sw2.xml"

cat >"$T/del.json" <<'JOB'
{"changes": [
 {"action": "delete", "kind": "network_service_config", "object": {"id": "nsc-oc"}},
 {"action": "delete", "kind": "network_service_config", "object": {"id": "nsc-sr"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-oc"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-sr"}},
 {"action": "delete", "kind": "network_service", "object": {"id": "cug-red"}}]}
JOB
$CTL submit --wait "$T/del.json" >/dev/null 2>&1
check "deleting the group commits" "[ $? -eq 0 ]"
get sw1 >"$T/sw1-end.xml"
get sw2 >"$T/sw2-end.xml"
check "sw1 exactly as it started" "cmp -s $T/sw1-start.xml $T/sw1-end.xml"
check "sw2 has no VPLS, LAG or SAP left" \
    "! grep -q 'vpls\|<lag>\|sap-id' $T/sw2-end.xml"

kill "$daemon" && wait "$daemon"
check "ixfabd stops cleanly" "[ $? -eq 0 ]"
daemon=
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
