#!/usr/bin/python3
"""Drives the job corpus through ixfabd over ZeroMQ, as an API server in
another language would, using only what docs/protocol.md says.

usage: test_corpus.py [BUILD_DIR]

Starts a lab of two switches and ixfabd (ipc:// endpoints in a temporary
directory, tests/corpus/config.json as its configuration), then sends
every case of tests/corpus in order from a REQ socket:
- an accepted job must answer ok with an id and the listed allocations;
  the test waits until it has run, and a case marked "commit" must have
  committed;
- a refused job must answer with the expected code and path, and leave
  the job list and both switches' running configuration (read back
  over NETCONF with ncclient) exactly as they were.
Prints one line per check and "N passed, M failed" last.
"""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import ncget  # noqa: E402

REPLY_TIMEOUT_MS = 20000
JOB_TIMEOUT_S = 60


class Run:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, name, detail=""):
        if ok:
            self.passed += 1
            print("ok - %s" % name)
        else:
            self.failed += 1
            print("FAIL - %s%s" % (name, ": " + detail if detail else ""))
        sys.stdout.flush()
        return ok


class Client:
    """A REQ socket; a lost reply closes and reopens it."""

    def __init__(self, ctx, endpoint):
        self.ctx = ctx
        self.endpoint = endpoint
        self.sock = None
        self.open()

    def open(self):
        if self.sock:
            self.sock.close(linger=0)
        self.sock = self.ctx.socket(zmq.REQ)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.RCVTIMEO, REPLY_TIMEOUT_MS)
        self.sock.connect(self.endpoint)

    def request(self, obj):
        self.sock.send(json.dumps(obj).encode())
        try:
            return json.loads(self.sock.recv())
        except zmq.Again:
            self.open()
            return None

    def close(self):
        self.sock.close(linger=0)


class Switches:
    """One NETCONF session per switch, kept for the whole run."""

    def __init__(self, inventory, names):
        self.inventory = inventory
        self.sessions = {n: ncget.connect(inventory, n) for n in names}

    def running(self):
        out = {}
        for name, m in sorted(self.sessions.items()):
            reply = m.get_config(source="running")
            root = ncget.ET.fromstring(reply.data_xml)
            out[name] = ncget.ET.tostring(ncget.canon(root)).decode()
        return out

    def close(self):
        for m in self.sessions.values():
            try:
                m.close_session()
            except Exception:
                pass


def load_cases():
    cases = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/corpus/[0-9]*.json"))):
        with open(path) as f:
            cases.extend(json.load(f)["cases"])
    return cases


def wait_job(client, job_id):
    """Returns the job record once it has run, or None (bounded)."""
    deadline = time.time() + JOB_TIMEOUT_S
    while time.time() < deadline:
        reply = client.request({"op": "job", "id": job_id})
        if reply and reply.get("ok"):
            job = reply["job"]
            if job["state"] in ("committed", "failed", "cancelled"):
                return job
        time.sleep(0.05)
    return None


def job_list(client):
    reply = client.request({"op": "jobs", "limit": 10000})
    return reply.get("jobs") if reply and reply.get("ok") else None


def run_accepted(run, client, switches, state, case, reply):
    name = case["name"]
    if not run.check(reply is not None and reply.get("ok") is True
                     and isinstance(reply.get("id"), int),
                     name + ": accepted with a job id", json.dumps(reply)):
        return
    key = case["job"].get("key")
    if key:
        state["keys"][key] = reply["id"]
    if "allocations" in case:
        run.check(reply.get("allocations") == case["allocations"],
                  name + ": allocations",
                  "wanted %s, got %s" % (json.dumps(case["allocations"]),
                                         json.dumps(reply.get("allocations"))))
    job = wait_job(client, reply["id"])
    if not run.check(job is not None, name + ": job ran to its end"):
        return
    if case.get("commit"):
        run.check(job["state"] == "committed", name + ": committed",
                  json.dumps(job.get("result")))
    elif job["state"] != "committed":
        err = (job.get("result") or {}).get("error", {})
        print("# %s: accepted, then %s at run time: %s %s"
              % (name, job["state"], err.get("message"),
                 json.dumps(err.get("devices"))))
    state["running"] = switches.running()
    state["jobs"] = job_list(client)


