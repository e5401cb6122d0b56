#!/usr/bin/python3
"""fakedns.py - a DNS server on a loopback address with canned MX answers.

usage: fakedns.py ADDRESS LOG DOMAIN=PREF:HOST[,PREF:HOST...] ... [WATCHDOG_SECONDS]

A test helper for tests/addresses.sh: relaytest --mx asks the resolver of
/etc/resolv.conf (res_query), which a private mount namespace points at
ADDRESS, port 53. Each DOMAIN gets its MX records; a question about any
other name, or of another type, is answered NXDOMAIN, so nothing is ever
looked up beyond it. Every question is logged to LOG ("QNAME TYPE"). It
binds ADDRESS only (a loopback address), answers over UDP and exits by
itself after WATCHDOG_SECONDS (default 60).
"""
import signal
import socket
import struct
import sys

TYPE_MX = 15


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def question(msg):
    """The question's name (lower case), type and its bytes, or None."""
    at, labels = 12, []
    while at < len(msg) and msg[at] != 0:
        if msg[at] >= 64 or at + 1 + msg[at] > len(msg):
            return None
        labels.append(msg[at + 1:at + 1 + msg[at]].decode("ascii", "replace"))
        at += 1 + msg[at]
    if at + 5 > len(msg):
        return None
    qtype = struct.unpack(">H", msg[at + 1:at + 3])[0]
    return ".".join(labels).lower(), qtype, msg[12:at + 5]


def answer(msg, records):
    asked = question(msg) if len(msg) >= 12 else None
    if asked is None:
        return None
    name, qtype, qbytes = asked
    mx = records.get(name) if qtype == TYPE_MX else None
    rcode = 0 if mx is not None else 3
    body = b""
    for pref, host in mx or []:
        rdata = struct.pack(">H", pref) + encode_name(host)
        body += struct.pack(">HHHIH", 0xC00C, TYPE_MX, 1, 60, len(rdata)) + rdata
    header = struct.pack(">HHHHHH", struct.unpack(">H", msg[:2])[0], 0x8180 | rcode, 1,
                         len(mx or []), 0, 0)
    return header + qbytes + body, name, qtype


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    address, log = sys.argv[1], sys.argv[2]
    records, watchdog = {}, 60
    for arg in sys.argv[3:]:
        if "=" not in arg:
            watchdog = int(arg)
            continue
        domain, mxs = arg.split("=", 1)
        records[domain.lower()] = [(int(p), h) for p, h in
                                   (mx.split(":", 1) for mx in mxs.split(","))]
    signal.alarm(watchdog)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, 53))
    with open(log, "a", buffering=1) as out:
        out.write("== ready\n")
        while True:
            msg, peer = sock.recvfrom(4096)
            reply = answer(msg, records)
            if reply is None:
                continue
            out.write("%s %d\n" % (reply[1], reply[2]))
            sock.sendto(reply[0], peer)


if __name__ == "__main__":
    main()
