#!/usr/bin/python3
"""Every step of the transaction failing on every device position.

A job spans three switches (sw1 first, sw2 middle, sw3 last in the
transaction's order).  For each fault and each position the fault is
injected on that switch through the lab RPC, the job is submitted, and
then: the job is failed naming that switch and a reason that fits the
fault; every switch's running configuration equals what it was before
(read back with ncclient); no lock is left held and no confirmed commit
is pending; and, once the fault is cleared, the same job commits.  At
the end a failed job is replayed after its fault is cleared.

usage: test_faults.py BUILD_DIR [FAULT ...]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import zmq
from ncclient.operations.rpc import RPCError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from ncget import canon, connect  # noqa: E402
import xml.etree.ElementTree as ET  # noqa: E402

SWITCHES = ["sw1", "sw2", "sw3"]
# fault spec, what the job's reason for that switch must mention
FAULTS = {
    "fail-edit": "edit-config",
    "fail-validate": "validate",
    "fail-commit": "commit",
    "deny-lock": "lock",
    "drop-after=2": "",
    "hang=9000": "did not answer",
    "crash": "",
}
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok - " + name)
    else:
        failed += 1
        print("FAIL - %s %s" % (name, detail))


class Lab:
    def __init__(self, build, tmp):
        self.ctl = os.path.join(build, "ixfabctl")
        self.dir = os.path.join(tmp, "lab")
        self.inv = os.path.join(self.dir, "inventory.json")
        self.sessions = {}

    def run(self, *args):
        return subprocess.run([self.ctl, "lab"] + list(args) +
                              ([] if args[0] == "up" else []),
                              capture_output=True, text=True)

    def fault(self, sw, spec):
        r = subprocess.run([self.ctl, "lab", "fault", "--dir", self.dir, sw,
                            spec], capture_output=True, text=True)
        return r.returncode == 0

    def pid(self, sw):
        r = subprocess.run([self.ctl, "lab", "status", "--dir", self.dir,
                            "--json"], capture_output=True, text=True)
        for s in json.loads(r.stdout)["switches"]:
            if s["name"] == sw:
                return s["pid"], s["alive"]
        return None, False

    def session(self, sw):
        m = self.sessions.get(sw)
        if m is None or not m.connected:
            m = connect(self.inv, sw)
            self.sessions[sw] = m
        return m

    def _retry(self, sw, fn):
        for attempt in range(2):
            try:
                return fn(self.session(sw))
            except Exception:
                self.sessions.pop(sw, None)
                if attempt:
                    raise
                time.sleep(0.5)

    def running(self, sw):
        xml = self._retry(sw, lambda m: m.get_config(source="running")
                          .data_xml)
        return ET.tostring(canon(ET.fromstring(xml))).decode()

    def clean(self, sw):
        """No lock held by anyone else, no confirmed commit pending."""
        problems = []

        def probe(m):
            for ds in ("candidate", "running"):
                try:
                    m.lock(ds)
                    m.unlock(ds)
                except RPCError as e:
                    problems.append("%s locked: %s" % (ds, e.message))
            try:
                m.cancel_commit()
                problems.append("confirmed commit pending")
            except RPCError:
                pass
        self._retry(sw, probe)
        return problems

    def close(self):
        for m in self.sessions.values():
            try:
                m.close_session()
            except Exception:
                pass


class Daemon:
    def __init__(self, build, tmp, inv):
        self.ep = "ipc://%s/req" % tmp
        self.log = open(os.path.join(tmp, "ixfabd.log"), "w")
        self.proc = subprocess.Popen(
            [os.path.join(build, "ixfabd"), "--inventory", inv, "--store",
             os.path.join(tmp, "store.db"), "--listen", self.ep, "--events",
             "ipc://%s/ev" % tmp, "--rpc-timeout", "3000",
             "--connect-timeout", "5000", "--lock-attempts", "3",
             "--confirm-timeout", "30"], stderr=self.log)
        self.zctx = zmq.Context()
        for _ in range(100):
            try:
                self(op="jobs")
                break
            except zmq.Again:
                time.sleep(0.1)

    def __call__(self, **req):
        s = self.zctx.socket(zmq.REQ)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.RCVTIMEO, 20000)
        s.connect(self.ep)
        s.send_string(json.dumps(req))
        r = json.loads(s.recv_string())
        s.close()
        return r

    def wait(self, job_id, limit=60):
        end = time.time() + limit
        while time.time() < end:
            job = self(op="job", id=job_id)["job"]
            if job["state"] in ("committed", "failed", "cancelled"):
                return job
            time.sleep(0.1)
        return {"state": "timeout"}

    def stop(self):
        self.proc.terminate()
        return self.proc.wait(20)


def jobs(ports):
    """The job that spans all switches, and the one that undoes it."""
    create = [{"action": "create", "kind": "network_service",
               "object": {"id": "ns-f", "type": "exchange_lan"}}]
    delete = []
    for i, sw in enumerate(SWITCHES):
        create.append({"action": "create", "kind": "connection",
                       "object": {"id": "con-f%d" % i, "mode": "lag_lacp",
                                  "ports": [{"device": sw,
                                             "name": ports[i]}]}})
        create.append({"action": "create", "kind": "network_service_config",
                       "object": {"id": "nsc-f%d" % i, "type": "exchange_lan",
                                  "network_service": "ns-f",
                                  "connection": "con-f%d" % i,
                                  "vlan_config": {"vlan_type": "dot1q",
                                                  "vlan": 700 + i},
                                  "asns": [64510 + i], "listed": True}})
        delete.insert(0, {"action": "delete", "kind": "connection",
                          "object": {"id": "con-f%d" % i}})
        delete.insert(0, {"action": "delete",
                          "kind": "network_service_config",
                          "object": {"id": "nsc-f%d" % i}})
    delete.append({"action": "delete", "kind": "network_service",
                   "object": {"id": "ns-f"}})
    return {"changes": create}, {"changes": delete}


def one_case(lab, d, spec, sw, create, delete):
    tag = "%s on %s" % (spec, sw)
    before = {s: lab.running(s) for s in SWITCHES}

    if spec == "crash":
        # dies in the middle of the transaction: slow it down, then kill it
        lab.fault(sw, "delay=300")
        r = d(op="submit", **create)
        time.sleep(0.5)
        pid, alive = lab.pid(sw)
        os.kill(pid, 9)
    else:
        check(tag + ": fault injected", lab.fault(sw, spec))
        r = d(op="submit", **create)
    job = d.wait(r["id"])
    reason = ((job.get("result") or {}).get("error") or {}).get("devices", {})
    check(tag + ": job failed", job["state"] == "failed", job.get("state"))
    check(tag + ": failure names " + sw, sw in reason, reason)
    check(tag + ": reason fits the fault",
          FAULTS[spec].lower() in reason.get(sw, "").lower(), reason)

    if spec == "crash":
        subprocess.run([lab.ctl, "lab", "restart", "--dir", lab.dir, sw],
                       capture_output=True)
        lab.sessions.pop(sw, None)
    elif spec.startswith("hang"):
        time.sleep(9)  # the hang ends by itself
    lab.fault(sw, "clear")

    after = {s: lab.running(s) for s in SWITCHES}
    for s in SWITCHES:
        check("%s: %s as before" % (tag, s), after[s] == before[s])
        problems = lab.clean(s)
        check("%s: %s has no lock or pending commit" % (tag, s),
              not problems, problems)

    r = d(op="submit", **create)
    job = d.wait(r["id"])
    check(tag + ": the next job commits", job["state"] == "committed",
          job.get("result"))
    if job["state"] != "committed":
        return
    r = d(op="submit", **delete)
    check(tag + ": and is undone", r.get("ok") and
          d.wait(r["id"])["state"] == "committed", r)


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    faults = sys.argv[2:] or list(FAULTS)
    tmp = tempfile.mkdtemp(prefix="ixfab-faults.")
    lab = Lab(build, tmp)
    d = None
    try:
        subprocess.run([lab.ctl, "lab", "up", "--dir", lab.dir, "--switches",
                        "3"], check=True, stdout=subprocess.DEVNULL)
        d = Daemon(build, tmp, lab.inv)
        create, delete = jobs(["Ethernet10", "Ethernet11", "Ethernet12"])
        for spec in faults:
            for sw in SWITCHES:
                one_case(lab, d, spec, sw, create, delete)

        # replay: a job fails on a fault; the fault is cleared; replay
        lab.fault("sw2", "fail-commit")
        r = d(op="submit", **create)
        check("replay: the job fails first",
              d.wait(r["id"])["state"] == "failed")
        lab.fault("sw2", "clear")
        rr = d(op="replay", id=r["id"])
        check("replay accepted", rr.get("ok"), rr)
        job = d.wait(r["id"])
        check("replay commits the same job", job["state"] == "committed")
        check("replay keeps the first attempt's steps",
              {s.get("attempt") for s in job["steps"]} == {1, 2})
    finally:
        lab.close()
        if d:
            rc = d.stop()
            check("ixfabd stops cleanly", rc == 0, rc)
        subprocess.run([lab.ctl, "lab", "down", "--dir", lab.dir],
                       stdout=subprocess.DEVNULL)
        if failed:
            print(open(os.path.join(tmp, "ixfabd.log")).read()[-4000:])
        if os.environ.get("IXFAB_TEST_OUTPUTS"):
            # the suite searches every test's outputs for its secrets
            subprocess.run(["cp", "-r", tmp, os.environ["IXFAB_TEST_OUTPUTS"]],
                           stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
