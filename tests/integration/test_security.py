#!/usr/bin/python3
"""Only trusted clients order changes, only real switches are configured,
and no secret leaks.

- CURVE: an unknown client key is refused and logged; a read-only key
  cannot submit; a key limited to some devices cannot touch others; every
  request lands in the audit log with the key's name.
- ixfabd refuses to listen beyond loopback without CURVE.
- SSH: a switch that presents the wrong host key is refused and the job
  fails saying so; key and password files that others can read are
  refused.
- The test secrets (client private keys, the switches' password, the
  CURVE secret key) appear in no log, event, job record or dry-run output.

usage: test_security.py BUILD_DIR
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

import zmq

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PASSWORD = "Secr3t-pa55word-for-tests"
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok - " + name)
    else:
        failed += 1
        print("FAIL - %s %s" % (name, detail))


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Client:
    def __init__(self, ctx, ep, server_pub, keypair):
        self.ctx, self.ep = ctx, ep
        self.server_pub, self.keypair = server_pub, keypair

    def _sock(self, kind):
        s = self.ctx.socket(kind)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.RCVTIMEO, 3000)
        if self.keypair:
            s.curve_serverkey = self.server_pub
            s.curve_publickey, s.curve_secretkey = self.keypair
        return s

    def __call__(self, **req):
        s = self._sock(zmq.REQ)
        s.connect(self.ep)
        s.send_string(json.dumps(req))
        try:
            return json.loads(s.recv_string())
        except zmq.Again:
            return None
        finally:
            s.close()

    def wait(self, job_id, limit=30):
        end = time.time() + limit
        while time.time() < end:
            st = self(op="job", id=job_id)["job"]["state"]
            if st in ("committed", "failed", "cancelled"):
                return st
            time.sleep(0.1)
        return "timeout"


def nsc_job(sw, vlan, conn):
    return {"changes": [
        {"action": "create", "kind": "connection",
         "object": {"id": conn, "mode": "lag_lacp",
                    "ports": [{"device": sw, "name": "Ethernet4%d" % vlan}]}},
        {"action": "create", "kind": "network_service_config",
         "object": {"id": "nsc-" + conn, "type": "exchange_lan",
                    "network_service": "ns-lan", "connection": conn,
                    "vlan_config": {"vlan_type": "dot1q", "vlan": 100 + vlan},
                    "asns": [64500], "listed": True}}]}


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    tmp = tempfile.mkdtemp(prefix="ixfab-sec.")
    ctl = os.path.join(build, "ixfabctl")
    lab = os.path.join(tmp, "lab")
    inv_path = os.path.join(lab, "inventory.json")
    ctx = zmq.Context()
    daemon = None
    events = []
    try:
        subprocess.run([ctl, "lab", "up", "--dir", lab, "--switches", "3"],
                       check=True, stdout=subprocess.DEVNULL)

        # keys: the server's, three authorised clients and a stranger
        server_pub, server_sec = zmq.curve_keypair()
        with open(os.path.join(tmp, "server.key"), "w") as f:
            f.write(server_sec.decode() + "\n")
        os.chmod(os.path.join(tmp, "server.key"), 0o600)
        clients = os.path.join(tmp, "clients")
        os.mkdir(clients)
        keys = {}
        for name, spec in (("api", {"access": "full"}),
                           ("viewer", {"access": "read-only"}),
                           ("reseller", {"access": "full",
                                         "devices": ["sw1"]})):
            keys[name] = zmq.curve_keypair()
            spec["public_key"] = keys[name][0].decode()
            json.dump(spec, open(os.path.join(clients, name + ".json"), "w"))
        stranger = zmq.curve_keypair()
        with open(os.path.join(tmp, "server.key.pub"), "w") as f:
            f.write(server_pub.decode() + "\n")
        ctlkey = os.path.join(tmp, "ctl.key")
        r = subprocess.run([ctl, "keygen", ctlkey], capture_output=True,
                           text=True)
        check("ixfabctl keygen writes a key pair", r.returncode == 0 and
              os.stat(ctlkey).st_mode & 0o777 == 0o600, r.stderr)
        json.dump({"public_key": open(ctlkey + ".pub").read().strip(),
                   "access": "read-only"},
                  open(os.path.join(clients, "ctl.json"), "w"))

        # sw3 logs in with a password file; ixfabd must never print it
        inv = json.load(open(inv_path))
        pwfile = os.path.join(lab, "sw3.password")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        os.chmod(pwfile, 0o600)
        for d in inv["devices"]:
            if d["name"] == "sw3":
                del d["key"]
                d["password_file"] = "sw3.password"
        json.dump(inv, open(inv_path, "w"))

        # without CURVE, a non-loopback endpoint is refused
        r = subprocess.run(
            [os.path.join(build, "ixfabd"), "--inventory", inv_path,
             "--store", os.path.join(tmp, "refused.db"), "--listen",
             "tcp://0.0.0.0:%d" % free_port(), "--events",
             "ipc://%s/x" % tmp], capture_output=True, text=True, timeout=20)
        check("no CURVE on a non-local endpoint: ixfabd refuses to start",
              r.returncode != 0 and "without CURVE" in r.stderr, r.stderr)

        port = free_port()
        ep = "tcp://127.0.0.1:%d" % port
        ev = "tcp://127.0.0.1:%d" % free_port()
        log = open(os.path.join(tmp, "ixfabd.log"), "w")
        daemon = subprocess.Popen(
            [os.path.join(build, "ixfabd"), "--inventory", inv_path,
             "--store", os.path.join(tmp, "store.db"), "--listen", ep,
             "--events", ev, "--curve-secret",
             os.path.join(tmp, "server.key"), "--curve-clients", clients,
             "--rpc-timeout", "3000"], stderr=log)
        api = Client(ctx, ep, server_pub, keys["api"])
        for _ in range(100):
            if api(op="jobs"):
                break
            time.sleep(0.1)

        # an event listener with the api key
        def listen():
            s = ctx.socket(zmq.SUB)
            s.curve_serverkey = server_pub
            s.curve_publickey, s.curve_secretkey = keys["api"]
            s.setsockopt(zmq.SUBSCRIBE, b"")
            s.setsockopt(zmq.RCVTIMEO, 200)
            s.setsockopt(zmq.LINGER, 0)
            s.connect(ev)
            while daemon.poll() is None:
                try:
                    events.append(s.recv_multipart())
                except zmq.Again:
                    pass
            s.close()
        threading.Thread(target=listen, daemon=True).start()
        time.sleep(0.5)

        r = Client(ctx, ep, server_pub, stranger)(op="jobs")
        check("an unknown client key gets no answer", r is None, r)
        r = Client(ctx, ep, server_pub, None)(op="jobs")
        check("a client without CURVE gets no answer", r is None, r)
        time.sleep(0.3)
        logtext = open(os.path.join(tmp, "ixfabd.log")).read()
        check("the refused key is logged",
              stranger[0].decode() in logtext and "refused" in logtext)

        order = json.load(open(os.path.join(ROOT, "docs", "examples",
                                            "order-4711.json")))
        base = [ctl, "--endpoint", ep, "--events", ev, "--timeout", "3"]
        keyargs = ["--curve-server-key", os.path.join(tmp, "server.key.pub"),
                   "--curve-client-key", ctlkey]
        r = subprocess.run(base + keyargs + ["--json", "jobs"],
                           capture_output=True, text=True)
        check("ixfabctl with its CURVE keys is served", r.returncode == 0,
              r.stderr)
        r = subprocess.run(base + ["jobs"], capture_output=True, text=True)
        check("ixfabctl without keys is not", r.returncode == 3, r.stderr)
        jobfile = os.path.join(ROOT, "docs", "examples", "order-4711.json")
        r = subprocess.run(base + keyargs + ["submit", jobfile],
                           capture_output=True, text=True)
        check("ixfabctl with a read-only key cannot submit",
              r.returncode == 2 and "may only read" in r.stderr, r.stderr)

        r = Client(ctx, ep, server_pub, keys["viewer"])(op="submit", **order)
        check("a read-only key cannot submit",
              r and not r["ok"] and r["error"]["code"] == "forbidden", r)
        r = Client(ctx, ep, server_pub, keys["viewer"])(op="jobs")
        check("a read-only key can read", r and r["ok"], r)

        r = api(op="submit", **order)
        check("the full key submits", r and r["ok"], r)
        check("and the job commits", api.wait(r["id"]) == "committed")

        reseller = Client(ctx, ep, server_pub, keys["reseller"])
        r = reseller(op="submit", **nsc_job("sw2", 1, "con-r2"))
        check("a key limited to sw1 cannot touch sw2",
              r and not r["ok"] and r["error"]["code"] == "forbidden"
              and "sw2" in r["error"]["message"], r)
        r = reseller(op="sync", device="sw2")
        check("nor sync it", r and r["error"]["code"] == "forbidden", r)
        r = reseller(op="submit", **nsc_job("sw1", 2, "con-r1"))
        check("but can change sw1", r and r["ok"] and
              reseller.wait(r["id"]) == "committed", r)

        # the audit log names who asked for what
        db = sqlite3.connect(os.path.join(tmp, "store.db"))
        rows = db.execute("SELECT who, op, outcome FROM audit").fetchall()
        check("audit: the viewer's refused submit",
              ("viewer", "submit", "forbidden") in rows, rows[-5:])
        check("audit: the api key's submit", ("api", "submit", "ok") in rows)
        check("audit: the reseller's refusal",
              ("reseller", "submit", "forbidden") in rows)
        mode = os.stat(os.path.join(tmp, "store.db")).st_mode & 0o777
        check("the store is private to ixfabd", mode == 0o600, oct(mode))

        # sw2 presents another host key than the one on file
        khfile = os.path.join(lab, "sw2", "known_hosts")
        good = open(khfile).read()
        other = open(os.path.join(lab, "sw1", "known_hosts")).read().split()
        with open(khfile, "w") as f:
            f.write("%s %s %s\n" % (good.split()[0], other[1], other[2]))
        r = api(op="submit", **nsc_job("sw2", 3, "con-h2"))
        st = api.wait(r["id"])
        job = api(op="job", id=r["id"])["job"]
        why = json.dumps(job.get("result"))
        check("a wrong host key fails the job", st == "failed", st)
        check("and says so", "does not match" in why, why)
        with open(khfile, "w") as f:
            f.write(good)

        # the password login to sw3: the lab switch takes keys only, so it
        # is refused, and the password must not show anywhere
        r = api(op="submit", **nsc_job("sw3", 4, "con-p3"))
        st = api.wait(r["id"])
        why = json.dumps(api(op="job", id=r["id"])["job"].get("result"))
        check("password login attempted and refused", st == "failed" and
              "refused the password" in why, why)
        os.chmod(pwfile, 0o644)
        r = api(op="replay", id=r["id"])
        api.wait(r["id"]) if r and r.get("ok") else None
        why = json.dumps(api(op="job", id=r["id"])["job"].get("result"))
        check("a password file others can read is refused",
              "readable by others" in why, why)

        keyfile = os.path.join(lab, "client_key")
        os.chmod(keyfile, 0o644)
        r = api(op="submit", **nsc_job("sw2", 5, "con-k2"))
        st = api.wait(r["id"])
        why = json.dumps(api(op="job", id=r["id"])["job"].get("result"))
        check("a private key others can read is refused",
              st == "failed" and "readable by others" in why, why)
        os.chmod(keyfile, 0o600)

        dry = api(op="dry-run", **nsc_job("sw1", 6, "con-d1"))
        check("dry-run answers", dry and dry["ok"], dry)

        # no secret anywhere
        daemon.terminate()
        daemon.wait(20)
        time.sleep(0.3)
        secrets = [PASSWORD, server_sec.decode()]
        for name in keys:
            secrets.append(keys[name][1].decode())
        for line in open(keyfile).read().splitlines():
            if len(line) > 40 and "PRIVATE" not in line:
                secrets.append(line)
        texts = {
            "log": open(os.path.join(tmp, "ixfabd.log")).read(),
            "events": b"\n".join(b"".join(e) for e in events).decode(
                errors="replace"),
            "jobs": "\n".join(r[0] for r in db.execute(
                "SELECT coalesce(result,'') || body FROM jobs")),
            "steps": "\n".join(str(r) for r in db.execute(
                "SELECT * FROM job_steps")),
            "audit": "\n".join(str(r) for r in db.execute(
                "SELECT * FROM audit")),
            "dry-run": json.dumps(dry),
        }
        check("events were seen", len(events) > 5, len(events))
        for where, text in texts.items():
            leaked = [s[:6] + "..." for s in secrets if s in text]
            check("no secret in the %s" % where, not leaked, leaked)
        daemon = None
    finally:
        if daemon:
            daemon.terminate()
            daemon.wait(20)
        subprocess.run([ctl, "lab", "down", "--dir", lab],
                       stdout=subprocess.DEVNULL)
        if failed:
            print(open(os.path.join(tmp, "ixfabd.log")).read()[-3000:])
        if os.environ.get("IXFAB_TEST_OUTPUTS"):
            # the suite searches every test's outputs for its secrets
            subprocess.run(["cp", "-r", tmp, os.environ["IXFAB_TEST_OUTPUTS"]],
                           stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)
        ctx.destroy(linger=0)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
