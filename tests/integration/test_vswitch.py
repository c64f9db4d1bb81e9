#!/usr/bin/python3
"""NETCONF behaviour of ixfab-vswitch, checked with ncclient.

usage: /usr/bin/python3 tests/integration/test_vswitch.py VSWITCH_BINARY

Starts one switch on a free loopback port with fresh SSH keys, runs each
check (one line of output per check), stops the switch with SIGTERM and
expects exit status 0.  The last line is "N passed, M failed"; the exit
status is non-zero if anything failed.  The host key is verified against
a known_hosts file written here (through an ssh_config file, which is how
ncclient 0.6.13 takes a known_hosts path).
"""

import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

import paramiko
from ncclient import manager
from ncclient.operations.rpc import RPCError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
OCIF = "http://openconfig.net/yang/interfaces"
BASE = "urn:ietf:params:xml:ns:netconf:base:1.0"
PORTS = 8

# Used only when the project's openconfig profile is not there (yet).
FIXTURE_MODULE = """module openconfig-interfaces {
  yang-version 1.1;
  namespace "http://openconfig.net/yang/interfaces";
  prefix oc-if;
  import ietf-interfaces { prefix ietf-if; }
  revision 2024-01-01;
  container interfaces {
    list interface {
      key name;
      leaf name { type leafref { path "../config/name"; } }
      container config {
        leaf name { type string; }
        leaf type {
          type identityref { base ietf-if:interface-type; }
          mandatory true;
        }
        leaf mtu { type uint16; }
        leaf description { type string; }
        leaf enabled { type boolean; default true; }
      }
      container state {
        config false;
        leaf name { type string; }
        leaf oper-status { type enumeration { enum UP; enum DOWN; } }
      }
    }
  }
}
"""


# With a known_hosts entry ncclient 0.6.13 limits the host key algorithms to
# the entry's key type, "ssh-rsa" (SHA-1 signatures), which libssh servers
# no longer offer.  Let the same RSA key be signed with SHA-2 as well; the
# key itself is still checked against known_hosts by ncclient.
_start_client = paramiko.Transport.start_client


def _start_client_sha2(self, *args, **kwargs):
    prefs = list(self._preferred_keys)
    if "ssh-rsa" in prefs and "rsa-sha2-512" not in prefs:
        self._preferred_keys = ["rsa-sha2-512", "rsa-sha2-256"] + prefs
    return _start_client(self, *args, **kwargs)


paramiko.Transport.start_client = _start_client_sha2


class Lab:
    """The switch under test, its keys and its temp dir."""

    def __init__(self, binary):
        self.binary = binary
        self.tmp = tempfile.mkdtemp(prefix="ixfab-vswitch-test-")
        self.proc = None
        self.log = None
        self.port = free_port()
        self.hostkey = os.path.join(self.tmp, "hostkey")
        self.clientkey = os.path.join(self.tmp, "client")
        for key in (self.hostkey, self.clientkey):
            subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048",
                            "-m", "PEM", "-N", "", "-f", key], check=True)
        hostpub = subprocess.run(["ssh-keygen", "-y", "-f", self.hostkey],
                                 check=True, capture_output=True,
                                 text=True).stdout.split()
        known = os.path.join(self.tmp, "known_hosts")
        with open(known, "w") as f:
            f.write("[127.0.0.1]:%d %s %s\n" % (self.port, hostpub[0],
                                                hostpub[1]))
        self.ssh_config = os.path.join(self.tmp, "ssh_config")
        with open(self.ssh_config, "w") as f:
            f.write("Host 127.0.0.1\n  UserKnownHostsFile %s\n" % known)
        self.profile_dir = None
        if not glob.glob(os.path.join(ROOT, "yang", "openconfig",
                                      "openconfig-interfaces*.yang")):
            self.profile_dir = os.path.join(self.tmp, "profile")
            os.mkdir(self.profile_dir)
            with open(os.path.join(self.profile_dir,
                                   "openconfig-interfaces.yang"), "w") as f:
                f.write(FIXTURE_MODULE)

    def start(self):
        cmd = [self.binary, "--name", "sw-test", "--port", str(self.port),
               "--hostkey", self.hostkey,
               "--authorized-key", self.clientkey + ".pub",
               "--ports", str(PORTS), "--log-level", "info"]
        if self.profile_dir:
            cmd += ["--profile-dir", self.profile_dir]
        self.log = open(os.path.join(self.tmp, "vswitch.log"), "w")
        self.proc = subprocess.Popen(cmd, stderr=self.log)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("vswitch exited with %d at start-up"
                                   % self.proc.returncode)
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("vswitch did not accept connections in 20 s")

    def connect(self):
        return manager.connect(host="127.0.0.1", port=self.port,
                               username="ixfab", key_filename=self.clientkey,
                               hostkey_verify=True,
                               ssh_config=self.ssh_config,
                               allow_agent=False, look_for_keys=False,
                               timeout=10)

    def stop(self):
        """SIGTERM and wait; returns the exit status."""
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "killed after SIGTERM timeout"

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.log:
            self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ helpers

