#!/bin/sh
# Interop: the openconfig driver against netconfd (yuma123), a NETCONF
# server nobody here wrote.  netconfd serves the lab profile's modules
# behind OpenSSH's sshd on a loopback port; ixfabd gets an inventory
# naming it sw1, provisions the sample order, and deletes it again.  The
# configuration is read back with ncclient after each step and must be
# exactly the starting one at the end.
# Usage: test_netconfd.sh BUILD_DIR
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "$ROOT/$B" 2>/dev/null && pwd || echo "$B")
PY=/usr/bin/python3
T=$(mktemp -d /tmp/ixfab-ncd.XXXXXX)
REQ="ipc://$T/req"
EV="ipc://$T/ev"
CTL="$B/ixfabctl --endpoint $REQ --events $EV"
pass=0
fail=0
daemon=
ncd=
sshd=

ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

stop() { # pid: TERM, then KILL after 5 s
    [ -n "$1" ] || return 0
    kill "$1" 2>/dev/null
    i=0
    while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -9 "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

cleanup() {
    stop "$daemon"
    stop "$sshd"
    stop "$ncd"
    if [ "$fail" -ne 0 ]; then
        for f in ixfabd.log netconfd.log sshd.log; do
            [ -f "$T/$f" ] && echo "--- $f (last 25 lines)" &&
                tail -25 "$T/$f"
        done
    fi
    # the suite searches every test's outputs for its secrets at the end
    [ -n "$IXFAB_TEST_OUTPUTS" ] &&
        cp -r "$T" "$IXFAB_TEST_OUTPUTS/" 2>/dev/null
    [ -n "$IXFAB_KEEP" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT HUP INT PIPE TERM

give_up() {
    bad "$1"
    echo "$pass passed, $fail failed"
    exit 1
}

for p in /usr/sbin/netconfd /usr/sbin/netconf-subsystem /usr/sbin/sshd; do
    [ -x "$p" ] || give_up "$p is not installed (make deps)"
done

# a free loopback port, and room for sshd's privilege separation
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p /run/sshd
SOCK="$T/ncxserver.sock"

# keys: the switch's host key, ixfabd's client key
ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -f "$T/hostkey" </dev/null
ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -f "$T/client_key" </dev/null
cp "$T/client_key.pub" "$T/authorized_keys"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$T/hostkey.pub")" >"$T/known_hosts"

# netconfd with the profile's modules and four ports in its startup
mkdir "$T/mods" "$T/home"
cp "$ROOT"/yang/openconfig/openconfig-*.yang "$T/mods/"
MODS=--module=iana-if-type
for f in "$T"/mods/*.yang; do
    MODS="$MODS --module=$(basename "$f" .yang)"
done
{
    echo '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">'
    echo '<interfaces xmlns="http://openconfig.net/yang/interfaces">'
    for n in 1 2 3 4; do
        echo "<interface><name>Ethernet$n</name><config><name>Ethernet$n</name>"
        echo '<type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:ethernetCsmacd</type>'
        echo '</config></interface>'
    done
    echo '</interfaces></config>'
} >"$T/startup.xml"
/usr/sbin/netconfd --home="$T/home" --modpath="$T/mods:/usr/share/yuma/modules" \
    --startup="$T/startup.xml" --ncxserver-sockname="$SOCK" --port="$PORT" \
    --superuser=root --log-level=${NCD_LOG:-info} $MODS >"$T/netconfd.log" 2>&1 &
ncd=$!

cat >"$T/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $T/hostkey
PidFile $T/sshd.pid
AuthorizedKeysFile $T/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
Subsystem netconf "/usr/sbin/netconf-subsystem --ncxserver-sockname=$PORT@$SOCK"
EOF
/usr/sbin/sshd -D -e -f "$T/sshd_config" >"$T/sshd.log" 2>&1 &
sshd=$!

# both up (bounded): the socket of netconfd and the port of sshd
i=0
until [ -S "$SOCK" ] && $PY -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null; do
    i=$((i + 1))
    [ $i -ge 100 ] && give_up "netconfd and sshd start within 20 s"
    kill -0 "$ncd" 2>/dev/null || give_up "netconfd starts with the profile"
    sleep 0.2
done
ok "netconfd loads the profile's modules and sshd listens on $PORT"

cat >"$T/inventory.json" <<EOF
{"devices": [{"name": "sw1", "address": "127.0.0.1", "port": $PORT,
  "driver": "openconfig", "username": "root", "key": "client_key",
  "known_hosts": "known_hosts", "validate": false}]}
EOF
getcfg() { $PY "$ROOT/tests/integration/ncget.py" "$T/inventory.json" sw1; }
getcfg >"$T/before.xml" 2>"$T/ncget.err"
check "ncclient reads netconfd's starting config" \
    "grep -q Ethernet4 $T/before.xml"

"$B/ixfabd" --inventory "$T/inventory.json" --store "$T/store.db" \
    --listen "$REQ" --events "$EV" 2>"$T/ixfabd.log" &
daemon=$!
i=0
until $CTL jobs >/dev/null 2>&1 || [ $i -ge 50 ]; do
    sleep 0.2
    i=$((i + 1))
done

$CTL submit --wait "$ROOT/docs/examples/order-4711.json" >"$T/submit.out" 2>&1
rc=$?
check "the sample order commits on netconfd (exit $rc)" "[ $rc -eq 0 ]"
[ $rc -eq 0 ] || sed 's/^/    /' "$T/submit.out" | tail -8

getcfg >"$T/after.xml"
check "LAG Port-Channel1 with LACP, fast" \
    "grep -q 'lag-type>LACP<' $T/after.xml && grep -q 'interval>FAST<' $T/after.xml"
check "Ethernet1 and Ethernet2 are members" \
    "[ \$(grep -o 'aggregate-id>Port-Channel1<' $T/after.xml | wc -l) -eq 2 ]"
check "VLAN 100 attachment in the peering LAN instance" \
    "grep -q 'vlan-id>100<' $T/after.xml && grep -q 'id>Port-Channel1.100<' $T/after.xml"
check "MAC allow list bound ingress" \
    "grep -q 'source-mac>42:23:bc:8e:b8:b0<' $T/after.xml && grep -q 'set-name>ixfab-macs-nsc-a-lan<' $T/after.xml"

cat >"$T/delete.json" <<'JOB'
{"key": "order-4711-cancel", "changes": [
 {"action": "delete", "kind": "network_service_config",
  "object": {"id": "nsc-a-lan"}},
 {"action": "delete", "kind": "network_service", "object": {"id": "ns-lan"}},
 {"action": "delete", "kind": "connection", "object": {"id": "con-a"}}]}
JOB
$CTL submit --wait "$T/delete.json" >"$T/delete.out" 2>&1
rc=$?
check "deleting the order commits on netconfd (exit $rc)" "[ $rc -eq 0 ]"
[ $rc -eq 0 ] || sed 's/^/    /' "$T/delete.out" | tail -8
getcfg >"$T/final.xml"
# netconfd keeps emptied non-presence containers (<lacp><interfaces/>),
# which hold no configuration: leave them out of the comparison
prune() {
    $PY -c '
import sys, xml.etree.ElementTree as ET
def prune(e):
    for c in list(e):
        prune(c)
        if len(c) == 0 and not (c.text or "").strip():
            e.remove(c)
root = ET.parse(sys.argv[1]).getroot()
prune(root)
print(ET.tostring(root).decode())' "$1"
}
check "netconfd is back to its starting config" \
    "[ \"\$(prune $T/before.xml)\" = \"\$(prune $T/final.xml)\" ]"
[ "$(prune "$T/before.xml")" = "$(prune "$T/final.xml")" ] ||
    diff "$T/before.xml" "$T/final.xml" | head -5

kill "$daemon" && wait "$daemon"
check "ixfabd stops cleanly" "[ $? -eq 0 ]"
daemon=

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
