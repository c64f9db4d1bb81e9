#!/bin/sh
# ixfabctl as an operator and a script use it: live progress and watch
# in a real terminal (tmux), --json through pipes, every mistake a user
# can make, the settings' precedence, completion, man page and install.
# Usage: test_ctl.sh BUILD_DIR
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "$ROOT/$B" 2>/dev/null && pwd || echo "$B")
PY=/usr/bin/python3
HELP="$ROOT/tests/integration/ctl_helper.py"
T=$(mktemp -d /tmp/ixfab-ctl.XXXXXX)
REQ="ipc://$T/req"
EV="ipc://$T/ev"
CTL="$B/ixfabctl"
pass=0
fail=0
daemon=
old=

ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

tm() { tmux -S "$T/tmux.sock" "$@"; }

cleanup() {
    [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon"
    [ -n "$old" ] && kill "$old" 2>/dev/null && wait "$old"
    tm kill-server 2>/dev/null
    if [ "$fail" -ne 0 ] && [ -f "$T/ixfabd.log" ]; then
        echo "--- ixfabd log (last 40 lines)"
        tail -40 "$T/ixfabd.log"
    fi
    "$CTL" lab down --dir "$T/lab" >/dev/null 2>&1
    # the suite searches every test's outputs for its secrets at the end
    [ -n "$IXFAB_TEST_OUTPUTS" ] &&
        cp -r "$T" "$IXFAB_TEST_OUTPUTS/" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

# a clean environment: no settings but those of a test
unset IXFAB_ENDPOINT IXFAB_EVENTS IXFAB_CURVE_SERVER_KEY \
    IXFAB_CURVE_CLIENT_KEY IXFAB_TIMEOUT IXFAB_COLOR IXFAB_CTL_CONFIG \
    XDG_CONFIG_HOME NO_COLOR
export HOME="$T/home"
mkdir -p "$HOME/.config/ixfab"
C="$CTL --endpoint $REQ --events $EV --timeout 60"

# err_is STATUS FILE PATTERN: exit status, one line, and what it says
err_is() {
    [ "$1" -eq "$2" ] && [ "$(wc -l <"$3")" -eq 1 ] && grep -q "$4" "$3"
}
# json FILE EXPR: a Python expression over d, the parsed file
json() {
    $PY -c "import json,sys,re; d=json.load(open('$1')); sys.exit(0 if ($2) else 1)" 2>/dev/null
}

# tmux: run a command line in the session's shell; wait for a pattern
tm_run() { tm send-keys -t ctl "clear; $1; echo EXIT=\$?" Enter; }
tm_screen() { tm capture-pane -p -t ctl; }
tm_wait() { # pattern [tenths of a second]
    i=0
    while [ $i -lt "${2:-300}" ]; do
        tm_screen | grep -q "$1" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# ------------------------------------------------ without any ixfabd

$CTL help >"$T/help.out"
check "help exits 0 and lists every command" \
    "[ $? -eq 0 ] && grep -q '^  check-sync' $T/help.out && grep -q '^  watch' $T/help.out && grep -q 'Exit status' $T/help.out"
$CTL help submit >"$T/h1.out"
$CTL submit --help >"$T/h2.out"
check "help submit and submit --help say the same, with examples" \
    "cmp -s $T/h1.out $T/h2.out && grep -q '^Examples:' $T/h1.out"
$CTL 2>"$T/noargs.err" >/dev/null
check "no command: usage on stderr, exit 64" \
    "[ $? -eq 64 ] && grep -q '^usage: ixfabctl' $T/noargs.err"
$CTL jbos 2>"$T/e1.err"
check "unknown command: one line, suggests jobs, exit 64" \
    "err_is $? 64 $T/e1.err 'unknown command \"jbos\"; did you mean \"jobs\"'"
$CTL --frob jobs 2>"$T/e2.err"
check "unknown option: one line, exit 64" \
    "err_is $? 64 $T/e2.err 'unknown option --frob'"
$C submit "$T/nothere.json" 2>"$T/e3.err"
check "missing job file: one line naming it, exit 2" \
    "err_is $? 2 $T/e3.err 'cannot read $T/nothere.json.*give the path'"
printf '{"changes": [\n  {"action": "create",,}]}\n' >"$T/bad.json"
$C submit "$T/bad.json" 2>"$T/e4.err"
check "bad JSON: one line with file, line and column, exit 2" \
    "err_is $? 2 $T/e4.err 'bad.json:2:[0-9]*: not valid JSON'"
echo '[1, 2]' | $C dry-run - 2>"$T/e5.err"
check "a list is not a job: one line, exit 2" \
    "err_is $? 2 $T/e5.err 'a job is a JSON object'"
$C jobs 2>"$T/e6.err"
check "ixfabd down (ipc): one line saying to start it, exit 3" \
    "err_is $? 3 $T/e6.err 'cannot reach ixfabd at $REQ; start ixfabd'"
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start=$(date +%s)
$CTL --endpoint "tcp://127.0.0.1:$port" devices 2>"$T/e7.err"
rc=$?
took=$(($(date +%s) - start))
check "ixfabd down (tcp): exit 3 within 5 s" \
    "err_is $rc 3 $T/e7.err 'cannot reach ixfabd' && [ $took -le 5 ]"
$C job abc 2>"$T/e8.err"
check "job abc: one line, exit 64" \
    "err_is $? 64 $T/e8.err '\"abc\" is not a job number'"
$C jobs --since yesterday 2>"$T/e9.err"
check "jobs --since with a bad time: one line, exit 64" \
    "err_is $? 64 $T/e9.err 'is not a time; use RFC 3339'"
$C jobs --state done 2>"$T/e10.err"
check "jobs --state with an unknown state: one line, exit 64" \
    "err_is $? 64 $T/e10.err 'unknown state \"done\"'"

# settings: flag over environment over ctl.conf
printf '# test\nendpoint = ipc://%s/from-file\ntimeout = 2\n' "$T" \
    >"$HOME/.config/ixfab/ctl.conf"
$CTL --json config >"$T/cf1.json"
check "ctl.conf is read" \
    "json $T/cf1.json \"d['endpoint']['value']=='ipc://$T/from-file' and d['endpoint']['from']=='file' and d['timeout']['value']=='2'\""
IXFAB_ENDPOINT="ipc://$T/from-env" $CTL --json config >"$T/cf2.json"
check "the environment wins over ctl.conf" \
    "json $T/cf2.json \"d['endpoint']['value']=='ipc://$T/from-env' and d['endpoint']['from']=='environment'\""
IXFAB_ENDPOINT="ipc://$T/from-env" $CTL config --endpoint "ipc://$T/flag" --json >"$T/cf3.json"
check "a flag wins over the environment (flags also after the command)" \
    "json $T/cf3.json \"d['endpoint']['value']=='ipc://$T/flag' and d['endpoint']['from']=='flag'\""
IXFAB_CURVE_SERVER_KEY=/etc/ixfab/server.pub $CTL --curve-client-key "$T/c.key" --json config >"$T/cf4.json"
check "CURVE key paths are carried" \
    "json $T/cf4.json \"d['curve_server_key']['value']=='/etc/ixfab/server.pub' and d['curve_client_key']['value']=='$T/c.key'\""
echo 'endpont = x' >"$T/bad.conf"
$CTL --config "$T/bad.conf" jobs 2>"$T/e11.err"
check "a bad key in ctl.conf: file and line named, exit 64" \
    "err_is $? 64 $T/e11.err 'bad.conf:1: unknown key \"endpont\"'"
printf 'endpoint = %s\nevents = %s\n' "$REQ" "$EV" >"$HOME/.config/ixfab/ctl.conf"

# an ixfabd without the newer operations
$PY "$HELP" old-server "ipc://$T/old" 20 &
old=$!
i=0
until [ -S "$T/old" ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
$CTL --endpoint "ipc://$T/old" devices 2>"$T/e12.err"
check "an ixfabd that lacks an operation: one clear line, exit 2" \
    "err_is $? 2 $T/e12.err 'does not support this command yet.*upgrade ixfabd'"
kill "$old" 2>/dev/null && wait "$old" 2>/dev/null
old=

# bash completion
cat >"$T/comp.sh" <<EOF
. "$ROOT/docs/bash-completion/ixfabctl"
COMP_WORDS=(ixfabctl che); COMP_CWORD=1; _ixfabctl; echo "\${COMPREPLY[*]}"
COMP_WORDS=(ixfabctl jobs --state ''); COMP_CWORD=3; _ixfabctl; echo "\${COMPREPLY[*]}"
COMP_WORDS=(ixfabctl lab ''); COMP_CWORD=2; _ixfabctl; echo "\${COMPREPLY[*]}"
EOF
bash "$T/comp.sh" >"$T/comp.out" 2>&1
check "bash completion: commands, job states, lab commands" \
    "sed -n 1p $T/comp.out | grep -qx 'check-sync' && sed -n 2p $T/comp.out | grep -q 'failed' && sed -n 3p $T/comp.out | grep -q 'fault'"

# man page renders without warnings
check "the man page renders cleanly" \
    "[ -z \"\$(LC_ALL=C.UTF-8 MANWIDTH=80 groff -man -Tutf8 -ww -z $ROOT/docs/ixfabctl.1 2>&1)\" ]"

# ------------------------------------------------- lab and ixfabd

"$CTL" lab up --dir "$T/lab" --switches 2 >/dev/null || {
    echo "FAIL - lab up"
    echo "$pass passed, $((fail + 1)) failed"
    exit 1
}
"$B/ixfabd" --inventory "$T/lab/inventory.json" --store "$T/store.db" \
    --listen "$REQ" --events "$EV" 2>"$T/ixfabd.log" &
daemon=$!
i=0
until $CTL jobs >/dev/null 2>&1 || [ $i -ge 50 ]; do
    sleep 0.2
    i=$((i + 1))
done

cat >"$T/sw2.json" <<'JOB'
{"key": "order-sw2", "changes": [
 {"action": "create", "kind": "connection",
  "object": {"id": "con-b", "mode": "lag_lacp", "lacp_timeout": "slow",
             "ports": [{"device": "sw2", "name": "Ethernet3"}]}},
 {"action": "create", "kind": "network_service_config",
  "object": {"id": "nsc-b-lan", "type": "exchange_lan",
             "network_service": "ns-lan", "connection": "con-b",
             "vlan_config": {"vlan_type": "dot1q", "vlan": 200},
             "asns": [64501], "listed": true,
             "macs": ["42:23:bc:8e:b8:b1"]}}]}
JOB
cat >"$T/sw1c.json" <<'JOB'
{"changes": [
 {"action": "create", "kind": "connection",
  "object": {"id": "con-c", "mode": "standalone",
             "ports": [{"device": "sw1", "name": "Ethernet5"}]}}]}
JOB

# a terminal 200 x 50, the settings from ctl.conf
tm new-session -d -x 200 -y 50 -s ctl \
    "env HOME='$HOME' PS1='\$ ' TERM=xterm-256color PATH='$B:/usr/bin:/bin' sh"
tm set-option -t ctl status off >/dev/null

# live progress of submit --wait, slowed down so that it can be seen
"$CTL" lab fault --dir "$T/lab" sw1 delay=250 >/dev/null
tm_run "ixfabctl submit --wait $ROOT/docs/examples/order-4711.json"
tm_wait 'sw1 .*\[#*\.\.*\] *\(connecting\|locked\|edited\|validated\)' 100
check "terminal: a live sw1 line while the job runs" "[ $? -eq 0 ]"
check "terminal: the job line says running" \
    "tm_screen | grep -q '^job 1  running'"
tm_wait 'EXIT=' 300
tm_screen >"$T/live.txt"
check "terminal: submit --wait exits 0" "grep -q 'EXIT=0' $T/live.txt"
check "terminal: sw1's line ends committed, all steps done" \
    "grep -q '^  sw1 *\[#####\] *committed' $T/live.txt"
check "terminal: one line per device, redrawn in place" \
    "[ \$(grep -c 'sw1' $T/live.txt) -eq 1 ]"
check "terminal: the summary says committed" \
    "grep -q '^job 1 committed after' $T/live.txt"
tm capture-pane -p -e -t ctl >"$T/live.esc"
check "terminal: states are in colour" "grep -q \"\$(printf '\\033')\\[32m\" $T/live.esc"
"$CTL" lab fault --dir "$T/lab" sw1 clear >/dev/null

tm_run "NO_COLOR=1 ixfabctl jobs"
tm_wait 'EXIT=' 100
tm capture-pane -p -e -t ctl >"$T/nocolor.esc"
check "terminal: NO_COLOR turns colour off" \
    "grep -q '^ID  *STATE' $T/nocolor.esc && ! grep -q \"\$(printf '\\033')\\[3[12]m\" $T/nocolor.esc"
tm_run "ixfabctl jobs"
tm_wait 'EXIT=' 100
tm capture-pane -p -e -t ctl >"$T/color.esc"
check "terminal: tables have colour without NO_COLOR" \
    "grep -q \"\$(printf '\\033')\\[32mcommitted\" $T/color.esc"

# watch, filtered to sw2, while jobs run on sw2 and sw1
tm_run "ixfabctl watch --device sw2"
tm_wait 'watching every job on sw2' 50
check "watch: says what it follows" "[ $? -eq 0 ]"
$C submit "$T/sw2.json" >/dev/null
$C submit "$T/sw1c.json" >/dev/null
tm_wait 'job 2  *committed' 100
sleep 1 # the sw1 job's events, which must not show
tm send-keys -t ctl C-c
tm_wait 'EXIT=' 50
tm_screen >"$T/watch.txt"
check "watch: sw2's steps, in order" \
    "grep -n 'job 2 .* sw2 .*connecting' $T/watch.txt | cut -d: -f1 >$T/a && grep -n 'job 2 .* sw2 .*committed' $T/watch.txt | cut -d: -f1 >$T/b && [ \$(cat $T/a) -lt \$(cat $T/b) ]"
check "watch: nothing of the sw1 job" "! grep -q 'sw1\|job 3' $T/watch.txt"
check "watch: Ctrl-C ends it with exit 0" "grep -q 'EXIT=0' $T/watch.txt"

# a failing job, in the terminal: the device's line says so
"$CTL" lab fault --dir "$T/lab" sw1 fail-commit >/dev/null
cat >"$T/sw1d.json" <<'JOB'
{"changes": [
 {"action": "create", "kind": "connection",
  "object": {"id": "con-d", "mode": "standalone",
             "ports": [{"device": "sw1", "name": "Ethernet6"}]}}]}
JOB
tm_run "ixfabctl submit --wait $T/sw1d.json"
tm_wait 'EXIT=' 300
tm_screen >"$T/fail.txt"
check "terminal: a failed job exits 1" "grep -q 'EXIT=1' $T/fail.txt"
check "terminal: sw1's line says failed or rolled back" \
    "grep -q '^  sw1 .*\(rolled-back\|failed\)' $T/fail.txt"
check "terminal: the error is shown" "grep -q '^error: ' $T/fail.txt"
fid=$($C --json jobs --state failed | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
"$CTL" lab fault --dir "$T/lab" sw1 clear >/dev/null

# ------------------------------------------------- scripts: --json

$C --json jobs >"$T/jobs.json"
check "jobs --json: a list of every job" "json $T/jobs.json 'len(d)==4'"
check "jobs --json: times are RFC 3339" \
    "json $T/jobs.json \"all(re.match(r'^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$', j['created']) for j in d)\""
$C --json jobs --state failed >"$T/jf.json"
check "jobs --state failed: only the failed one" \
    "json $T/jf.json \"[j['id'] for j in d]==[$fid]\""
$C --json jobs --device sw2 >"$T/jd.json"
check "jobs --device sw2: only the sw2 job" \
    "json $T/jd.json \"[j['id'] for j in d]==[2]\""
$C --json jobs --object con-c >"$T/jo.json"
check "jobs --object con-c: only the job that made it" \
    "json $T/jo.json \"[j['id'] for j in d]==[3]\""
$C --json jobs --since 2099-01-01T00:00:00Z >"$T/js.json"
check "jobs --since the future: none" "json $T/js.json 'd==[]'"
$C --json jobs --until 1000 >"$T/ju.json"
check "jobs --until 1970: none" "json $T/ju.json 'd==[]'"
$C --json jobs --since 1h --limit 2 >"$T/jl.json"
check "jobs --since 1h --limit 2: the two newest" \
    "json $T/jl.json \"[j['id'] for j in d]==[$fid, 3]\""

$C --json job 1 >"$T/job1.json"
check "job --json: the record, state committed, RFC 3339 times" \
    "json $T/job1.json \"d['state']=='committed' and d['created'].endswith('Z') and all(s['at'].endswith('Z') for s in d['steps'])\""
$C job 1 >"$T/job1.txt"
check "job for humans: local times, no escapes through a pipe" \
    "grep -q '^submitted  [0-9-]* [0-9:]*$' $T/job1.txt && ! grep -q \"\$(printf '\\033')\" $T/job1.txt"
$C job 999 2>"$T/e13.err"
check "unknown job id: one line, exit 2" \
    "err_is $? 2 $T/e13.err 'refused (not_found) at /id: no job 999'"
$C cancel 1 2>"$T/e14.err"
check "cancel a committed job: one line, exit 2" \
    "err_is $? 2 $T/e14.err 'only queued jobs can be cancelled'"

$C --json replay "$fid" --wait >"$T/replay.json"
check "replay --wait of the failed job: exit 0, record committed" \
    "[ $? -eq 0 ] && json $T/replay.json \"d['state']=='committed' and d['id']==$fid\""

$C --json devices >"$T/devs.json"
check "devices --json: sw1 and sw2 with their drivers" \
    "json $T/devs.json \"sorted(x['name'] for x in d)==['sw1','sw2'] and all(x['driver']=='openconfig' for x in d)\""
$C devices >"$T/devs.txt"
check "devices for humans: an aligned table" \
    "head -1 $T/devs.txt | grep -q '^NAME  *DRIVER  *ADDRESS' && grep -q '^sw1  *openconfig  *127.0.0.1:' $T/devs.txt"
$C --json stats >"$T/stats.json"
check "stats --json: job counts" \
    "json $T/stats.json \"d['jobs']['committed']==4 and d['jobs']['failed']==0\""

sed 's/con-a/con-z/g; s/Ethernet1/Ethernet7/; s/Ethernet2/Ethernet8/; s/nsc-a-lan/nsc-z/; s/order-4711/order-z/' \
    "$ROOT/docs/examples/order-4711.json" |
    $PY -c 'import json,sys; j=json.load(sys.stdin); j["changes"]=[c for c in j["changes"] if c["kind"]!="network_service"]; print(json.dumps(j))' \
        >"$T/z.json"
$C --json dry-run "$T/z.json" >"$T/dry.json"
check "dry-run --json: sw1's edit, nothing for sw2" \
    "json $T/dry.json \"'Port-Channel' in d['devices']['sw1']['edit'] and 'sw2' not in d['devices']\""
$C --json jobs >"$T/jobs2.json"
check "dry-run stored no job" "json $T/jobs2.json 'len(d)==4'"
$C dry-run - <"$T/z.json" >"$T/dry.txt"
check "dry-run from stdin for humans: the edit, one element a line" \
    "grep -q '^== sw1 (openconfig)' $T/dry.txt && grep -q '^ *<name>Ethernet7</name>$' $T/dry.txt"

$C check-sync >/dev/null
check "check-sync: all in sync, exit 0" "[ $? -eq 0 ]"
$PY "$HELP" drift "$T/lab/inventory.json" sw2
$C check-sync >"$T/cs.txt"
check "check-sync after drift on sw2: exit 1" "[ $? -eq 1 ]"
check "check-sync: sw2 drift, sw1 in sync, the repair shown" \
    "grep -q '^sw2  *drift' $T/cs.txt && grep -q '^sw1  *in sync' $T/cs.txt && grep -q 'Port-Channel' $T/cs.txt"
$C --json check-sync sw2 >"$T/cs.json"
check "check-sync sw2 --json: in_sync false with a diff" \
    "json $T/cs.json \"d['devices']['sw2']['in_sync'] is False and d['devices']['sw2']['diff']\""
$C sync sw2 --wait >"$T/sync.txt"
check "sync sw2 --wait: exit 0" "[ $? -eq 0 ] && grep -q 'committed' $T/sync.txt"
$C check-sync sw2 >/dev/null
check "check-sync sw2 after sync: exit 0" "[ $? -eq 0 ]"

# watch for scripts: JSON lines, bounded by --count
$C --json watch --count 2 >"$T/w.jsonl" &
w=$!
sleep 0.5
$C submit --wait "$T/z.json" >/dev/null
i=0
while kill -0 $w 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill $w 2>/dev/null
wait $w
check "watch --json --count 2: two JSON lines with RFC 3339 times" \
    "[ \$(wc -l <$T/w.jsonl) -eq 2 ] && $PY -c 'import json,sys; [json.loads(l)[\"at\"].endswith(\"Z\") or sys.exit(1) for l in open(\"$T/w.jsonl\")]'"

# ------------------------------------------------- make install

make -s -C "$ROOT" install DESTDIR="$T/dest" PREFIX=/usr >"$T/install.out" 2>&1
D="$T/dest/usr"
check "make install: binaries, man page, completion" \
    "[ -x $D/bin/ixfabctl ] && [ -x $D/bin/ixfabd ] && [ -f $D/share/man/man1/ixfabctl.1 ] && [ -f $D/share/bash-completion/completions/ixfabctl ]"
check "make install: YANG modules and templates" \
    "[ -f $D/share/ixfab/yang/ixfab.yang ] && ls $D/share/ixfab/templates/openconfig/*.xml >/dev/null"
check "make install: example configuration and a hardened unit" \
    "[ -f $D/share/doc/ixfab/examples/ixfabd.conf.json ] && grep -q '^ProtectSystem=strict' $D/lib/systemd/system/ixfabd.service && grep -q '^ExecStart=/usr/bin/ixfabd' $D/lib/systemd/system/ixfabd.service"
check "the example configuration is JSON" \
    "json $D/share/doc/ixfab/examples/ixfabd.conf.json 'isinstance(d, dict)'"
if command -v systemd-analyze >/dev/null; then
    systemd-analyze security --offline=true \
        "$D/lib/systemd/system/ixfabd.service" >"$T/sec.out" 2>&1
    level=$(sed -n 's/.*Overall exposure level for ixfabd.service: \([0-9.]*\).*/\1/p' "$T/sec.out")
    check "systemd-analyze security rates the unit's exposure below 2.5" \
        "[ -n '$level' ] && $PY -c 'import sys; sys.exit(not $level < 2.5)'"
fi

kill "$daemon" && wait "$daemon"
check "ixfabd stops cleanly" "[ $? -eq 0 ]"
daemon=

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