def cfg(body):
    return '<config xmlns="%s">%s</config>' % (BASE, body)


def entry(name, inner, op=None):
    attr = ' xmlns:nc="%s" nc:operation="%s"' % (BASE, op) if op else ""
    return "<interface%s><name>%s</name>%s</interface>" % (attr, name, inner)


def iface(name, inner, op=None):
    return '<interfaces xmlns="%s">%s</interfaces>' % (
        OCIF, entry(name, inner, op))


def new_config(name, mtu=None):
    extra = "<mtu>%d</mtu>" % mtu if mtu else ""
    return ("<config><name>%s</name><type xmlns:ianaift="
            '"urn:ietf:params:xml:ns:yang:iana-if-type">'
            "ianaift:ethernetCsmacd</type>%s</config>" % (name, extra))


def leaf_op(leaf, value, op):
    return ('<config><%s xmlns:nc="%s" nc:operation="%s">%s</%s></config>'
            % (leaf, BASE, op, value, leaf))


def new_iface(name, mtu=None, op=None):
    return iface(name, new_config(name, mtu), op)


def getcfg(m, source="running"):
    return m.get_config(source=source).data_xml


def has_iface(xml, name):
    return "<name>%s</name>" % name in xml


def mtu_of(xml, name):
    mo = re.search(r"<interface><name>%s</name>(.*?)</interface>" % name, xml,
                   re.S)
    if not mo:
        return None
    mt = re.search(r"<mtu>(\d+)</mtu>", mo.group(1))
    return int(mt.group(1)) if mt else None


def expect_error(fn, tag):
    try:
        fn()
    except RPCError as e:
        assert e.tag == tag, "error-tag %s, expected %s (%s)" % (
            e.tag, tag, e.message)
        return e
    raise AssertionError("no rpc-error, expected %s" % tag)


def error_sid(e):
    mo = re.search(r"<(?:\w+:)?session-id>(\d+)<", e.info or "")
    return int(mo.group(1)) if mo else None


def wait_for(cond, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.2)
    return cond()


# ------------------------------------------------------------------- checks

def check_hello(lab, m):
    caps = " ".join(m.server_capabilities)
    for cap in ("candidate:1.0", "confirmed-commit:1.1", "validate:1.1",
                "rollback-on-error:1.0", "writable-running:1.0",
                "xpath:1.0"):
        assert "urn:ietf:params:netconf:capability:" + cap in caps, cap


def check_start_config(lab, m):
    xml = getcfg(m)
    for i in range(1, PORTS + 1):
        assert has_iface(xml, "Ethernet%d" % i), "Ethernet%d missing" % i
    assert not has_iface(xml, "Ethernet%d" % (PORTS + 1))
    assert "ethernetCsmacd" in xml
    assert getcfg(m, "candidate") == xml, "candidate differs from running"


