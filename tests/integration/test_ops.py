#!/usr/bin/python3
"""ixfabd's operations beyond submit, driven over ZeroMQ from Python:
dry-run, check-sync and sync (drift found and repaired, operator config
left alone), devices, stats, jobs filters, replay and cancel.

usage: test_ops.py BUILD_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import zmq

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from ncget import connect  # noqa: E402

OC_IF = "http://openconfig.net/yang/interfaces"
NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok - " + name)
    else:
        failed += 1
        print("FAIL - %s %s" % (name, detail))


class Client:
    def __init__(self, ep):
        self.ctx = zmq.Context()
        self.ep = ep

    def __call__(self, **req):
        s = self.ctx.socket(zmq.REQ)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.RCVTIMEO, 30000)
        s.connect(self.ep)
        s.send_string(json.dumps(req))
        reply = json.loads(s.recv_string())
        s.close()
        return reply

    def wait(self, job_id, limit=30):
        end = time.time() + limit
        while time.time() < end:
            st = self(op="job", id=job_id)["job"]["state"]
            if st in ("committed", "failed", "cancelled"):
                return st
            time.sleep(0.1)
        return "timeout"


def edit_running(inv, dev, config_xml):
    """An operator's change, made directly on the switch."""
    with connect(inv, dev) as m:
        m.edit_config(target="candidate", config=config_xml)
        m.commit()


def running(inv, dev):
    with connect(inv, dev) as m:
        return m.get_config(source="running").data_xml


def iface_cfg(name, desc=None, mtu=None, sub=None):
    parts = ["<name>%s</name>" % name]
    cfg = "<name>%s</name>" % name
    if desc is not None:
        cfg += "<description>%s</description>" % desc
    if mtu is not None:
        cfg += "<mtu>%d</mtu>" % mtu
    if "Ethernet" in name:
        cfg += ('<type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">'
                "ianaift:ethernetCsmacd</type>")
    parts.append("<config>%s</config>" % cfg)
    if sub:
        parts.append(sub)
    return ('<config xmlns="%s"><interfaces xmlns="%s"><interface>%s'
            "</interface></interfaces></config>" % (NC, OC_IF, "".join(parts)))


