#!/bin/sh
# Every network service type through the openconfig driver: a lab of two
# switches and ixfabd; for each type a job is submitted, the switches'
# running configuration is read back with ncclient and checked, the job
# is undone, and the switches must be exactly as they started.
# Usage: test_services.sh BUILD_DIR
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "$ROOT/$B" 2>/dev/null && pwd || echo "$B")
PY=/usr/bin/python3
T=$(mktemp -d /tmp/ixfab-svc.XXXXXX)
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
trap cleanup EXIT HUP INT PIPE TERM

"$B/ixfabctl" lab up --dir "$T/lab" --switches 2 >/dev/null || {
    echo "FAIL - lab up"
    echo "0 passed, 1 failed"
    exit 1
}
"$B/ixfabd" --inventory "$T/lab/inventory.json" --store "$T/store.db" \
    --listen "$REQ" --events "$EV" 2>"$T/ixfabd.log" &
daemon=$!

getcfg() { $PY "$ROOT/tests/integration/ncget.py" "$T/lab/inventory.json" "$1"; }
getcfg sw1 >"$T/sw1.start"
getcfg sw2 >"$T/sw2.start"
check "starting configs read back" \
    "grep -q Ethernet9 $T/sw1.start && grep -q Ethernet1 $T/sw2.start"

i=0
until $CTL jobs >/dev/null 2>&1 || [ $i -ge 50 ]; do
    sleep 0.2
    i=$((i + 1))
done

# submit NAME: the job in $T/NAME.json must commit
submit() {
    $CTL submit --wait "$T/$1.json" >"$T/$1.out" 2>&1
    rc=$?
    check "$1: job commits (exit $rc)" "[ $rc -eq 0 ]"
    [ $rc -eq 0 ] || sed 's/^/    /' "$T/$1.out" | head -12
}

# has FILE TEXT...: every text occurs in the canonical XML
has() {
    f=$1
    shift
    for s in "$@"; do
        grep -q -- "$s" "$f" || {
            echo "    missing: $s"
            return 1
        }
    done
}

# back NAME: both switches are exactly as they started
back() {
    getcfg sw1 >"$T/sw1.now"
    getcfg sw2 >"$T/sw2.now"
    check "$1: sw1 is exactly as it started" "cmp -s $T/sw1.start $T/sw1.now"
    check "$1: sw2 is exactly as it started" "cmp -s $T/sw2.start $T/sw2.now"
}

# ------------------------------------------------------- exchange_lan
cat >"$T/lan.json" <<'JOB'
{"key": "lan", "changes": [
 {"action": "create", "kind": "connection",
  "object": {"id": "con-a", "mode": "lag_lacp", "lacp_timeout": "fast",
             "speed": 20000,
             "ports": [{"device": "sw1", "name": "Ethernet1"},
                       {"device": "sw1", "name": "Ethernet2"}]}},
 {"action": "create", "kind": "network_service",
  "object": {"id": "ns-lan", "type": "exchange_lan"}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-a-lan", "type": "exchange_lan",
             "network_service": "ns-lan", "connection": "con-a",
             "vlan_config": {"vlan_type": "dot1q", "vlan": 100},
             "capacity": 1000, "asns": [64500], "listed": true,
             "macs": ["42:23:bc:8e:b8:b0", "42:23:bc:8e:b8:b1"]}}]}
