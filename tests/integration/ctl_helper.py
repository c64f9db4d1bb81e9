#!/usr/bin/python3
"""Helpers for test_ctl.sh.

usage: ctl_helper.py drift INVENTORY DEVICE
           deletes the LACP settings of Port-Channel1 behind
           ixfab's back (edit-config on the candidate, then commit)
       ctl_helper.py old-server ENDPOINT SECONDS
           answers every request on ENDPOINT as an ixfabd that knows no
           operation would, for SECONDS at most, then exits
"""
import json
import os
import sys
import time

DRIFT = """<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"
 xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0">
 <lacp xmlns="http://openconfig.net/yang/lacp"><interfaces>
  <interface nc:operation="delete"><name>Port-Channel1</name></interface>
 </interfaces></lacp></config>"""


def drift(inventory, device):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import ncget

    with ncget.connect(inventory, device) as m:
        m.discard_changes()
        m.edit_config(target="candidate", config=DRIFT)
        m.commit()


def old_server(endpoint, seconds):
    import zmq

    ctx = zmq.Context()
    s = ctx.socket(zmq.ROUTER)
    s.setsockopt(zmq.LINGER, 0)
    s.bind(endpoint)
    end = time.time() + float(seconds)
    while time.time() < end:
        if not s.poll(100):
            continue
        frames = s.recv_multipart()
        req = json.loads(frames[-1])
        err = {"code": "unsupported", "path": "/op",
               "message": 'unknown op "%s"' % req.get("op")}
        reply = {"ok": False, "error": err, "errors": [err]}
        s.send_multipart(frames[:-1] + [json.dumps(reply).encode()])
    s.close()
    ctx.term()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "drift":
        drift(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "old-server":
        old_server(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