def check_get_state(lab, m):
    xml = m.get().data_xml
    assert has_iface(xml, "Ethernet1") and "<state>" in xml, xml[:300]
    assert "<state>" not in getcfg(m), "get-config returned state"


def check_subtree_filter(lab, m):
    flt = ('<interfaces xmlns="%s"><interface><name>Ethernet2</name>'
           '<config/></interface></interfaces>' % OCIF)
    xml = m.get_config(source="running", filter=("subtree", flt)).data_xml
    assert has_iface(xml, "Ethernet2") and not has_iface(xml, "Ethernet1")
    assert "ethernetCsmacd" in xml
    flt = '<interfaces xmlns="%s"><interface><name>NoSuch</name>' \
          '</interface></interfaces>' % OCIF
    xml = m.get_config(source="running", filter=("subtree", flt)).data_xml
    assert "interface" not in xml, xml


def check_xpath_filter(lab, m):
    sel = "/oc-if:interfaces/oc-if:interface[oc-if:name='Ethernet3']"
    xml = m.get_config(source="running",
                       filter=("xpath", ({"oc-if": OCIF}, sel))).data_xml
    assert has_iface(xml, "Ethernet3") and not has_iface(xml, "Ethernet1")


def check_edit_candidate_merge(lab, m):
    m.edit_config(target="candidate",
                  config=cfg(iface("Ethernet1", "<config><mtu>9000</mtu>"
                                                "</config>")))
    assert mtu_of(getcfg(m, "candidate"), "Ethernet1") == 9000
    assert mtu_of(getcfg(m), "Ethernet1") is None, "running changed"


def check_discard_changes(lab, m):
    m.discard_changes()
    assert mtu_of(getcfg(m, "candidate"), "Ethernet1") is None
    assert getcfg(m, "candidate") == getcfg(m)


def check_commit(lab, m):
    m.edit_config(target="candidate",
                  config=cfg(iface("Ethernet1", "<config><mtu>9100</mtu>"
                                                "</config>")))
    m.commit()
    assert mtu_of(getcfg(m), "Ethernet1") == 9100


def check_copy_config(lab, m):
    # candidate <- running after an edit: the edit is gone
    m.edit_config(target="candidate",
                  config=cfg(iface("Ethernet3", "<config><mtu>9300</mtu>"
                                                "</config>")))
    m.copy_config(source="running", target="candidate")
    assert mtu_of(getcfg(m, "candidate"), "Ethernet3") is None
    # running <- candidate: an edit made in candidate lands in running
    m.edit_config(target="candidate",
                  config=cfg(iface("Ethernet3", "<config><mtu>9301</mtu>"
                                                "</config>")))
    m.copy_config(source="candidate", target="running")
    assert mtu_of(getcfg(m), "Ethernet3") == 9301
    # the same datastore on both sides is an error
    expect_error(lambda: m.copy_config(source="running", target="running"),
                 "invalid-value")


def check_monitoring_state(lab, m):
    m.lock("candidate")
    try:
        xml = m.get(filter=("subtree", '<netconf-state xmlns="urn:ietf:'
                            'params:xml:ns:yang:ietf-netconf-monitoring"/>')
                    ).data_xml
    finally:
        m.unlock("candidate")
    assert "urn:ietf:params:netconf:capability:candidate:1.0" in xml, xml
    assert "<identifier>openconfig-interfaces</identifier>" in xml
    assert "<name>candidate</name>" in xml and "locked-by-session" in xml
    assert "<session-id>%s</session-id>" % m.session_id in xml


def check_create_existing(lab, m):
    e = expect_error(lambda: m.edit_config(
        target="candidate", config=cfg(new_iface("Ethernet2", op="create"))),
        "data-exists")
    assert "Ethernet2" in (e.path or ""), "error-path %r" % e.path
    assert getcfg(m, "candidate") == getcfg(m), "candidate changed"


