#!/usr/bin/python3
"""Searches what the whole suite left behind for the secrets it used.

usage: scan_secrets.py DIR

DIR holds a copy of every test's temporary directory (tests/run.sh sets
IXFAB_TEST_OUTPUTS).  The secrets are the private keys of every lab
(client_key, host keys), CURVE secret keys (*.key) and password files
(*.password).  The places that must not hold any of them are the logs
(*.log), captured outputs (*.out, *.err, *.json) and the job records,
steps and audit log of every store (*.db).  Prints one line per leak and
"N passed, M failed" (one check per place searched).
"""
import os
import re
import sqlite3
import sys


def secret_pieces(path):
    """Distinctive pieces of a secret file: long base64 lines, or the
    whole (short) secret."""
    text = open(path, errors="replace").read()
    lines = [ln.strip() for ln in text.splitlines()
             if ln.strip() and "PRIVATE KEY" not in ln]
    if any(len(ln) >= 40 for ln in lines):
        return {ln for ln in lines if len(ln) >= 40}
    return {ln for ln in lines if len(ln) >= 8}


def store_text(path):
    try:
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        parts = []
        for table in ("jobs", "job_steps", "audit", "txns"):
            try:
                parts += [str(r) for r in db.execute("SELECT * FROM " + table)]
            except sqlite3.Error:
                pass
        db.close()
        return "\n".join(parts)
    except sqlite3.Error:
        return ""


def main():
    root = sys.argv[1]
    secrets, places = set(), []
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            if not os.path.isfile(p):
                continue
            if f in ("client_key", "hostkey") or f.endswith(".password") or \
                    re.fullmatch(r".*\.key", f):
                secrets |= secret_pieces(p)
            elif f.endswith((".log", ".out", ".err", ".json", ".xml")):
                places.append((p, None))
            elif f.endswith(".db"):
                places.append((p, "db"))
    passed = failed = 0
    for p, kind in places:
        text = store_text(p) if kind else open(p, errors="replace").read()
        leaked = [s for s in secrets if s in text]
        if leaked:
            failed += 1
            print("FAIL - %s holds a secret (%s...)" % (p, leaked[0][:8]))
        else:
            passed += 1
    print("searched %d places for %d secret pieces" % (len(places),
                                                       len(secrets)))
    if not secrets:
        failed += 1
        print("FAIL - no secrets found to search for")
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