def run_refused(run, client, switches, state, case, reply):
    name = case["name"]
    want = case["expect"]
    err = (reply or {}).get("error") or {}
    ok = (reply is not None and reply.get("ok") is False
          and err.get("code") == want["code"]
          and err.get("path") == want["path"])
    run.check(ok, "%s: refused, %s at %s" % (name, want["code"], want["path"]),
              json.dumps(reply))
    if reply and "errors" in case:
        run.check(len(reply.get("errors", [])) == case["errors"],
                  name + ": %d error(s) reported" % case["errors"],
                  json.dumps(reply.get("errors")))
    if reply and not reply.get("ok"):
        print("#   %s" % err.get("message"))
    if reply and reply.get("ok") and isinstance(reply.get("id"), int):
        wait_job(client, reply["id"])  # so later cases start clean
    jobs, running = job_list(client), switches.running()
    run.check(jobs == state["jobs"], name + ": no job stored")
    run.check(running == state["running"], name + ": switches unchanged")
    state["jobs"], state["running"] = jobs, running


def run_case(run, client, switches, state, case):
    if "request" in case:
        reply = client.request(case["request"])
        run_refused(run, client, switches, state, case, reply)
        return
    reply = client.request(dict(case["job"], op="submit"))
    if case["expect"] == "existing":
        key = case["job"]["key"]
        run.check(reply is not None and reply.get("ok") is True
                  and reply.get("existing") is True
                  and reply.get("id") == state["keys"].get(key),
                  case["name"], json.dumps(reply))
        run.check(job_list(client) == state["jobs"],
                  case["name"] + ": no second job")
    elif case["expect"] == "ok":
        run_accepted(run, client, switches, state, case, reply)
    else:
        run_refused(run, client, switches, state, case, reply)


def lab_inventory(tmp, build):
    """Starts the lab; lists sw1's ports in its inventory entry."""
    lab = os.path.join(tmp, "lab")
    subprocess.run([os.path.join(build, "ixfabctl"), "lab", "up", "--dir",
                    lab, "--switches", "2"], check=True,
                   stdout=subprocess.DEVNULL, timeout=120)
    path = os.path.join(lab, "inventory.json")
    with open(path) as f:
        inv = json.load(f)
    for dev in inv["devices"]:
        if dev["name"] == "sw1":
            dev["ports"] = ["Ethernet%d" % i for i in range(1, 49)]
    with open(path, "w") as f:
        json.dump(inv, f, indent=2)
    return lab, path


def start_daemon(tmp, build, inventory):
    log = open(os.path.join(tmp, "ixfabd.log"), "w")
    return subprocess.Popen(
        [os.path.join(build, "ixfabd"), "--inventory", inventory,
         "--store", os.path.join(tmp, "store.db"),
         "--listen", "ipc://%s/req" % tmp, "--events", "ipc://%s/ev" % tmp,
         "--config", os.path.join(ROOT, "tests/corpus/config.json")],
        stderr=log, stdout=log)


def stop_daemon(daemon):
    if daemon is None or daemon.poll() is not None:
        return daemon.returncode if daemon else None
    daemon.send_signal(signal.SIGTERM)
    try:
        return daemon.wait(timeout=15)
    except subprocess.TimeoutExpired:
        daemon.kill()
        return daemon.wait()


def main():
    build = os.path.abspath(os.path.join(ROOT, sys.argv[1] if len(sys.argv) > 1
                                         else "build"))
    run = Run()
    tmp = tempfile.mkdtemp(prefix="ixfab-corpus.")
    daemon = switches = client = None
    lab = None
    ctx = zmq.Context()
    try:
        lab, inventory = lab_inventory(tmp, build)
        daemon = start_daemon(tmp, build, inventory)
        client = Client(ctx, "ipc://%s/req" % tmp)
        state = {"keys": {}}
        for _ in range(100):
            state["jobs"] = job_list(client)
            if state["jobs"] is not None or daemon.poll() is not None:
                break
            time.sleep(0.1)
        if not run.check(state["jobs"] == [], "ixfabd answers with no jobs"):
            return 1
        switches = Switches(inventory, ["sw1", "sw2"])
        state["running"] = switches.running()
        for case in load_cases():
            run_case(run, client, switches, state, case)
        run.check(stop_daemon(daemon) == 0, "ixfabd stops cleanly")
    finally:
        if switches:
            switches.close()
        if client:
            client.close()
        ctx.term()
        stop_daemon(daemon)
        if run.failed and os.path.exists(os.path.join(tmp, "ixfabd.log")):
            print("--- ixfabd log (last 40 lines)")
            with open(os.path.join(tmp, "ixfabd.log")) as f:
                print("".join(f.readlines()[-40:]))
        if lab:
            subprocess.run([os.path.join(build, "ixfabctl"), "lab", "down",
                            "--dir", lab], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=60)
        if os.environ.get("IXFAB_TEST_OUTPUTS"):
            # the suite searches every test's outputs for its secrets
            subprocess.run(["cp", "-r", tmp, os.environ["IXFAB_TEST_OUTPUTS"]],
                           stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (run.passed, run.failed))
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