def check_create_new(lab, m):
    m.edit_config(target="candidate", config=cfg(new_iface("Ethernet99")))
    assert has_iface(getcfg(m, "candidate"), "Ethernet99")
    m.discard_changes()


def check_delete_missing(lab, m):
    e = expect_error(lambda: m.edit_config(
        target="candidate", config=cfg(iface("Ethernet77", "", "delete"))),
        "data-missing")
    assert "Ethernet77" in (e.path or ""), "error-path %r" % e.path


def check_delete_remove(lab, m):
    m.edit_config(target="candidate",
                  config=cfg(iface("Ethernet3", "", "delete")))
    assert not has_iface(getcfg(m, "candidate"), "Ethernet3")
    m.edit_config(target="candidate",
                  config=cfg(iface("Ethernet3", "", "remove")))
    m.discard_changes()
    assert has_iface(getcfg(m, "candidate"), "Ethernet3")


def check_replace(lab, m):
    body = iface("Ethernet1", '<config xmlns:nc="%s" nc:operation="replace">'
                 "<name>Ethernet1</name><type xmlns:ianaift="
                 '"urn:ietf:params:xml:ns:yang:iana-if-type">'
                 "ianaift:ethernetCsmacd</type><description>x</description>"
                 "</config>" % BASE)
    m.edit_config(target="candidate", config=cfg(body))
    xml = getcfg(m, "candidate")
    assert mtu_of(xml, "Ethernet1") is None, "mtu survived replace"
    assert "<description>x</description>" in xml
    m.discard_changes()


def check_default_op_none(lab, m):
    body = iface("Ethernet2", leaf_op("description", "d2", "create"))
    m.edit_config(target="candidate", config=cfg(body),
                  default_operation="none")
    assert "<description>d2</description>" in getcfg(m, "candidate")
    m.discard_changes()


def check_default_op_replace(lab, m):
    m.edit_config(target="candidate", config=cfg(new_iface("Ethernet1")),
                  default_operation="replace")
    xml = getcfg(m, "candidate")
    assert has_iface(xml, "Ethernet1") and not has_iface(xml, "Ethernet2")
    m.discard_changes()


def check_unknown_element(lab, m):
    e = expect_error(lambda: m.edit_config(
        target="candidate",
        config=cfg(iface("Ethernet1", "<config><bogus>1</bogus></config>"))),
        "unknown-element")
    assert e.path and "interface" in e.path and "bogus" in e.path, \
        "error-path %r" % e.path


def check_invalid_value(lab, m):
    e = expect_error(lambda: m.edit_config(
        target="candidate",
        config=cfg(iface("Ethernet1", "<config><mtu>jumbo</mtu></config>"))),
        "invalid-value")
    assert e.path and "mtu" in e.path, "error-path %r" % e.path
    assert getcfg(m, "candidate") == getcfg(m)


def check_rollback_on_error(lab, m):
    body = '<interfaces xmlns="%s">%s%s</interfaces>' % (
        OCIF, entry("Ethernet50", new_config("Ethernet50")),
        entry("Ethernet2", "", "create"))
    expect_error(lambda: m.edit_config(target="candidate", config=cfg(body),
                                       error_option="rollback-on-error"),
                 "data-exists")
    assert not has_iface(getcfg(m, "candidate"), "Ethernet50"), \
        "first change of a failed edit kept"


def check_edit_running(lab, m):
    m.edit_config(target="running",
                  config=cfg(iface("Ethernet4", "<config><mtu>1600</mtu>"
                                                "</config>")))
    assert mtu_of(getcfg(m), "Ethernet4") == 1600
    assert mtu_of(getcfg(m, "candidate"), "Ethernet4") == 1600


def check_edit_running_invalid(lab, m):
    before = getcfg(m)
    e = expect_error(lambda: m.edit_config(
        target="running", config=cfg(iface("Ethernet60", "<config><name>"
                                           "Ethernet60</name></config>"))),
        "data-missing")
    assert e.path and "type" in e.path, "error-path %r" % e.path
    assert getcfg(m) == before, "running changed"


