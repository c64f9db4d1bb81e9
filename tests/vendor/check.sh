#!/bin/sh
# Validates what the drivers write against the vendors' published YANG
# modules, which are not part of this repository:
#
#   OC=/path/to/openconfig/public   (a checkout of github.com/openconfig/public)
#   SROS=/path/to/sros-26.3         (nokia/7x50_YangModels latest_sros_26.3,
#                                    all modules in one directory)
#   sh tests/vendor/check.sh
#
# Every golden intent (tests/golden/DRIVER/*.intent.xml: what ixfab
# renders for each service type) must validate as configuration.  Ends
# with "N passed, M failed".
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
IETF=/usr/share/yuma/modules/ietf
pass=0
fail=0

one() { # label, yanglint arguments...
    label=$1
    shift
    if out=$(yanglint "$@" 2>&1) && ! echo "$out" | grep -q 'libyang err\|YANGLINT\[E\]'; then
        pass=$((pass + 1))
        echo "ok - $label"
    else
        fail=$((fail + 1))
        echo "FAIL - $label"
        echo "$out" | grep 'libyang err\|YANGLINT' | head -3
    fi
}

if [ -n "$OC" ] && [ -d "$OC/release/models" ]; then
    M=$OC/release/models
    for f in "$ROOT"/tests/golden/openconfig/*.intent.xml; do
        one "openconfig $(basename "$f")" -i -i -p "$M" \
            -p "$OC/third_party/ietf" -t config \
            "$M/interfaces/openconfig-interfaces.yang" \
            "$M/interfaces/openconfig-if-ethernet.yang" \
            "$M/interfaces/openconfig-if-aggregate.yang" \
            "$M/lacp/openconfig-lacp.yang" "$M/vlan/openconfig-vlan.yang" \
            "$M/network-instance/openconfig-network-instance.yang" \
            "$M/acl/openconfig-acl.yang" "$M/qos/openconfig-qos.yang" "$f"
    done
else
    echo "# OC not set to a checkout of openconfig/public: skipped"
fi
if [ -n "$SROS" ] && [ -f "$SROS/nokia-conf.yang" ]; then
    for f in "$ROOT"/tests/golden/sros/*.intent.xml; do
        one "sros $(basename "$f")" -i -i -p "$SROS" -p "$IETF" -t config \
            "$SROS/nokia-conf.yang" "$f"
    done
else
    echo "# SROS not set to the SR OS 26.3 modules: skipped"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
