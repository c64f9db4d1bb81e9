#!/bin/sh
# The newcomer's run: a lab of three virtual switches, ixfabd, and one
# member's first order (a LACP connection, the peering LAN, a VLAN
# attachment); shows the job's progress and the switch config it made,
# then stops everything.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B="$ROOT/build"
T=$(mktemp -d /tmp/ixfab-demo.XXXXXX)
REQ="ipc://$T/req"
EV="ipc://$T/ev"
daemon=

cleanup() {
    [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon"
    "$B/ixfabctl" lab down --dir "$T/lab" >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT INT TERM
set -e

echo "== starting a lab of 3 switches in $T/lab"
"$B/ixfabctl" lab up --dir "$T/lab" --switches 3
echo "== starting ixfabd (log in $T/ixfabd.log)"
"$B/ixfabd" --inventory "$T/lab/inventory.json" --store "$T/store.db" \
    --listen "$REQ" --events "$EV" 2>"$T/ixfabd.log" &
daemon=$!
i=0
until "$B/ixfabctl" --endpoint "$REQ" jobs >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 50 ] || { echo "ixfabd did not start:"; cat "$T/ixfabd.log"; exit 1; }
    sleep 0.2
done

echo "== submitting docs/examples/order-4711.json"
"$B/ixfabctl" --endpoint "$REQ" --events "$EV" submit --wait \
    "$ROOT/docs/examples/order-4711.json"
echo "== the job as ixfabd recorded it"
"$B/ixfabctl" --endpoint "$REQ" job 1
echo "== sw1's running configuration, read back over NETCONF (ncclient);"
echo "   ports ixfab did not touch are left out"
/usr/bin/python3 "$ROOT/tests/integration/ncget.py" "$T/lab/inventory.json" \
    sw1 | /usr/bin/python3 -c '
import sys, xml.dom.minidom
import xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
for parent in root.iter():
    for child in list(parent):
        if child.tag.endswith("}interface") and \
                "Port-Channel" not in ET.tostring(child).decode():
            parent.remove(child)
text = xml.dom.minidom.parseString(ET.tostring(root)).toprettyxml("  ")
print("\n".join(l for l in text.splitlines() if l.strip()))'
echo "== done; stopping the lab"