def check_test_only(lab, m):
    before = getcfg(m)
    m.edit_config(target="running", test_option="test-only",
                  config=cfg(iface("Ethernet4", "<config><mtu>1700</mtu>"
                                                "</config>")))
    assert getcfg(m) == before


def check_validate_and_commit_invalid(lab, m):
    m.validate(source="candidate")
    m.edit_config(target="candidate",
                  config=cfg(iface("Ethernet61", "<config><name>Ethernet61"
                                                 "</name></config>")))
    e = expect_error(lambda: m.validate(source="candidate"), "data-missing")
    assert "type" in (e.path or ""), "error-path %r" % e.path
    before = getcfg(m)
    e = expect_error(lambda: m.commit(), "data-missing")
    assert "Mandatory" in (e.message or ""), e.message
    assert e.path and "Ethernet61" in e.path or "type" in e.path, e.path
    assert getcfg(m) == before, "running changed by failed commit"
    m.discard_changes()


def check_lock_denied(lab, m):
    m2 = lab.connect()
    try:
        m.lock("candidate")
        e = expect_error(lambda: m2.lock("candidate"), "lock-denied")
        assert error_sid(e) == int(m.session_id), "session-id %s vs %s" % (
            error_sid(e), m.session_id)
        e = expect_error(lambda: m2.edit_config(
            target="candidate", config=cfg(iface("Ethernet1", "<config>"
                                                 "<mtu>1234</mtu></config>"))),
            "in-use")
        expect_error(lambda: m2.discard_changes(), "in-use")
        expect_error(lambda: m2.commit(), "in-use")
        expect_error(lambda: m2.unlock("candidate"), "operation-failed")
        m.unlock("candidate")
        m2.lock("candidate")
        m2.unlock("candidate")
    finally:
        m2.close_session()


def check_lock_running(lab, m):
    m2 = lab.connect()
    try:
        m.lock("running")
        e = expect_error(lambda: m2.edit_config(
            target="running", config=cfg(iface("Ethernet1", "<config>"
                                               "<mtu>1234</mtu></config>"))),
            "in-use")
        assert error_sid(e) == int(m.session_id)
        expect_error(lambda: m.lock("running"), "lock-denied")
        m.unlock("running")
    finally:
        m2.close_session()


def check_lock_dirty_candidate(lab, m):
    m2 = lab.connect()
    try:
        m2.edit_config(target="candidate",
                       config=cfg(iface("Ethernet1", "<config><mtu>1300</mtu>"
                                                     "</config>")))
        e = expect_error(lambda: m.lock("candidate"), "lock-denied")
        assert error_sid(e) == int(m2.session_id)
        m2.discard_changes()
        m.lock("candidate")
        m.unlock("candidate")
    finally:
        m2.close_session()


def check_kill_session(lab, m):
    m2 = lab.connect()
    m2.lock("running")
    m2.lock("candidate")
    expect_error(lambda: m.lock("running"), "lock-denied")
    expect_error(lambda: m.kill_session(m.session_id), "invalid-value")
    m.kill_session(m2.session_id)
    m.lock("running")
    m.lock("candidate")
    m.unlock("candidate")
    m.unlock("running")
    try:
        m2.get_config(source="running")
        raise AssertionError("killed session still answers")
    except AssertionError:
        raise
    except Exception:
        pass
    finally:
        try:
            m2.close_session()
        except Exception:
            pass


def check_close_releases_lock(lab, m):
    m2 = lab.connect()
    m2.lock("running")
    m2.close_session()
    assert wait_for(lambda: try_lock(m, "running"), 5)
    m.unlock("running")


def try_lock(m, ds):
    try:
        m.lock(ds)
        return True
    except RPCError:
        return False


