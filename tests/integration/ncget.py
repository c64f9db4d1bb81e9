#!/usr/bin/python3
"""Reads a switch's running configuration over NETCONF with ncclient.

usage: ncget.py INVENTORY DEVICE

Prints the configuration as canonical XML: list entries and siblings
sorted, so that two reads of equal configurations print the same text.
The host key is checked against the device's known_hosts file.
"""
import json
import os
import sys
import tempfile
import xml.etree.ElementTree as ET

import paramiko
from ncclient import manager
from ncclient.devices.default import DefaultDeviceHandler
from ncclient.transport import SSHSession


class _Transport(paramiko.Transport):
    """ncclient offers only the known key's type, "ssh-rsa" (RSA signed
    with SHA-1), which current SSH servers refuse; offer the same RSA key
    with SHA-2 signatures first.  The key that is checked stays the
    same."""

    def __setattr__(self, name, value):
        if name == "_preferred_keys" and "ssh-rsa" in value:
            value = ["rsa-sha2-512", "rsa-sha2-256"] + list(value)
        super().__setattr__(name, value)


paramiko.Transport = _Transport


def traditional_key(path):
    """paramiko 2.12 reads RSA keys in the traditional PEM form only;
    libssh writes PKCS#8.  Returns a temporary copy in the old form."""
    from cryptography.hazmat.primitives import serialization
    key = serialization.load_pem_private_key(open(path, "rb").read(), None)
    out = tempfile.NamedTemporaryFile(prefix="ncget-", suffix=".pem")
    out.write(key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()))
    out.flush()
    return out


def connect(inv_path, name):
    inv = json.load(open(inv_path))
    base = os.path.dirname(os.path.abspath(inv_path))
    dev = next(d for d in inv["devices"] if d["name"] == name)
    handler = DefaultDeviceHandler()
    session = SSHSession(handler)
    session.load_known_hosts(os.path.join(base, dev["known_hosts"]))
    key = traditional_key(os.path.join(base, dev["key"]))
    session.connect(host=dev["address"], port=dev["port"],
                    username=dev["username"], key_filename=key.name,
                    hostkey_verify=True, allow_agent=False,
                    look_for_keys=False, timeout=30)
    return manager.Manager(session, handler, timeout=30)


def canon(el):
    children = sorted((canon(c) for c in el), key=lambda c: ET.tostring(c))
    out = ET.Element(el.tag)
    out.text = (el.text or "").strip() or None
    out.extend(children)
    return out


def main():
    with connect(sys.argv[1], sys.argv[2]) as m:
        reply = m.get_config(source="running")
    root = ET.fromstring(reply.data_xml)
    print(ET.tostring(canon(root)).decode())


if __name__ == "__main__":
    main()
