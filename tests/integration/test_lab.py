#!/usr/bin/python3
"""The lab launcher and the switches' faults, checked from outside.

usage: /usr/bin/python3 tests/integration/test_lab.py BUILD_DIR

Starts lab fabrics with BUILD_DIR/ixfabctl in a temporary directory,
injects every fault at run time (through "ixfabctl lab fault" and, for
some, as a plain NETCONF RPC from ncclient), and checks what a client
sees; then restarts, persistence, several switches in one process and
the --config file of ixfab-vswitch.  One line per check, the last line
"N passed, M failed"; everything started here is stopped at the end.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ncget  # noqa: E402  (connects with the lab's keys, host key checked)
from ncclient.operations.rpc import RPCError  # noqa: E402
from ncclient.xml_ import to_ele  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BASE = "urn:ietf:params:xml:ns:netconf:base:1.0"
OCIF = "http://openconfig.net/yang/interfaces"
LABNS = "urn:ixfab:lab:1"
IF1 = "/openconfig-interfaces:interfaces/interface[name='Ethernet1']"
IF2 = "/openconfig-interfaces:interfaces/interface[name='Ethernet2']"


class Env:
    def __init__(self, build):
        self.build = os.path.abspath(build)
        self.ctl = os.path.join(self.build, "ixfabctl")
        self.vswitch = os.path.join(self.build, "ixfab-vswitch")
        self.tmp = tempfile.mkdtemp(prefix="ixfab-lab-test-")
        self.lab = os.path.join(self.tmp, "lab")
        self.lab3 = os.path.join(self.tmp, "lab3")
        self.procs = []
        self.sessions = []

    def run(self, *args, timeout=60):
        return subprocess.run([self.ctl] + list(args), capture_output=True,
                              text=True, timeout=timeout)

    def lab_cmd(self, *args, lab=None):
        p = self.run("lab", args[0], "--dir", lab or self.lab, *args[1:])
        return p

    def fault(self, sw, spec, lab=None):
        p = self.lab_cmd("fault", sw, spec, lab=lab)
        assert p.returncode == 0, "lab fault %s %s: %d %s" % (
            sw, spec, p.returncode, p.stderr.strip())
        return p.stdout

    def status(self, lab=None):
        p = self.run("--json", "lab", "status", "--dir", lab or self.lab)
        assert p.returncode == 0, p.stderr
        return {s["name"]: s for s in json.loads(p.stdout)["switches"]}

    def connect(self, sw, lab=None, timeout=30):
        m = ncget.connect(os.path.join(lab or self.lab, "inventory.json"), sw)
        m.timeout = timeout
        self.sessions.append(m)
        return m

    def cleanup(self):
        for m in self.sessions:
            try:
                m.close_session()
            except Exception:
                pass
        for lab in (self.lab, self.lab3):
            if os.path.exists(lab):
                self.run("lab", "down", "--dir", lab)
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


# ------------------------------------------------------------------ helpers

def cfg(body):
    return '<config xmlns="%s">%s</config>' % (BASE, body)


def mtu_edit(name, mtu):
    return cfg('<interfaces xmlns="%s"><interface><name>%s</name><config>'
               '<mtu>%d</mtu></config></interface></interfaces>'
               % (OCIF, name, mtu))


def mtu_of(m, name, source="running"):
    xml = m.get_config(source=source).data_xml
    mo = re.search(r"<interface><name>%s</name>(.*?)</interface>" % name,
                   xml, re.S)
    mt = re.search(r"<mtu>(\d+)</mtu>", mo.group(1)) if mo else None
    return int(mt.group(1)) if mt else None


def expect_error(fn, tag, needle=None):
    try:
        fn()
    except RPCError as e:
        assert e.tag == tag, "error-tag %s, expected %s (%s)" % (
            e.tag, tag, e.message)
        if needle:
            assert needle in (e.message or ""), "message %r lacks %r" % (
                e.message, needle)
        return e
    raise AssertionError("no rpc-error, expected %s" % tag)


def inject(m, fault, xpath=None, value=None):
    """The lab RPC as any NETCONF client sends it."""
    body = "<fault>%s</fault>" % fault
    if xpath:
        body += "<xpath>%s</xpath>" % xpath.replace("'", "&apos;")
    if value:
        body += "<value>%d</value>" % value
    return m.dispatch(to_ele('<inject-fault xmlns="%s">%s</inject-fault>'
                             % (LABNS, body)))


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in "ZX"
    except (OSError, IndexError):
        return False


def wait_for(cond, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


# ------------------------------------------------------------------- checks

def check_up(env):
    t = time.monotonic()
    p = env.lab_cmd("up", "--switches", "2")
    assert p.returncode == 0, p.stderr
    st = env.status()
    assert sorted(st) == ["sw1", "sw2"], st
    assert all(s["alive"] and not s["faults"] for s in st.values()), st
    assert st["sw1"]["pid"] != st["sw2"]["pid"], "one process per switch"
    print("     (lab up of 2 switches: %.1f s)" % (time.monotonic() - t))


def check_usage_errors(env):
    cases = [
        (("fault", "sw1", "bogus"), "unknown fault"),
        (("fault", "sw1", "delay"), "delay needs a number"),
        (("fault", "sw1", "delay=0"), "from 1"),
        (("fault", "sw1", "deny-lock=3"), "takes no argument"),
        (("fault", "sw1"), "SWITCH SPEC"),
        (("fault", "sw9", "crash"), 'no switch "sw9"'),
        (("restart", "sw9"), 'no switch "sw9"'),
        (("up", "--switches", "0"), "bad --switches"),
        (("up", "--switches", "1:openconfig,1:nosuch"),
         'profile "nosuch" has no YANG directory'),
    ]
    for args, needle in cases:
        p = env.lab_cmd(*args)
        assert p.returncode == 64, "%s: exit %d" % (args, p.returncode)
        assert needle in p.stderr, "%s: %r" % (args, p.stderr)
    p = env.run("lab", "status")
    assert p.returncode == 64 and "--dir" in p.stderr, p.stderr


def check_fail_commit(env):
    m = env.connect("sw1")
    env.fault("sw1", "fail-commit")
    assert env.status()["sw1"]["faults"] == ["fail-commit"]
    m.edit_config(target="candidate", config=mtu_edit("Ethernet1", 9000))
    expect_error(m.commit, "operation-failed", "fail-commit")
    assert mtu_of(m, "Ethernet1") is None, "running changed"
    assert mtu_of(m, "Ethernet1", "candidate") == 9000, "candidate lost"
    out = env.fault("sw1", "clear")
    assert "none" in out, out
    assert env.status()["sw1"]["faults"] == []
    m.commit()
    assert mtu_of(m, "Ethernet1") == 9000


def check_fail_commit_xpath(env):
    m = env.connect("sw1")
    env.fault("sw1", "fail-commit=" + IF2)
    m.edit_config(target="candidate", config=mtu_edit("Ethernet3", 1500))
    m.commit()
    m.edit_config(target="candidate", config=mtu_edit("Ethernet2", 1500))
    expect_error(m.commit, "operation-failed", "Ethernet2")
    m.discard_changes()
    inject(m, "clear")
    assert mtu_of(m, "Ethernet3") == 1500 and mtu_of(m, "Ethernet2") is None


def check_fail_edit_xpath_by_netconf(env):
    m = env.connect("sw1")
    reply = inject(m, "fail-edit", xpath=IF1)
    assert "fail-edit=" in reply.xml, reply.xml
    before = m.get_config(source="candidate").data_xml
    expect_error(lambda: m.edit_config(target="candidate",
                                       config=mtu_edit("Ethernet1", 1234)),
                 "operation-failed", "fail-edit")
    assert m.get_config(source="candidate").data_xml == before
    m.edit_config(target="candidate", config=mtu_edit("Ethernet2", 1234))
    assert mtu_of(m, "Ethernet2", "candidate") == 1234
    m.discard_changes()
    expect_error(lambda: inject(m, "fail-edit", xpath="/no-such:thing"),
                 "invalid-value", "no-such")
    inject(m, "clear")
    m.edit_config(target="candidate", config=mtu_edit("Ethernet1", 1234))
    m.discard_changes()


def check_fail_validate(env):
    m = env.connect("sw1")
    env.fault("sw1", "fail-validate")
    expect_error(lambda: m.validate(source="candidate"), "operation-failed",
                 "fail-validate")
    inject(m, "clear")
    m.validate(source="candidate")


def check_deny_lock(env):
    m = env.connect("sw1")
    env.fault("sw1", "deny-lock")
    e = expect_error(lambda: m.lock("candidate"), "lock-denied", "deny-lock")
    mo = re.search(r"<(?:\w+:)?session-id>(\d+)<", e.info or "")
    assert mo and mo.group(1) == "0", "error-info %r" % e.info
    inject(m, "clear")
    m.lock("candidate")
    m.unlock("candidate")


def timed(fn):
    t = time.monotonic()
    fn()
    return time.monotonic() - t


def check_delay(env):
    m = env.connect("sw1")
    base = min(timed(lambda: m.get_config(source="running"))
               for _ in range(3))
    env.fault("sw1", "delay=400")
    slow = timed(lambda: m.get_config(source="running"))
    assert slow >= 0.4, "reply after %.3f s with delay=400" % slow
    assert slow - base < 1.5, "%.3f s, far more than asked" % slow
    inject(m, "clear")
    fast = timed(lambda: m.get_config(source="running"))
    assert fast < 0.4, "still slow after clear: %.3f s" % fast


def check_drop_after(env):
    m = env.connect("sw1", timeout=5)
    env.fault("sw1", "drop-after=3")
    m.get_config(source="running")
    m.get_config(source="running")
    t = time.monotonic()
    try:
        m.get_config(source="running")
        raise AssertionError("third RPC answered")
    except RPCError as e:
        raise AssertionError("rpc-error instead of a drop: %s" % e)
    except AssertionError:
        raise
    except Exception:
        pass
    assert time.monotonic() - t < 4, "took until the client timeout"
    assert wait_for(lambda: not m.connected, 3), "session still up"
    assert env.status()["sw1"]["faults"] == [], "drop-after still armed"
    m2 = env.connect("sw1")
    m2.get_config(source="running")


def check_hang_and_restart(env):
    m = env.connect("sw2", timeout=1)
    env.fault("sw2", "hang")
    t = time.monotonic()
    try:
        m.get_config(source="running")
        raise AssertionError("a hung switch answered")
    except AssertionError:
        raise
    except Exception as e:
        assert "imeout" in type(e).__name__ + str(e), repr(e)
    took = time.monotonic() - t
    assert 0.9 < took < 3, "timeout after %.2f s" % took
    st = env.status()["sw2"]
    assert st["alive"] and st["faults"] == ["hang"], st
    # new sessions are refused while it hangs
    t = time.monotonic()
    p = env.lab_cmd("fault", "sw2", "clear")
    assert p.returncode == 1 and "restart" in p.stderr, p.stderr
    assert time.monotonic() - t < 5, "lab fault waited %.1f s" % (
        time.monotonic() - t)
    p = env.lab_cmd("restart", "sw2")
    assert p.returncode == 0, p.stderr
    st = env.status()["sw2"]
    assert st["alive"] and not st["faults"], st
    env.connect("sw2").get_config(source="running")


def check_timed_hang(env):
    m = env.connect("sw2", timeout=10)
    t = time.monotonic()
    env.fault("sw2", "hang=1000")
    m.get_config(source="running")
    took = time.monotonic() - t
    assert 1.0 <= took < 5, "answered %.2f s after hang=1000" % took
    assert env.status()["sw2"]["faults"] == []


def check_crash_restart_keeps_running(env):
    pid = env.status()["sw1"]["pid"]
    p = env.lab_cmd("fault", "sw1", "crash")
    assert p.returncode == 0 and "crashed" in p.stdout, p.stdout + p.stderr
    assert wait_for(lambda: not pid_alive(pid), 3), "process still there"
    assert not env.status()["sw1"]["alive"]
    p = env.lab_cmd("restart", "sw1")
    assert p.returncode == 0, p.stderr
    st = env.status()["sw1"]
    assert st["alive"] and st["pid"] != pid, st
    m = env.connect("sw1")
    assert mtu_of(m, "Ethernet1") == 9000, "committed config lost"
    assert mtu_of(m, "Ethernet3") == 1500, "committed config lost"


def check_running_persists_graceful(env):
    m = env.connect("sw2")
    m.edit_config(target="running", config=mtu_edit("Ethernet4", 1600))
    m.edit_config(target="candidate", config=mtu_edit("Ethernet5", 1700))
    p = env.lab_cmd("restart", "sw2")
    assert p.returncode == 0, p.stderr
    m = env.connect("sw2")
    assert mtu_of(m, "Ethernet4") == 1600, "running lost on restart"
    assert mtu_of(m, "Ethernet5", "candidate") is None, "candidate kept"
    path = os.path.join(env.lab, "sw2", "running.xml")
    assert "<mtu>1600</mtu>" in open(path).read(), path


def check_pending_confirmed_commit_reverts_on_crash(env):
    m = env.connect("sw2")
    m.edit_config(target="candidate", config=mtu_edit("Ethernet6", 1800))
    m.commit(confirmed=True, timeout="120", persist="p1")
    assert mtu_of(m, "Ethernet6") == 1800
    env.fault("sw2", "crash")
    assert env.lab_cmd("restart", "sw2").returncode == 0
    m = env.connect("sw2")
    assert mtu_of(m, "Ethernet6") is None, "unconfirmed change survived"
    assert mtu_of(m, "Ethernet4") == 1600, "confirmed config lost"


def check_per_process(env):
    t = time.monotonic()
    p = env.lab_cmd("up", "--switches", "3", "--per-process", "3",
                    lab=env.lab3)
    assert p.returncode == 0, p.stderr
    took = time.monotonic() - t
    st = env.status(env.lab3)
    assert len({s["pid"] for s in st.values()}) == 1, st
    assert len({s["port"] for s in st.values()}) == 3, st
    # each switch answers with its own host key (known_hosts per switch)
    ms = {n: env.connect(n, lab=env.lab3) for n in ("sw1", "sw2", "sw3")}
    ms["sw1"].edit_config(target="running", config=mtu_edit("Ethernet1", 4000))
    assert mtu_of(ms["sw1"], "Ethernet1") == 4000
    assert mtu_of(ms["sw2"], "Ethernet1") is None, "datastores shared"
    # a slow switch does not slow its neighbours
    env.fault("sw1", "delay=1500", lab=env.lab3)
    fast = timed(lambda: ms["sw2"].get_config(source="running"))
    assert fast < 0.5, "sw2 took %.2f s while sw1 is delayed" % fast
    inject(ms["sw1"], "clear")
    p = env.lab_cmd("restart", "sw2", lab=env.lab3)
    assert p.returncode == 0 and "sw1, sw3" in p.stdout, p.stdout
    m = env.connect("sw1", lab=env.lab3)
    assert mtu_of(m, "Ethernet1") == 4000
    print("     (lab up of 3 switches in one process: %.1f s)" % took)


def vswitch_config(env, switches):
    path = os.path.join(env.tmp, "vs.json")
    with open(path, "w") as f:
        json.dump({"authorized_key": os.path.join(env.lab, "client_key.pub"),
                   "switches": switches}, f)
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_config_file_startup_and_launch_fault(env):
    startup = os.path.join(env.tmp, "startup.xml")
    with open(startup, "w") as f:
        f.write('<interfaces xmlns="%s"><interface><name>Uplink1</name>'
                '<config><name>Uplink1</name><type xmlns:ianaift='
                '"urn:ietf:params:xml:ns:yang:iana-if-type">'
                'ianaift:ethernetCsmacd</type><mtu>9100</mtu></config>'
                '</interface></interfaces>' % OCIF)
    state = os.path.join(env.tmp, "vs-state")
    os.mkdir(state)
    ports = [free_port(), free_port()]
    sws = [{"name": "sw1", "port": ports[0], "state_dir": state,
            "hostkey": os.path.join(env.lab, "sw1", "hostkey"),
            "startup": startup, "faults": ["fail-commit"]},
           {"name": "sw2", "port": ports[1], "ports": 2,
            "port_prefix": "xe-0/0/",
            "hostkey": os.path.join(env.lab, "sw2", "hostkey")}]
    # the lab's inventory, pointed at these ports
    inv = json.load(open(os.path.join(env.lab, "inventory.json")))
    for d in inv["devices"]:
        d["port"] = ports[0] if d["name"] == "sw1" else ports[1]
        d["key"] = os.path.join(env.lab, d["key"])
        kh = os.path.join(env.tmp, d["name"] + ".known_hosts")
        line = open(os.path.join(env.lab, d["known_hosts"])).read()
        open(kh, "w").write(re.sub(r"\]:\d+", "]:%d" % d["port"], line))
        d["known_hosts"] = kh
    invp = os.path.join(env.tmp, "vs-inventory.json")
    json.dump(inv, open(invp, "w"))

    log = open(os.path.join(env.tmp, "vs.log"), "w")
    proc = subprocess.Popen([env.vswitch, "--config",
                             vswitch_config(env, sws)], stderr=log)
    env.procs.append(proc)
    assert wait_for(lambda: all(port_open(p) for p in ports), 20), \
        "did not start"
    m1 = ncget.connect(invp, "sw1")
    m2 = ncget.connect(invp, "sw2")
    env.sessions += [m1, m2]
    xml = m1.get_config(source="running").data_xml
    assert "Uplink1" in xml and "Ethernet1" not in xml, xml[:300]
    m1.edit_config(target="candidate", config=mtu_edit("Uplink1", 1500))
    expect_error(m1.commit, "operation-failed", "fail-commit")
    xml = m2.get_config(source="running").data_xml
    assert "xe-0/0/2" in xml and "Uplink1" not in xml, xml[:300]
    assert open(os.path.join(state, "faults")).read().strip() == \
        "fail-commit"
    assert "Uplink1" in open(os.path.join(state, "running.xml")).read()
    proc.terminate()
    assert proc.wait(timeout=10) == 0, "exit status %d" % proc.returncode


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        return True
    except OSError:
        return False


def check_bad_config_files(env):
    bad_xml = os.path.join(env.tmp, "bad-startup.xml")
    with open(bad_xml, "w") as f:
        f.write('<interfaces xmlns="%s"><bogus/></interfaces>' % OCIF)
    base = {"name": "sw1", "port": free_port(),
            "hostkey": os.path.join(env.lab, "sw1", "hostkey")}
    cases = [([dict(base, prot=1)], "switches[0].prot: unknown member"),
             ([dict(base, port="x")], "switches[0].port: expected"),
             ([dict(base, startup=bad_xml)], "bad-startup.xml"),
             ([dict(base, faults=["explode"])], 'unknown fault "explode"'),
             ([base, dict(base, name="sw2")], "both want port")]
    for sws, needle in cases:
        p = subprocess.run([env.vswitch, "--config",
                            vswitch_config(env, sws)],
                           capture_output=True, text=True, timeout=20)
        assert p.returncode == 1, "%s: exit %d" % (needle, p.returncode)
        assert needle in p.stderr, "%r not in %r" % (needle, p.stderr[-400:])


def check_down(env):
    pids = {s["pid"] for lab in (env.lab, env.lab3)
            for s in env.status(lab).values()}
    for lab in (env.lab, env.lab3):
        p = env.lab_cmd("down", lab=lab)
        assert p.returncode == 0, p.stderr
    assert wait_for(lambda: not any(pid_alive(p) for p in pids), 5), \
        "switch processes left behind"


CHECKS = [
    check_up, check_usage_errors, check_fail_commit, check_fail_commit_xpath,
    check_fail_edit_xpath_by_netconf, check_fail_validate, check_deny_lock,
    check_delay, check_drop_after, check_hang_and_restart, check_timed_hang,
    check_crash_restart_keeps_running, check_running_persists_graceful,
    check_pending_confirmed_commit_reverts_on_crash, check_per_process,
    check_config_file_startup_and_launch_fault, check_bad_config_files,
    check_down,
]


def main():
    if len(sys.argv) != 2:
        print("usage: %s BUILD_DIR" % sys.argv[0], file=sys.stderr)
        return 2
    env = Env(sys.argv[1])
    passed = failed = 0
    try:
        for check in CHECKS:
            name = check.__name__[len("check_"):]
            try:
                check(env)
                print("ok   %s" % name)
                passed += 1
            except Exception as e:
                print("FAIL %s: %s" % (name, e or type(e).__name__))
                if os.environ.get("VERBOSE"):
                    traceback.print_exc()
                failed += 1
                if name == "up":
                    break
    finally:
        if failed:
            for log in sorted(os.listdir(env.lab)) if os.path.isdir(
                    env.lab) else []:
                if log.endswith(".log"):
                    sys.stderr.write("--- %s (last lines)\n" % log)
                    with open(os.path.join(env.lab, log)) as f:
                        sys.stderr.writelines(f.readlines()[-15:])
        env.cleanup()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
