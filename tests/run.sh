#!/bin/sh
# Runs every test against the programs in $IXFAB_BUILD (build or
# build/san) and ends with one line: "N passed, M failed".
B=${IXFAB_BUILD:-build}
cd "$(dirname "$0")/.." || exit 1
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0}
pass=0
fail=0
# every test leaves a copy of its outputs here, searched for secrets last
export IXFAB_TEST_OUTPUTS=${IXFAB_TEST_OUTPUTS:-$(mktemp -d /tmp/ixfab-outputs.XXXXXX)}

count() { # $1: output of a suite
    p=$(printf '%s\n' "$1" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    f=$(printf '%s\n' "$1" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    if [ -z "$p$f" ]; then
        line=$(printf '%s\n' "$1" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
        p=${line%% passed*}
        f=$(echo "$line" | sed -n 's/.*passed, \([0-9]*\) failed.*/\1/p')
    fi
    pass=$((pass + ${p:-0}))
    fail=$((fail + ${f:-0}))
}

suite() { # name, command...
    name=$1
    shift
    echo "== $name"
    out=$("$@" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -E '^(ok|FAIL|not ok|\[  (FAILED|  OK|ERROR|PASSED)|[0-9]+ passed)' | grep -v '^\[       OK' || true
    before=$fail
    count "$out"
    if [ $rc -ne 0 ] && [ $fail -eq $before ]; then
        printf '%s\n' "$out" | tail -20
        fail=$((fail + 1))
    fi
}

for t in "$B"/tests/test_*; do
    [ -x "$t" ] && suite "$(basename "$t")" "$t"
done
if [ -f tests/integration/test_vswitch.py ]; then
    suite vswitch /usr/bin/python3 tests/integration/test_vswitch.py "$B/ixfab-vswitch"
fi
suite lab /usr/bin/python3 tests/integration/test_lab.py "$B"
suite e2e sh tests/integration/test_e2e.sh "$B"
suite ctl sh tests/integration/test_ctl.sh "$B"
suite services sh tests/integration/test_services.sh "$B"
suite services-sros sh tests/integration/test_services_sros.sh "$B"
suite mixed sh tests/integration/test_mixed.sh "$B"
suite netconfd sh tests/integration/test_netconfd.sh "$B"
suite ops /usr/bin/python3 tests/integration/test_ops.py "$B"
suite corpus /usr/bin/python3 tests/integration/test_corpus.py "$B"
suite security /usr/bin/python3 tests/integration/test_security.py "$B"
suite running /usr/bin/python3 tests/integration/test_running.py "$B"
suite faults /usr/bin/python3 tests/integration/test_faults.py "$B" ${FAULTS:-}
suite crash sh tests/integration/test_crash.sh "$B" "${CRASH_POINTS:-9}" seq

if [ -n "$IXFAB_TEST_OUTPUTS" ]; then
    suite secrets /usr/bin/python3 tests/integration/scan_secrets.py \
        "$IXFAB_TEST_OUTPUTS"
    rm -rf "$IXFAB_TEST_OUTPUTS"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
