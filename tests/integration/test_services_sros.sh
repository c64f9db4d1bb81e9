#!/bin/sh
# Every network service type on a lab of sros switches: each one is
# submitted through ixfabd, read back with ncclient, checked, deleted,
# and the switches must then be exactly as they started.  Then all of
# them at once, with the running configuration checked by yanglint
# against the published SR OS model when $SROS_YANG (default
# /work/ext/sros-full-26.3) holds it.  Last, a switch that starts with
# no ports at all.
# Usage: test_services_sros.sh BUILD_DIR
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "$ROOT/$B" 2>/dev/null && pwd || echo "$B")
PY=/usr/bin/python3
SROS_YANG=${SROS_YANG:-/work/ext/sros-full-26.3}
T=$(mktemp -d /tmp/ixfab-sros.XXXXXX)
REQ="ipc://$T/req"
EV="ipc://$T/ev"
CTL="$B/ixfabctl --endpoint $REQ --events $EV"
pass=0
fail=0
daemon=
lab=

ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

daemon_stop() {
    [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon"
    daemon=
}

cleanup() {
    daemon_stop
    if [ "$fail" -ne 0 ] && [ -f "$T/ixfabd.log" ]; then
        echo "--- ixfabd log (last 40 lines)"
        tail -40 "$T/ixfabd.log"
    fi
    [ -n "$lab" ] && "$B/ixfabctl" lab down --dir "$lab" >/dev/null 2>&1
    # the suite searches every test's outputs for its secrets at the end
    [ -n "$IXFAB_TEST_OUTPUTS" ] &&
        cp -r "$T" "$IXFAB_TEST_OUTPUTS/" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

# xq FILE PATH: the text of every element PATH matches in a config read
# back by ncget.py (ElementTree paths, prefix c: for nokia-conf).
cat >"$T/xq.py" <<'PY'
import sys
import xml.etree.ElementTree as ET
ns = {"c": "urn:nokia.com:sros:ns:yang:sr:conf"}
root = ET.parse(sys.argv[1]).getroot()
for el in root.findall(sys.argv[2], ns):
    print((el.text or "").strip() or "<present>")
PY
xq() { $PY "$T/xq.py" "$1" "./c:configure/$2"; }
has() { [ -n "$(xq "$1" "$2")" ]; }
hasnt() { [ -z "$(xq "$1" "$2")" ]; }
is() { [ "$(xq "$1" "$2")" = "$3" ]; }
check_re() { xq "$1" "$2" | grep -qx "$3"; }
count() { [ "$(xq "$1" "$2" | wc -l)" -eq "$3" ]; }
values() { [ "$(xq "$1" "$2" | sort | tr '\n' ' ')" = "$3 " ]; }
# t NAME COMMAND...: one check, the command run as it is
t() {
    name=$1
    shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}

getcfg() { $PY "$ROOT/tests/integration/ncget.py" "$lab/inventory.json" "$1"; }

# lab_start DIR [STARTUP]: a lab of sros switches and ixfabd on it
lab_start() {
    lab=$1
    if ! "$B/ixfabctl" lab up --dir "$lab" --switches "$2" --profile sros \
        ${3:+--startup "$3"} >"$T/lab.out" 2>&1; then
        cat "$T/lab.out"
        bad "lab up ($2 sros switches)"
        return 1
    fi
    rm -f "$T/store.db"*
    "$B/ixfabd" --inventory "$lab/inventory.json" --store "$T/store.db" \
        --listen "$REQ" --events "$EV" 2>>"$T/ixfabd.log" &
    daemon=$!
    i=0
    until $CTL jobs >/dev/null 2>&1 || [ $i -ge 50 ]; do
        sleep 0.2
        i=$((i + 1))
    done
}

lab_stop() {
    daemon_stop
    "$B/ixfabctl" lab down --dir "$lab" >/dev/null 2>&1
    lab=
}

# submit NAME FILE: a job that must commit
submit() {
    $CTL submit --wait "$2" >"$T/$1.out" 2>&1
    if [ $? -eq 0 ]; then
        ok "$1: job commits"
    else
        bad "$1: job commits"
        cat "$T/$1.out"
    fi
}

# round NAME: create job $T/NAME.json, checks in NAME_checks, delete job
# $T/NAME-del.json, then both switches exactly as they started
round() {
    submit "$1 create" "$T/$1.json"
    getcfg sw1 >"$T/$1-sw1.xml"
    getcfg sw2 >"$T/$1-sw2.xml"
    "$1_checks" "$T/$1-sw1.xml" "$T/$1-sw2.xml"
    submit "$1 delete" "$T/$1-del.json"
    getcfg sw1 >"$T/$1-sw1-after.xml"
    getcfg sw2 >"$T/$1-sw2-after.xml"
    check "$1: sw1 exactly as it started" \
        "cmp -s $T/start-sw1.xml $T/$1-sw1-after.xml"
    check "$1: sw2 exactly as it started" \
        "cmp -s $T/start-sw2.xml $T/$1-sw2-after.xml"
}

# the operator's ports, as a router has them before ixfab
{
    echo '<configure xmlns="urn:nokia.com:sros:ns:yang:sr:conf">'
    for c in 1 2 3 4 5 6; do
        printf '<port><port-id>1/1/c%s/1</port-id>' "$c"
        printf '<admin-state>enable</admin-state>'
        printf '<description>member port %s</description></port>\n' "$c"
    done
    echo '</configure>'
} >"$T/startup.xml"

lab_start "$T/lab" 2 "$T/startup.xml" || exit 1
getcfg sw1 >"$T/start-sw1.xml"
getcfg sw2 >"$T/start-sw2.xml"
t "start: sw1 has the operator's six ports" \
    count "$T/start-sw1.xml" c:port 6
t "start: and no services" hasnt "$T/start-sw1.xml" c:service

# ------------------------------------------------------- exchange_lan
cat >"$T/lan.json" <<'JOB'
{"key": "lan", "changes": [
 {"action": "create", "kind": "connection",
  "object": {"id": "con-a", "mode": "lag_lacp", "lacp_timeout": "fast",
             "speed": 20000,
             "ports": [{"device": "sw1", "name": "1/1/c1/1"},
                       {"device": "sw1", "name": "1/1/c2/1"}]}},
 {"action": "create", "kind": "network_service",
  "object": {"id": "ns-lan", "type": "exchange_lan", "name": "Peering LAN"}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-a-lan", "type": "exchange_lan",
             "network_service": "ns-lan", "connection": "con-a",
             "vlan_config": {"vlan_type": "dot1q", "vlan": 100,
                             "vlan_ethertype": "0x8100"},
             "capacity": 1000, "asns": [64500], "listed": true,
             "macs": ["42:23:bc:8e:b8:b0", "42:23:bc:8e:b8:b1"]}}]}
JOB
cat >"$T/lan-del.json" <<'JOB'
{"key": "lan-del", "changes": [
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-a-lan"}},
 {"action": "delete", "kind": "network_service", "object": {"id": "ns-lan"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-a"}}]}
JOB
lan_checks() {
    L="c:lag[c:lag-name='lag-1']"
    S="c:service/c:vpls[c:service-name='ns-lan']"
    P="c:port[c:port-id='1/1/c2/1']"
    A="$S/c:sap[c:sap-id='lag-1:100']"
    t "lan: lag-1 runs LACP active" is "$1" "$L/c:lacp/c:mode" active
    t "lan: LACP key is the LAG number" \
        is "$1" "$L/c:lacp/c:administrative-key" 1
    t "lan: LACP fast" is "$1" "$L/c:lacp-xmit-interval" fast
    t "lan: lag-1 in access mode" is "$1" "$L/c:mode" access
    t "lan: lag-1 is dot1q" is "$1" "$L/c:encap-type" dot1q
    t "lan: lag-1 enabled" is "$1" "$L/c:admin-state" enable
    t "lan: both ports are members" \
        values "$1" "$L/c:port/c:port-id" "1/1/c1/1 1/1/c2/1"
    t "lan: member port dot1q" is "$1" "$P/c:ethernet/c:encap-type" dot1q
    t "lan: member port access" is "$1" "$P/c:ethernet/c:mode" access
    t "lan: the operator's port leaves stay" is "$1" "$P/c:admin-state" enable
    t "lan: VPLS ns-lan of customer ixfab" is "$1" "$S/c:customer" ixfab
    t "lan: VPLS enabled" is "$1" "$S/c:admin-state" enable
    t "lan: customer ixfab exists" \
        has "$1" "c:service/c:customer[c:customer-name='ixfab']"
    t "lan: SAP lag-1:100 filters on the MAC list" \
        is "$1" "$A/c:ingress/c:filter/c:mac" ixfab-macs-nsc-a-lan
    t "lan: SAP lag-1:100 has the QoS policy" \
        is "$1" "$A/c:ingress/c:qos/c:sap-ingress/c:policy-name" \
        ixfab-rate-nsc-a-lan
    t "lan: MAC filter drops by default" \
        is "$1" "c:filter/c:mac-filter/c:default-action" drop
    t "lan: MAC filter accepts the two MACs" values "$1" \
        "c:filter/c:mac-filter/c:entry/c:match/c:src-mac/c:address" \
        "42:23:bc:8e:b8:b0 42:23:bc:8e:b8:b1"
    t "lan: both entries accept" \
        count "$1" "c:filter/c:mac-filter/c:entry/c:action/c:accept" 2
    t "lan: policer pir 1000000 kb/s" \
        is "$1" "c:qos/c:sap-ingress/c:policer/c:rate/c:pir" 1000000
    t "lan: sw2 untouched" cmp -s "$T/start-sw2.xml" "$2"
}
round lan

# ------------------------------------------------------------- p2p_vc
cat >"$T/p2p.json" <<'JOB'
{"key": "p2p", "changes": [
 {"action": "create", "kind": "connection",
  "object": {"id": "con-b", "mode": "lag_static", "speed": 10000,
             "ports": [{"device": "sw1", "name": "1/1/c3/1"}]}},
 {"action": "create", "kind": "connection",
  "object": {"id": "con-c", "mode": "standalone", "speed": 10000,
             "ports": [{"device": "sw2", "name": "1/1/c1/1"}]}},
 {"action": "create", "kind": "network_service",
  "object": {"id": "vc-p2p", "type": "p2p_vc", "capacity": 500}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-b-p2p", "type": "p2p_vc", "network_service": "vc-p2p",
             "connection": "con-b",
             "vlan_config": {"vlan_type": "qinq", "outer_vlan": 300,
                             "inner_vlan": 20}}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-c-p2p", "type": "p2p_vc", "network_service": "vc-p2p",
             "connection": "con-c",
             "vlan_config": {"vlan_type": "dot1q", "vlan": 600}}}]}
JOB
cat >"$T/p2p-del.json" <<'JOB'
{"key": "p2p-del", "changes": [
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-b-p2p"}},
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-c-p2p"}},
 {"action": "delete", "kind": "network_service", "object": {"id": "vc-p2p"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-b"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-c"}}]}
JOB
p2p_checks() {
    S="c:service/c:vpls[c:service-name='vc-p2p']"
    t "p2p: static LAG on sw1 holds 1/1/c3/1" \
        has "$1" "c:lag/c:port[c:port-id='1/1/c3/1']"
    t "p2p: static LAG has no LACP" hasnt "$1" "c:lag/c:lacp"
    t "p2p: static LAG is qinq" is "$1" "c:lag/c:encap-type" qinq
    t "p2p: SAP lag-N:300.20 on sw1" check_re "$1" "$S/c:sap/c:sap-id" \
        'lag-[0-9]*:300\.20'
    t "p2p: standalone port on sw2 is dot1q" \
        is "$2" "c:port[c:port-id='1/1/c1/1']/c:ethernet/c:encap-type" dot1q
    t "p2p: SAP 1/1/c1/1:600 on sw2" \
        has "$2" "$S/c:sap[c:sap-id='1/1/c1/1:600']"
    t "p2p: the service's capacity polices sw1 (500000 kb/s)" \
        is "$1" "c:qos/c:sap-ingress/c:policer/c:rate/c:pir" 500000
    t "p2p: and sw2" \
        is "$2" "c:qos/c:sap-ingress/c:policer/c:rate/c:pir" 500000
}
round p2p

# ----------------------------------------------------------- mp2mp_vc
cat >"$T/cug.json" <<'JOB'
{"key": "cug", "changes": [
 {"action": "create", "kind": "connection",
  "object": {"id": "con-a", "mode": "lag_lacp", "lacp_timeout": "slow",
             "speed": 20000,
             "ports": [{"device": "sw1", "name": "1/1/c1/1"},
                       {"device": "sw1", "name": "1/1/c2/1"}]}},
 {"action": "create", "kind": "network_service",
  "object": {"id": "vc-cug", "type": "mp2mp_vc", "public": true}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-cug-1", "type": "mp2mp_vc", "network_service": "vc-cug",
             "connection": "con-a",
             "vlan_config": {"vlan_type": "dot1q", "vlan": 700}}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-cug-2", "type": "mp2mp_vc", "network_service": "vc-cug",
             "connection": "con-a",
             "vlan_config": {"vlan_type": "qinq", "outer_vlan": 200,
                             "inner_vlan": 7},
             "macs": ["02:00:00:00:00:01"]}}]}
JOB
cat >"$T/cug-del.json" <<'JOB'
{"key": "cug-del", "changes": [
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-cug-1"}},
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-cug-2"}},
 {"action": "delete", "kind": "network_service", "object": {"id": "vc-cug"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-a"}}]}
JOB
cug_checks() {
    S="c:service/c:vpls[c:service-name='vc-cug']"
    t "cug: dot1q and qinq on one LAG make it qinq" \
        is "$1" "c:lag/c:encap-type" qinq
    t "cug: its member ports too" \
        is "$1" "c:port[c:port-id='1/1/c1/1']/c:ethernet/c:encap-type" qinq
    t "cug: LACP slow" is "$1" "c:lag/c:lacp-xmit-interval" slow
    t "cug: SAPs lag-1:200.7 and lag-1:700.0" \
        values "$1" "$S/c:sap/c:sap-id" "lag-1:200.7 lag-1:700.0"
    t "cug: only the qinq SAP has a MAC filter" \
        is "$1" "$S/c:sap[c:sap-id='lag-1:200.7']/c:ingress/c:filter/c:mac" \
        ixfab-macs-nsc-cug-2
    t "cug: one MAC filter" count "$1" "c:filter/c:mac-filter" 1
}
round cug

# ------------------------------------------------------------ p2mp_vc
cat >"$T/tree.json" <<'JOB'
{"key": "tree", "changes": [
 {"action": "create", "kind": "connection",
  "object": {"id": "con-r", "mode": "lag_lacp", "speed": 10000,
             "ports": [{"device": "sw1", "name": "1/1/c1/1"}]}},
 {"action": "create", "kind": "connection",
  "object": {"id": "con-l1", "mode": "standalone", "speed": 10000,
             "ports": [{"device": "sw1", "name": "1/1/c4/1"}]}},
 {"action": "create", "kind": "connection",
  "object": {"id": "con-l2", "mode": "standalone", "speed": 10000,
             "ports": [{"device": "sw2", "name": "1/1/c2/1"}]}},
 {"action": "create", "kind": "network_service",
  "object": {"id": "vc-tree", "type": "p2mp_vc", "public": true}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-root", "type": "p2mp_vc", "network_service": "vc-tree",
             "connection": "con-r", "role": "root",
             "vlan_config": {"vlan_type": "dot1q", "vlan": 10}}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-leaf1", "type": "p2mp_vc",
             "network_service": "vc-tree", "connection": "con-l1",
             "role": "leaf",
             "vlan_config": {"vlan_type": "dot1q", "vlan": 11}}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-leaf2", "type": "p2mp_vc",
             "network_service": "vc-tree", "connection": "con-l2",
             "vlan_config": {"vlan_type": "port"}}}]}
JOB
cat >"$T/tree-del.json" <<'JOB'
{"key": "tree-del", "changes": [
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-root"}},
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-leaf1"}},
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-leaf2"}},
 {"action": "delete", "kind": "network_service", "object": {"id": "vc-tree"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-r"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-l1"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-l2"}}]}
JOB
tree_checks() {
    S="c:service/c:vpls[c:service-name='vc-tree']"
    t "tree: the VPLS is an E-Tree on sw1" is "$1" "$S/c:etree" true
    t "tree: and on sw2" is "$2" "$S/c:etree" true
    t "tree: the root SAP is no leaf" \
        hasnt "$1" "$S/c:sap[c:sap-id='lag-1:10']/c:etree-leaf"
    t "tree: the leaf SAP is" \
        is "$1" "$S/c:sap[c:sap-id='1/1/c4/1:11']/c:etree-leaf" true
    t "tree: an untagged leaf is the whole port" \
        is "$2" "$S/c:sap[c:sap-id='1/1/c2/1']/c:etree-leaf" true
    t "tree: that port is null-encapsulated" \
        is "$2" "c:port[c:port-id='1/1/c2/1']/c:ethernet/c:encap-type" null
}
round tree

# ----------------------------------------------------------- cloud_vc
cat >"$T/cloud.json" <<'JOB'
{"key": "cloud", "changes": [
 {"action": "create", "kind": "connection",
  "object": {"id": "con-m", "mode": "lag_lacp", "lacp_timeout": "fast",
             "speed": 10000,
             "ports": [{"device": "sw1", "name": "1/1/c5/1"}]}},
 {"action": "create", "kind": "connection",
  "object": {"id": "con-p", "mode": "lag_lacp", "lacp_timeout": "fast",
             "speed": 20000,
             "ports": [{"device": "sw2", "name": "1/1/c3/1"},
                       {"device": "sw2", "name": "1/1/c4/1"}]}},
 {"action": "create", "kind": "network_service",
  "object": {"id": "vc-cloud", "type": "cloud_vc", "capacity": 200,
             "diversity": 1, "handover_connections": ["con-p"]}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-cl-1", "type": "cloud_vc",
             "network_service": "vc-cloud", "connection": "con-m",
             "vlan_config": {"vlan_type": "dot1q", "vlan": 800},
             "handover": 1, "cloud_vlan": 100}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-cl-2", "type": "cloud_vc",
             "network_service": "vc-cloud", "connection": "con-m",
             "vlan_config": {"vlan_type": "dot1q", "vlan": 801},
             "handover": 1, "cloud_vlan": null}}]}
JOB
cat >"$T/cloud-del.json" <<'JOB'
{"key": "cloud-del", "changes": [
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-cl-1"}},
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-cl-2"}},
 {"action": "delete", "kind": "network_service", "object": {"id": "vc-cloud"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-m"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-p"}}]}
JOB
cloud_checks() {
    S="c:service/c:vpls[c:service-name='vc-cloud']"
    t "cloud: member SAPs lag-1:800 and lag-1:801 on sw1" \
        values "$1" "$S/c:sap/c:sap-id" "lag-1:800 lag-1:801"
    t "cloud: provider handover SAPs lag-1:* and lag-1:100 on sw2" \
        values "$2" "$S/c:sap/c:sap-id" "lag-1:* lag-1:100"
    t "cloud: the provider handover is dot1q" is "$2" "c:lag/c:encap-type" dot1q
    t "cloud: every SAP on sw1 is policed" \
        count "$1" "$S/c:sap/c:ingress/c:qos/c:sap-ingress/c:policy-name" 2
    t "cloud: every SAP on sw2 is policed" \
        count "$2" "$S/c:sap/c:ingress/c:qos/c:sap-ingress/c:policy-name" 2
    t "cloud: at the service's 200000 kb/s" values "$2" \
        "c:qos/c:sap-ingress/c:policer/c:rate/c:pir" "200000 200000"
}
round cloud

# ---------------------------------------------- everything at once
$PY - "$T" <<'PY'
import json, sys
t = sys.argv[1]
changes, dels = [], []
for name in ("lan", "p2p", "cug", "tree", "cloud"):
    job = json.load(open(f"{t}/{name}.json"))
    for c in job["changes"]:
        if c["kind"] == "connection" and any(
                x["object"]["id"] == c["object"]["id"] for x in changes):
            continue
        changes.append(c)
    dels += json.load(open(f"{t}/{name}-del.json"))["changes"]
# one connection per port: the later rounds reuse con-a's ports
ports = {}
keep = []
for c in changes:
    if c["kind"] == "connection":
        key = tuple((p["device"], p["name"]) for p in c["object"]["ports"])
        if any(k in ports for k in key):
            continue
        for k in key:
            ports[k] = c["object"]["id"]
    keep.append(c)
ids = {c["object"]["id"] for c in keep if c["kind"] == "connection"}
final = []
for c in keep:
    o = c["object"]
    if c["kind"] == "network_service_config" and o["connection"] not in ids:
        o["connection"] = "con-a"
    final.append(c)
json.dump({"key": "all", "changes": final}, open(f"{t}/all.json", "w"))
seen, d = set(), []
for c in dels:
    k = (c["kind"], c["object"]["id"])
    if k not in seen and (c["kind"] != "connection" or k[1] in ids):
        seen.add(k)
        d.append(c)
order = ["network_service_config", "network_service", "connection"]
d.sort(key=lambda c: order.index(c["kind"]))
json.dump({"key": "all-del", "changes": d}, open(f"{t}/all-del.json", "w"))
PY
submit "all service types at once" "$T/all.json"
getcfg sw1 >"$T/all-sw1.xml"
getcfg sw2 >"$T/all-sw2.xml"
t "all: five VPLS services on sw1" count "$T/all-sw1.xml" c:service/c:vpls 5
if [ -f "$SROS_YANG/nokia-conf.yang" ]; then
    for sw in sw1 sw2; do
        # the reply's <data> children are the configuration
        $PY -c "import sys,xml.etree.ElementTree as E
r=E.parse(sys.argv[1]).getroot()
print(''.join(E.tostring(c).decode() for c in r))" "$T/all-$sw.xml" \
            >"$T/all-$sw-config.xml"
        yanglint -i -i -p "$SROS_YANG" -p /usr/share/yuma/modules/ietf \
            -t config "$SROS_YANG/nokia-conf.yang" "$T/all-$sw-config.xml" \
            >"$T/yanglint-$sw.out" 2>&1
        if [ $? -eq 0 ] && ! grep -q 'libyang err\|YANGLINT\[E\]' "$T/yanglint-$sw.out"
        then
            ok "all: $sw running config valid in the published 26.3 model"
        else
            bad "all: $sw running config valid in the published 26.3 model"
            grep 'libyang err\|YANGLINT' "$T/yanglint-$sw.out" | head -5
        fi
    done
else
    echo "# published SR OS model not in $SROS_YANG: yanglint check skipped"
fi
submit "all deleted" "$T/all-del.json"
getcfg sw1 >"$T/all-sw1-after.xml"
getcfg sw2 >"$T/all-sw2-after.xml"
check "all: sw1 exactly as it started" \
    "cmp -s $T/start-sw1.xml $T/all-sw1-after.xml"
check "all: sw2 exactly as it started" \
    "cmp -s $T/start-sw2.xml $T/all-sw2-after.xml"
lab_stop

# ---------------------------------- a switch with no ports configured
lab_start "$T/lab0" 2 || exit 1
getcfg sw1 >"$T/empty-start.xml"
t "empty: sw1 starts with no ports" hasnt "$T/empty-start.xml" c:port
sed 's/"key": "lan"/"key": "lan0"/' "$T/lan.json" >"$T/lan0.json"
sed 's/"key": "lan-del"/"key": "lan0-del"/' "$T/lan-del.json" >"$T/lan0-del.json"
submit "empty: lan create" "$T/lan0.json"
submit "empty: lan delete" "$T/lan0-del.json"
getcfg sw1 >"$T/empty-after.xml"
for n in lag service filter qos; do
    t "empty: no $n left" hasnt "$T/empty-after.xml" "c:$n"
done
t "empty: ixfab's port leaves are gone" \
    hasnt "$T/empty-after.xml" c:port/c:ethernet
t "empty: the port entries stay, bare" \
    values "$T/empty-after.xml" "c:port/*" "1/1/c1/1 1/1/c2/1"
lab_stop

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
