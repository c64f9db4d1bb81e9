#!/usr/bin/python3
"""Devices with only a writable running datastore take part in the same
all-or-nothing transactions: their edit goes to running with
rollback-on-error, and the reverse edit puts them back when another
device fails.

sw1 and sw2 are ordinary lab switches; sw3 is started with
--no-candidate.  usage: test_running.py BUILD_DIR
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
from ncget import canon, connect  # noqa: E402
import xml.etree.ElementTree as ET  # noqa: E402

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
    p = s.getsockname()[1]
    s.close()
    return p


def running(inv, sw):
    with connect(inv, sw) as m:
        xml = m.get_config(source="running").data_xml
    return ET.tostring(canon(ET.fromstring(xml))).decode()


def capabilities(inv, sw):
    with connect(inv, sw) as m:
        return list(m.server_capabilities)


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    tmp = tempfile.mkdtemp(prefix="ixfab-running.")
    ctl = os.path.join(build, "ixfabctl")
    lab = os.path.join(tmp, "lab")
    inv = os.path.join(lab, "inventory.json")
    sw3 = daemon = None
    try:
        subprocess.run([ctl, "lab", "up", "--dir", lab, "--switches", "2"],
                       check=True, stdout=subprocess.DEVNULL)
        # sw3: a running-only switch, started by hand
        d3 = os.path.join(lab, "sw3")
        os.mkdir(d3)
        subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-m",
                        "PEM", "-N", "", "-f", os.path.join(d3, "hostkey")],
                       check=True)
        port = free_port()
        with open(os.path.join(d3, "known_hosts"), "w") as f:
            pub = open(os.path.join(d3, "hostkey.pub")).read().split()
            f.write("[127.0.0.1]:%d %s %s\n" % (port, pub[0], pub[1]))
        sw3 = subprocess.Popen(
            [os.path.join(build, "ixfab-vswitch"), "--name", "sw3", "--port",
             str(port), "--hostkey", os.path.join(d3, "hostkey"),
             "--authorized-key", os.path.join(lab, "client_key.pub"),
             "--no-candidate"], stderr=open(os.path.join(d3, "log"), "w"))
        data = json.load(open(inv))
        data["devices"].append({"name": "sw3", "address": "127.0.0.1",
                                "port": port, "driver": "openconfig",
                                "username": "ixfab", "key": "client_key",
                                "known_hosts": "sw3/known_hosts"})
        json.dump(data, open(inv, "w"))
        for _ in range(100):
            try:
                caps = capabilities(inv, "sw3")
                break
            except Exception:
                time.sleep(0.1)
        check("sw3 offers no candidate datastore",
              not any(":candidate" in c for c in caps))
        check("sw3 offers rollback-on-error",
              any(":rollback-on-error" in c for c in caps))

        ep = "ipc://%s/req" % tmp
        daemon = subprocess.Popen(
            [os.path.join(build, "ixfabd"), "--inventory", inv, "--store",
             os.path.join(tmp, "store.db"), "--listen", ep, "--events",
             "ipc://%s/ev" % tmp], stderr=open(os.path.join(tmp, "log"), "w"))
        zc = zmq.Context()

        def req(**r):
            s = zc.socket(zmq.REQ)
            s.setsockopt(zmq.LINGER, 0)
            s.setsockopt(zmq.RCVTIMEO, 20000)
            s.connect(ep)
            s.send_string(json.dumps(r))
            out = json.loads(s.recv_string())
            s.close()
            return out

        def wait(i):
            for _ in range(300):
                j = req(op="job", id=i)["job"]
                if j["state"] in ("committed", "failed"):
                    return j
                time.sleep(0.1)
            return {"state": "timeout"}

        for _ in range(100):
            try:
                req(op="jobs")
                break
            except zmq.Again:
                time.sleep(0.1)

        def job(vlan, suffix):
            ch = [{"action": "create", "kind": "network_service",
                   "object": {"id": "ns-" + suffix, "type": "exchange_lan"}}]
            for sw, port in (("sw1", "Ethernet20"), ("sw3", "Ethernet20")):
                cid = "con-%s-%s" % (sw, suffix)
                ch.append({"action": "create", "kind": "connection",
                           "object": {"id": cid, "mode": "lag_lacp",
                                      "ports": [{"device": sw,
                                                 "name": port}]}})
                ch.append({"action": "create",
                           "kind": "network_service_config",
                           "object": {"id": "nsc-%s-%s" % (sw, suffix),
                                      "type": "exchange_lan",
                                      "network_service": "ns-" + suffix,
                                      "connection": cid,
                                      "vlan_config": {"vlan_type": "dot1q",
                                                      "vlan": vlan},
                                      "asns": [64500], "listed": True}})
            return {"changes": ch}

        # sw1 refuses its commit: sw3's running edit must be undone
        before = {s: running(inv, s) for s in ("sw1", "sw3")}
        subprocess.run([ctl, "lab", "fault", "--dir", lab, "sw1",
                        "fail-commit"], check=True, stdout=subprocess.DEVNULL)
        j = wait(req(op="submit", **job(900, "a"))["id"])
        check("a job over sw1 and sw3 fails when sw1 refuses",
              j["state"] == "failed")
        steps = [(s.get("device"), s["step"]) for s in j["steps"]]
        check("sw3 had its edit and then its reverse edit",
              ("sw3", "edit") in steps and ("sw3", "undo") in steps, steps)
        after = {s: running(inv, s) for s in ("sw1", "sw3")}
        check("sw3 is back as it was", after["sw3"] == before["sw3"])
        check("sw1 is back as it was", after["sw1"] == before["sw1"])
        subprocess.run([ctl, "lab", "fault", "--dir", lab, "sw1", "clear"],
                       check=True, stdout=subprocess.DEVNULL)

        # sw3 refuses its edit: rollback-on-error keeps it whole
        subprocess.run([ctl, "lab", "fault", "--dir", lab, "sw3",
                        "fail-edit"], check=True, stdout=subprocess.DEVNULL)
        j = wait(req(op="submit", **job(901, "b"))["id"])
        check("a job fails when sw3 refuses its edit",
              j["state"] == "failed" and "sw3" in json.dumps(j["result"]))
        check("both switches unchanged",
              {s: running(inv, s) for s in ("sw1", "sw3")} == before)
        subprocess.run([ctl, "lab", "fault", "--dir", lab, "sw3", "clear"],
                       check=True, stdout=subprocess.DEVNULL)

        j = wait(req(op="submit", **job(902, "c"))["id"])
        check("without faults the job commits on both",
              j["state"] == "committed", j.get("result"))
        r3 = running(inv, "sw3")
        check("sw3 has the new configuration in running",
              "vlan-id>902<" in r3 and "Port-Channel1" in r3)
    finally:
        if daemon:
            daemon.terminate()
            daemon.wait(20)
        if sw3:
            sw3.terminate()
            sw3.wait(20)
        subprocess.run([ctl, "lab", "down", "--dir", lab],
                       stdout=subprocess.DEVNULL)
        if failed and os.path.exists(os.path.join(tmp, "log")):
            print(open(os.path.join(tmp, "log")).read()[-3000:])
        if os.environ.get("IXFAB_TEST_OUTPUTS"):
            # the suite searches every test's outputs for its secrets
            subprocess.run(["cp", "-r", tmp, os.environ["IXFAB_TEST_OUTPUTS"]],
                           stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