def burst(c, ctl, tmp, inv):
    """Many jobs at once: coalesced per device, only the bad one fails."""
    setup = {"changes": [
        {"action": "create", "kind": "connection",
         "object": {"id": "con-b%d" % i, "mode": "lag_lacp",
                    "ports": [{"device": "sw%d" % i,
                               "name": "Ethernet3%d" % i}]}}
        for i in (1, 2)]}
    r = c(op="submit", **setup)
    check("burst: connections set up", c.wait(r["id"]) == "committed")

    # one VLAN's edit fails on sw2, whatever batch it is in
    bad_vlan = 2013
    xpath = ("/openconfig-network-instance:network-instances/"
             "network-instance[name='ns-lan']/interfaces/"
             "interface[id='Port-Channel1.%d']" % bad_vlan)
    rr = subprocess.run([ctl, "lab", "fault", "--dir",
                         os.path.join(tmp, "lab"), "sw2",
                         "fail-edit=" + xpath], capture_output=True, text=True)
    check("burst: fault armed on one VLAN of sw2", rr.returncode == 0,
          rr.stderr)
    ids = {}
    for k in range(40):
        sw = 1 + k % 2
        vlan = 2000 + k
        job = {"changes": [{"action": "create",
                            "kind": "network_service_config",
                            "object": {"id": "nsc-b%d" % k,
                                       "type": "exchange_lan",
                                       "network_service": "ns-lan",
                                       "connection": "con-b%d" % sw,
                                       "vlan_config": {"vlan_type": "dot1q",
                                                       "vlan": vlan},
                                       "asns": [65000 + k],
                                       "listed": True}}]}
        ids[vlan] = c(op="submit", **job)["id"]
    states = {v: c.wait(i) for v, i in ids.items()}
    bad = [v for v, st in states.items() if st != "committed"]
    check("burst: only the job with the bad VLAN failed", bad == [bad_vlan],
          bad)
    batches = [c(op="job", id=i)["job"]["result"].get("batch", 1)
               for v, i in ids.items() if v != bad_vlan]
    check("burst: jobs were coalesced into shared transactions",
          max(batches) > 1, batches)
    run1, run2 = running(inv, "sw1"), running(inv, "sw2")
    check("burst: every good VLAN is on its switch",
          all(("vlan-id>%d<" % v) in (run1 if (v - 2000) % 2 == 0 else run2)
              for v in ids if v != bad_vlan))
    check("burst: the bad VLAN is nowhere",
          ("vlan-id>%d<" % bad_vlan) not in run2)
    subprocess.run([ctl, "lab", "fault", "--dir", os.path.join(tmp, "lab"),
                    "sw2", "clear"], capture_output=True)


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    tmp = tempfile.mkdtemp(prefix="ixfab-ops.")
    ctl = os.path.join(build, "ixfabctl")
    inv = os.path.join(tmp, "lab", "inventory.json")
    daemon = None
    try:
        subprocess.run([ctl, "lab", "up", "--dir", os.path.join(tmp, "lab"),
                        "--switches", "2"], check=True,
                       stdout=subprocess.DEVNULL)
        log = open(os.path.join(tmp, "ixfabd.log"), "w")
        ep = "ipc://%s/req" % tmp
        daemon = subprocess.Popen(
            [os.path.join(build, "ixfabd"), "--inventory", inv, "--store",
             os.path.join(tmp, "store.db"), "--listen", ep, "--events",
             "ipc://%s/ev" % tmp], stderr=log)
        c = Client(ep)
        for _ in range(100):
            try:
                c(op="jobs")
                break
            except zmq.Again:
                time.sleep(0.1)
        order = json.load(open(os.path.join(ROOT, "docs", "examples",
                                            "order-4711.json")))

        # dry-run: the edit per device, nothing stored or sent
        before = running(inv, "sw1")
        r = c(op="dry-run", **order)
        check("dry-run answers ok", r.get("ok"), r)
        edit = (r.get("devices") or {}).get("sw1", {}).get("edit") or ""
        check("dry-run shows sw1's edit", "Port-Channel1" in edit
              and "vlan-id>100<" in edit)
        check("dry-run stores no job", c(op="jobs")["jobs"] == [])
        check("dry-run touches no switch", running(inv, "sw1") == before)
        bad = json.loads(json.dumps(order))
        bad["changes"][2]["object"]["vlan_config"]["vlan"] = 5000
        r = c(op="dry-run", **bad)
        check("dry-run refuses a bad job with its path",
              not r["ok"] and r["error"]["path"] ==
              "/changes/2/object/vlan_config/vlan")

        r = c(op="submit", **order)
        check("order committed", c.wait(r["id"]) == "committed")

        r = c(op="check-sync")
        check("check-sync: every device in sync",
              r.get("ok") and all(v["in_sync"] for v in
                                  r["devices"].values()), r)

        # drift on a node ixfab manages: the LAG's description
        edit_running(inv, "sw1", iface_cfg("Port-Channel1", desc="hand made"))
        # and configuration ixfab does not manage: another port's description
        edit_running(inv, "sw1", iface_cfg("Ethernet20", desc="operator"))
        r = c(op="check-sync", device="sw1")
        sw1 = r["devices"]["sw1"]
        check("check-sync reports drift on the managed LAG",
              sw1["in_sync"] is False and "ixfab connection con-a"
              in (sw1["diff"] or ""), sw1)
        check("check-sync ignores the operator's own port",
              "Ethernet20" not in (sw1["diff"] or ""), sw1)
        check("check-sync of sw2 alone still clean",
              c(op="check-sync", device="sw2")["devices"]["sw2"]["in_sync"])

        r = c(op="sync", device="sw1")
        check("sync accepted as a job", r.get("ok") and r.get("id"), r)
        check("sync commits", c.wait(r["id"]) == "committed")
        after = running(inv, "sw1")
        check("sync restored the managed description",
              "ixfab connection con-a" in after and "hand made" not in after)
        check("sync left the operator's port alone", "operator" in after)
        check("check-sync clean after sync",
              c(op="check-sync", device="sw1")["devices"]["sw1"]["in_sync"])
        r = c(op="sync", device="nosuch")
        check("sync of an unknown device refused",
              not r["ok"] and r["error"]["code"] == "not_found")

        # devices and stats
        r = c(op="devices")
        rows = {d["name"]: d for d in r["devices"]}
        check("devices lists both switches", set(rows) == {"sw1", "sw2"})
        check("devices: sw1 session up and committed",
              rows["sw1"]["session"] and rows["sw1"]["last_commit"])
        check("devices: sw2 never contacted",
              rows["sw2"]["reachable"] is None)
        r = c(op="stats")
        check("stats counts committed jobs",
              r["jobs"]["committed"] == 2, r["jobs"])
        check("stats has sw1's commit latency",
              r["devices"]["sw1"]["commits"] >= 1
              and r["devices"]["sw1"]["commit_ms"]["p50"] > 0)

        # jobs filters
        check("jobs --device sw1 finds both",
              len(c(op="jobs", device="sw1")["jobs"]) == 2)
        check("jobs --device sw2 finds none",
              c(op="jobs", device="sw2")["jobs"] == [])
        check("jobs --object con-a finds the order",
              [j["id"] for j in c(op="jobs", object="con-a")["jobs"]] == [1])
        check("jobs --since the future finds none",
              c(op="jobs", since="2999-01-01T00:00:00Z")["jobs"] == [])
        r = c(op="jobs", since="yesterday")
        check("jobs refuses a bad time", not r["ok"])

        burst(c, ctl, tmp, inv)

        r = c(op="replay", id=1)
        check("replay of a committed job refused",
              not r["ok"] and r["error"]["code"] == "conflict")
        r = c(op="cancel", id=1)
        check("cancel of a committed job refused",
              not r["ok"] and r["error"]["code"] == "conflict")
        r = c(op="cancel", id=99)
        check("cancel of an unknown job refused",
              not r["ok"] and r["error"]["code"] == "not_found")
    finally:
        if daemon:
            daemon.terminate()
            rc = daemon.wait(20)
            check("ixfabd stops cleanly", rc == 0, rc)
        subprocess.run([ctl, "lab", "down", "--dir",
                        os.path.join(tmp, "lab")], stdout=subprocess.DEVNULL)
        if failed:
            print(open(os.path.join(tmp, "ixfabd.log")).read()[-3000:])
        if os.environ.get("IXFAB_TEST_OUTPUTS"):
            # the suite searches every test's outputs for its secrets
            subprocess.run(["cp", "-r", tmp, os.environ["IXFAB_TEST_OUTPUTS"]],
                           stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