def check_get_schema(lab, m):
    text = m.get_schema("openconfig-interfaces").data
    assert "module openconfig-interfaces" in text, text[:100]
    text = m.get_schema("ietf-netconf").data
    assert "module ietf-netconf" in text
    expect_error(lambda: m.get_schema("no-such-module"), "invalid-value")


def set_mtu(m, name, mtu):
    m.edit_config(target="candidate",
                  config=cfg(iface(name, "<config><mtu>%d</mtu></config>"
                                   % mtu)))


def check_confirmed_timeout(lab, m):
    set_mtu(m, "Ethernet5", 2001)
    m.commit(confirmed=True, timeout="2")
    assert mtu_of(getcfg(m), "Ethernet5") == 2001
    assert wait_for(lambda: mtu_of(getcfg(m), "Ethernet5") is None, 6), \
        "not reverted after confirm-timeout"


def check_confirmed_confirm(lab, m):
    set_mtu(m, "Ethernet5", 2002)
    m.commit(confirmed=True, timeout="2")
    m.commit()
    time.sleep(2.5)
    assert mtu_of(getcfg(m), "Ethernet5") == 2002, "confirmed commit lost"


def check_confirmed_extend(lab, m):
    set_mtu(m, "Ethernet5", 2003)
    m.commit(confirmed=True, timeout="2")
    time.sleep(1)
    m.commit(confirmed=True, timeout="4")
    time.sleep(2)
    assert mtu_of(getcfg(m), "Ethernet5") == 2003, "follow-up did not extend"
    m.cancel_commit()
    assert mtu_of(getcfg(m), "Ethernet5") == 2002, "cancel did not revert"


def check_cancel_commit(lab, m):
    expect_error(lambda: m.cancel_commit(), "operation-failed")
    set_mtu(m, "Ethernet6", 2100)
    m.commit(confirmed=True, timeout="60")
    m.cancel_commit()
    assert mtu_of(getcfg(m), "Ethernet6") is None
    assert mtu_of(getcfg(m, "candidate"), "Ethernet6") is None


def check_revert_on_close(lab, m):
    m2 = lab.connect()
    set_mtu(m2, "Ethernet6", 2200)
    m2.commit(confirmed=True, timeout="60")
    assert mtu_of(getcfg(m), "Ethernet6") == 2200
    expect_error(lambda: m.commit(), "operation-failed")
    m2.close_session()
    assert wait_for(lambda: mtu_of(getcfg(m), "Ethernet6") is None, 5), \
        "not reverted when the issuing session closed"


def check_persist_confirm(lab, m):
    m2 = lab.connect()
    set_mtu(m2, "Ethernet7", 2300)
    m2.commit(confirmed=True, timeout="60", persist="tok-1")
    m2.close_session()
    time.sleep(0.5)
    assert mtu_of(getcfg(m), "Ethernet7") == 2300, "persisted commit reverted"
    expect_error(lambda: m.commit(), "operation-failed")
    expect_error(lambda: m.commit(persist_id="wrong"), "invalid-value")
    m.commit(persist_id="tok-1")
    expect_error(lambda: m.cancel_commit(persist_id="tok-1"),
                 "operation-failed")
    assert mtu_of(getcfg(m), "Ethernet7") == 2300


def check_persist_cancel(lab, m):
    m2 = lab.connect()
    set_mtu(m2, "Ethernet8", 2400)
    m2.commit(confirmed=True, timeout="60", persist="tok-2")
    m2.close_session()
    expect_error(lambda: m.cancel_commit(persist_id="nope"), "invalid-value")
    m.cancel_commit(persist_id="tok-2")
    assert mtu_of(getcfg(m), "Ethernet8") is None


