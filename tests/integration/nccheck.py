#!/usr/bin/python3
"""Checks that a switch has no lock left and no confirmed commit pending.

usage: nccheck.py INVENTORY DEVICE

Locks and unlocks candidate and running (a lock left behind by a dead
session would be refused), and asks the device to cancel a pending
confirmed commit: a device with none pending answers with an error,
which is what must happen.  Prints "clean" or what is wrong; exits 0 only
when clean.
"""
import sys

from ncclient.operations.rpc import RPCError

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from ncget import connect  # noqa: E402


def main():
    problems = []
    with connect(sys.argv[1], sys.argv[2]) as m:
        for ds in ("candidate", "running"):
            try:
                m.lock(ds)
                m.unlock(ds)
            except RPCError as e:
                problems.append("%s is locked: %s" % (ds, e.message))
        try:
            m.cancel_commit()
            problems.append("a confirmed commit was pending")
        except RPCError:
            pass
    print("; ".join(problems) if problems else "clean")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