JOB
cat >"$T/lan-undo.json" <<'JOB'
{"key": "lan-undo", "changes": [
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-a-lan"}},
 {"action": "delete", "kind": "network_service", "object": {"id": "ns-lan"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-a"}}]}
JOB
submit lan
getcfg sw1 >"$T/lan.xml"
check "exchange_lan: LACP LAG with fast interval and MTU 9216" \
    "has $T/lan.xml 'lag-type>LACP<' 'interval>FAST<' 'mtu>9216<'"
check "exchange_lan: dot1q 100 subinterface in an L2VSI instance" \
    "has $T/lan.xml 'vlan-id>100<' 'id>Port-Channel1.100<' 'L2VSI<'"
check "exchange_lan: MAC allow list bound ingress" \
    "has $T/lan.xml 'source-mac>42:23:bc:8e:b8:b1<' 'set-name>ixfab-macs-nsc-a-lan<' 'DROP<'"
check "exchange_lan: 1000 Mbit/s policer bound to the subinterface" \
    "has $T/lan.xml 'cir>1000000000<' 'ONE_RATE_TWO_COLOR<' 'interface-id>Port-Channel1.100<'"
submit lan-undo
back exchange_lan

# ------------------------------------------------------------ p2p_vc
cat >"$T/p2p.json" <<'JOB'
{"key": "p2p", "changes": [
 {"action": "create", "kind": "connection",
  "object": {"id": "con-p1", "mode": "lag_static", "speed": 10000,
             "ports": [{"device": "sw1", "name": "Ethernet3"}]}},
 {"action": "create", "kind": "connection",
  "object": {"id": "con-p2", "mode": "standalone", "speed": 10000,
             "outer_vlan_ethertypes": ["0x88a8"],
             "ports": [{"device": "sw1", "name": "Ethernet4"}]}},
 {"action": "create", "kind": "network_service",
  "object": {"id": "ns-p2p", "type": "p2p_vc", "capacity": 500}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-p1", "type": "p2p_vc", "network_service": "ns-p2p",
             "connection": "con-p1", "vlan_config": {"vlan_type": "port"}}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-p2", "type": "p2p_vc", "network_service": "ns-p2p",
             "connection": "con-p2",
             "vlan_config": {"vlan_type": "dot1q", "vlan": 42,
                             "vlan_ethertype": "0x88a8"}}}]}
JOB
cat >"$T/p2p-undo.json" <<'JOB'
{"key": "p2p-undo", "changes": [
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-p1"}},
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-p2"}},
 {"action": "delete", "kind": "network_service", "object": {"id": "ns-p2p"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-p1"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-p2"}}]}
JOB
submit p2p
getcfg sw1 >"$T/p2p.xml"
check "p2p_vc: an L2P2P instance with both ends" \
    "has $T/p2p.xml 'L2P2P<' 'id>Port-Channel1.0<' 'id>Ethernet4.42<'"
check "p2p_vc: static LAG, untagged subinterface 0" \
    "has $T/p2p.xml 'lag-type>STATIC<' 'index>0<'"
check "p2p_vc: dot1q 42 with TPID 0x88a8 on the standalone port" \
    "has $T/p2p.xml 'vlan-id>42<' 'TPID_0X88A8<'"
check "p2p_vc: the service's 500 Mbit/s on both ends" \
    "[ \$(grep -o 'cir>500000000<' $T/p2p.xml | wc -l) -eq 2 ]"
submit p2p-undo
back p2p_vc

# ---------------------------------- mp2mp_vc, a group on two switches
cat >"$T/cug.json" <<'JOB'
{"key": "cug", "changes": [
 {"action": "create", "kind": "connection",
  "object": {"id": "con-m1", "mode": "standalone", "speed": 10000,
             "ports": [{"device": "sw1", "name": "Ethernet5"}]}},
 {"action": "create", "kind": "connection",
  "object": {"id": "con-m2", "mode": "lag_lacp", "speed": 10000,
             "ports": [{"device": "sw2", "name": "Ethernet1"}]}},
 {"action": "create", "kind": "network_service",
  "object": {"id": "ns-cug", "type": "mp2mp_vc", "public": true}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-m1", "type": "mp2mp_vc", "network_service": "ns-cug",
             "connection": "con-m1",
             "vlan_config": {"vlan_type": "qinq", "outer_vlan": 200,
                             "inner_vlan": 300}}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-m2", "type": "mp2mp_vc", "network_service": "ns-cug",
             "connection": "con-m2",
             "vlan_config": {"vlan_type": "dot1q", "vlan": 300},
             "macs": ["02:00:00:00:00:02"]}}]}
JOB
cat >"$T/cug-undo.json" <<'JOB'
{"key": "cug-undo", "changes": [
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-m1"}},
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-m2"}},
 {"action": "delete", "kind": "network_service", "object": {"id": "ns-cug"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-m1"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-m2"}}]}
JOB
submit cug
getcfg sw1 >"$T/cug1.xml"
getcfg sw2 >"$T/cug2.xml"
check "mp2mp_vc: sw1 has the group with a double-tagged 200/300 attachment" \
    "has $T/cug1.xml 'name>ns-cug<' 'outer-vlan-id>200<' 'inner-vlan-id>300<' 'id>Ethernet5.2000300<'"
check "mp2mp_vc: sw2 has the group with dot1q 300 and a MAC list" \
    "has $T/cug2.xml 'name>ns-cug<' 'vlan-id>300<' 'id>Port-Channel1.300<' 'source-mac>02:00:00:00:00:02<'"