def check_unknown_host_refused(lab, m):
    other = os.path.join(lab.tmp, "ssh_config_other")
    with open(other, "w") as f:
        f.write("Host 127.0.0.1\n  UserKnownHostsFile %s\n"
                % os.path.join(lab.tmp, "empty_known_hosts"))
    open(os.path.join(lab.tmp, "empty_known_hosts"), "w").close()
    try:
        manager.connect(host="127.0.0.1", port=lab.port, username="ixfab",
                        key_filename=lab.clientkey, hostkey_verify=True,
                        ssh_config=other, allow_agent=False,
                        look_for_keys=False, timeout=10).close_session()
    except Exception as e:
        assert "Unknown host key" in str(e) or "nknown" in str(e), str(e)
        return
    raise AssertionError("connected despite unknown host key")


def start_fails(lab, args, needle):
    """Starts a second switch that must exit 1 naming the problem."""
    cmd = [lab.binary, "--name", "sw-bad", "--port", str(lab.port),
           "--hostkey", lab.hostkey,
           "--authorized-key", lab.clientkey + ".pub", "--ports", "2"]
    if lab.profile_dir:
        cmd += ["--profile-dir", lab.profile_dir]
    for i in range(0, len(args), 2):
        cmd[cmd.index(args[i]) + 1] = args[i + 1]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    assert p.returncode == 1, "exit status %d" % p.returncode
    assert needle in p.stderr, p.stderr[-300:]


def check_port_taken(lab, m):
    start_fails(lab, [], "cannot listen on 127.0.0.1 port %d" % lab.port)


def check_bad_hostkey(lab, m):
    start_fails(lab, ["--port", str(free_port()),
                      "--hostkey", lab.clientkey + ".pub"], "host key")


def check_bad_authorized_key(lab, m):
    start_fails(lab, ["--port", str(free_port()),
                      "--authorized-key", lab.hostkey], "authorized key")


CHECKS = [
    check_hello, check_start_config, check_get_state, check_subtree_filter,
    check_xpath_filter, check_edit_candidate_merge, check_discard_changes,
    check_commit, check_copy_config, check_monitoring_state,
    check_create_existing, check_create_new,
    check_delete_missing, check_delete_remove, check_replace,
    check_default_op_none, check_default_op_replace, check_unknown_element,
    check_invalid_value, check_rollback_on_error, check_edit_running,
    check_edit_running_invalid, check_test_only,
    check_validate_and_commit_invalid, check_lock_denied, check_lock_running,
    check_lock_dirty_candidate, check_kill_session,
    check_close_releases_lock, check_get_schema, check_confirmed_timeout,
    check_confirmed_confirm, check_confirmed_extend, check_cancel_commit,
    check_revert_on_close, check_persist_confirm, check_persist_cancel,
    check_unknown_host_refused, check_port_taken, check_bad_hostkey,
    check_bad_authorized_key,
]


def main():
    if len(sys.argv) != 2:
        print("usage: %s VSWITCH_BINARY" % sys.argv[0], file=sys.stderr)
        return 2
    passed = failed = 0
    lab = Lab(os.path.abspath(sys.argv[1]))
    try:
        lab.start()
        m = lab.connect()
        for check in CHECKS:
            name = check.__name__[len("check_"):]
            try:
                check(lab, m)
                print("ok   %s" % name)
                passed += 1
            except Exception as e:
                print("FAIL %s: %s" % (name, e or type(e).__name__))
                if os.environ.get("VERBOSE"):
                    traceback.print_exc()
                failed += 1
                try:
                    m.discard_changes()
                except Exception:
                    m = lab.connect()
        m.close_session()
        status = lab.stop()
        if status == 0:
            print("ok   sigterm_exit_0")
            passed += 1
        else:
            print("FAIL sigterm_exit_0: exit status %s" % status)
            failed += 1
    except Exception as e:
        print("FAIL setup: %r" % e)
        traceback.print_exc()
        failed += 1
    finally:
        lab.stop()
        if failed and lab.log:
            lab.log.flush()
            with open(os.path.join(lab.tmp, "vswitch.log")) as f:
                sys.stderr.write("--- vswitch log (last lines)\n")
                sys.stderr.writelines(f.readlines()[-40:])
        lab.cleanup()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