submit cug-undo
back mp2mp_vc

# ----------------------------------------------------------- p2mp_vc
cat >"$T/tree.json" <<'JOB'
{"key": "tree", "changes": [
 {"action": "create", "kind": "connection",
  "object": {"id": "con-t1", "mode": "standalone", "speed": 10000,
             "ports": [{"device": "sw1", "name": "Ethernet6"}]}},
 {"action": "create", "kind": "connection",
  "object": {"id": "con-t2", "mode": "lag_lacp", "speed": 10000,
             "ports": [{"device": "sw1", "name": "Ethernet7"}]}},
 {"action": "create", "kind": "network_service",
  "object": {"id": "ns-tree", "type": "p2mp_vc", "public": true}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-root", "type": "p2mp_vc", "network_service": "ns-tree",
             "connection": "con-t1", "role": "root",
             "vlan_config": {"vlan_type": "dot1q", "vlan": 10}}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-leaf1", "type": "p2mp_vc", "network_service": "ns-tree",
             "connection": "con-t2", "role": "leaf",
             "vlan_config": {"vlan_type": "dot1q", "vlan": 11}}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-leaf2", "type": "p2mp_vc", "network_service": "ns-tree",
             "connection": "con-t2",
             "vlan_config": {"vlan_type": "dot1q", "vlan": 12}}}]}
JOB
cat >"$T/tree-undo.json" <<'JOB'
{"key": "tree-undo", "changes": [
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-root"}},
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-leaf1"}},
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-leaf2"}},
 {"action": "delete", "kind": "network_service", "object": {"id": "ns-tree"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-t1"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-t2"}}]}
JOB
submit tree
getcfg sw1 >"$T/tree.xml"
check "p2mp_vc: root and both leaves in the instance" \
    "has $T/tree.xml 'id>Ethernet6.10<' 'id>Port-Channel1.11<' 'id>Port-Channel1.12<'"
check "p2mp_vc: the leaf filter drops what came in on a leaf" \
    "has $T/tree.xml 'set-name>ixfab-etree-ns-tree<' 'from leaf nsc-leaf1<' 'from leaf nsc-leaf2<'"
check "p2mp_vc: the filter is bound egress to the two leaves only" \
    "[ \$(grep -o '<[a-z0-9]*:*egress-acl-set>' $T/tree.xml | wc -l) -eq 2 ]"
submit tree-undo
back p2mp_vc

# ----------------------------------------------------------- cloud_vc
cat >"$T/cloud.json" <<'JOB'
{"key": "cloud", "changes": [
 {"action": "create", "kind": "connection",
  "object": {"id": "con-provider", "mode": "standalone", "speed": 100000,
             "ports": [{"device": "sw1", "name": "Ethernet8"}]}},
 {"action": "create", "kind": "connection",
  "object": {"id": "con-c", "mode": "standalone", "speed": 10000,
             "ports": [{"device": "sw1", "name": "Ethernet9"}]}},
 {"action": "create", "kind": "network_service",
  "object": {"id": "ns-cloud", "type": "cloud_vc", "capacity": 200,
             "diversity": 1, "cloud_key": "key-1",
             "handover_connections": ["con-provider"]}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-cloud", "type": "cloud_vc",
             "network_service": "ns-cloud", "connection": "con-c",
             "handover": 1, "cloud_vlan": 1200,
             "vlan_config": {"vlan_type": "dot1q", "vlan": 300}}}]}
JOB
cat >"$T/cloud-undo.json" <<'JOB'
{"key": "cloud-undo", "changes": [
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-cloud"}},
 {"action": "delete", "kind": "network_service", "object": {"id": "ns-cloud"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-c"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-provider"}}]}
JOB
submit cloud
getcfg sw1 >"$T/cloud.xml"
check "cloud_vc: customer dot1q 300 and provider VLAN 1200 in one instance" \
    "has $T/cloud.xml 'id>Ethernet9.300<' 'id>Ethernet8.1200<' 'vlan-id>1200<' 'nsc-cloud provider handover<'"
check "cloud_vc: the service's 200 Mbit/s policer" \
    "has $T/cloud.xml 'cir>200000000<'"
submit cloud-undo
back cloud_vc

kill "$daemon" && wait "$daemon"
check "ixfabd stops cleanly" "[ $? -eq 0 ]"
daemon=

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
