#!/usr/bin/env python3
"""trust-check.py - check that real servers speak XCLIENT and the PROXY
protocol as doc/xclient-proxy-notes.md says, without relaytest.

usage: trust-check.py [--full] KIND=PORT ...

KIND (each a server on 127.0.0.1:PORT, configured as tests/postfix-trust.sh
or the notes set it up):
  xclient-open     Postfix, smtpd_authorized_xclient_hosts = 0.0.0.0/0, [::]/0,
                   mynetworks 10.0.0.0/8 (and [::1]/128), inet_protocols = all
  xclient-closed   the same XCLIENT, mynetworks 192.0.2.0/24
  proxy-open       Postfix smtpd, smtpd_upstream_proxy_protocol = haproxy,
                   smtpd_upstream_proxy_timeout = 1s, mynetworks 10.0.0.0/8,
                   no XCLIENT hosts
  proxy-closed     the same, mynetworks 192.0.2.0/24, the default timeout (5 s)
  postscreen       postscreen_upstream_proxy_protocol = haproxy, timeout 1s,
                   smtpd behind it relays for 10.0.0.0/8
  exim-proxy       Exim with PROXY support (Debian's exim4-daemon-heavy),
                   hosts_proxy = 127.0.0.1, relay_from_hosts 10.0.0.0/8
  opensmtpd-proxy  OpenSMTPD, "listen on ... proxy-v2", relays from 10.0.0.0/8

The claimed addresses (10.1.2.3, 172.31.9.9, 2001:db8::7) are none of
relaytest's candidates, so the server's log still tells which candidates
relaytest claimed. Every connection goes to 127.0.0.1 only; a claim is
only text. Prints "ok - ..." or "FAIL - ..." per check; exit 1 if any
failed. --full also waits out Postfix's default 5 s PROXY timeout.
"""
import socket
import struct
import sys
import time

FAILED = 0
SENDER = "MAIL FROM:<probe@example.org>"
RCPT_EXT = "RCPT TO:<probe@example.net>"


def ok(cond, what, detail=""):
    global FAILED
    if cond:
        print("ok - trust-check: " + what)
    else:
        FAILED += 1
        print("FAIL - trust-check: " + what)
        if detail:
            print("#   " + detail)
    return cond


class Conn:
    """One SMTP connection to 127.0.0.1:port, with a transcript."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        self.start = time.monotonic()
        self.log = []

    def send(self, text, raw=False):
        data = text if raw else (text + "\r\n").encode()
        self.log.append("C: %r" % data)
        self.sock.sendall(data)

    def reply(self, timeout=5.0):
        """(code, [lines]) of one reply; ("timeout", []) or ("closed", [])."""
        self.sock.settimeout(timeout)
        lines = []
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" not in self.buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.log.append("S: (no reply within %.1f s)" % timeout)
                    return "timeout", lines
                self.sock.settimeout(left)
                try:
                    data = self.sock.recv(4096)
                except socket.timeout:
                    continue
                except ConnectionResetError:
                    data = b""
                if not data:
                    self.log.append("S: (closed)")
                    return "closed", lines
                self.buf += data
            line, self.buf = self.buf.split(b"\n", 1)
            line = line.decode("latin-1").rstrip("\r")
            self.log.append("S: " + line)
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return line[:3], lines

    def cmd(self, text, timeout=5.0):
        self.send(text)
        return self.reply(timeout)

    def elapsed(self):
        return time.monotonic() - self.start

    def transcript(self):
        return " | ".join(self.log[-8:])

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def v1(src, dst="127.0.0.1", fam="TCP4"):
    return ("PROXY %s %s %s 40001 25\r\n" % (fam, src, dst)).encode()


def v2(src, dst="127.0.0.1"):
    sig = b"\r\n\r\n\x00\r\nQUIT\n"
    body = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!HH", 40001, 25)
    return sig + bytes([0x21, 0x11]) + struct.pack("!H", len(body)) + body


def relay(c, want, what):
    """EHLO, MAIL, RCPT (external) on a greeted connection; RCPT code == want."""
    code, ehlo = c.cmd("EHLO trust-check.example")
    c.cmd(SENDER)
    code, lines = c.cmd(RCPT_EXT)
    ok(code == want, what, "RCPT got %s: %s" % (code, c.transcript()))
    return ehlo


def check_xclient_open(port, closed=False):
    kind = "xclient-closed" if closed else "xclient-open"
    c = Conn(port)
    code, greet = c.reply()
    ok(code == "220", kind + ": greeting", c.transcript())
    code, ehlo = c.cmd("EHLO trust-check.example")
    xline = [l[4:] for l in ehlo if l[4:].upper().startswith("XCLIENT")]
    ok(xline and xline[0] == "XCLIENT NAME ADDR PROTO HELO REVERSE_NAME PORT LOGIN DESTADDR DESTPORT",
       kind + ": EHLO offers 'XCLIENT NAME ADDR PROTO HELO REVERSE_NAME PORT LOGIN DESTADDR DESTPORT'",
       repr(xline))
    c.cmd(SENDER)
    code, lines = c.cmd(RCPT_EXT)
    ok(code == "554" and lines[0] == "554 5.7.1 <probe@example.net>: Relay access denied",
       kind + ": plain relay from 127.0.0.1: 554 5.7.1 <probe@example.net>: Relay access denied", c.transcript())
    code, lines = c.cmd("XCLIENT ADDR=10.1.2.3")
    ok(code == "503" and lines[0] == "503 5.5.1 Error: MAIL transaction in progress",
       kind + ": XCLIENT inside a transaction: 503 5.5.1 Error: MAIL transaction in progress", c.transcript())
    c.cmd("RSET")
    code, lines = c.cmd("XCLIENT ADDR=10.1.2.3 NAME=[UNAVAILABLE]")
    ok(code == "220" and lines == greet[-1:], kind + ": XCLIENT ADDR=10.1.2.3 NAME=[UNAVAILABLE]: the greeting again ("
       + (greet[-1] if greet else "?") + ")", c.transcript())
    ehlo = relay(c, "554" if closed else "250",
                 kind + ": then EHLO, relay claiming 10.1.2.3: " + ("554 (mynetworks 192.0.2.0/24)" if closed else "250 2.1.5 Ok"))
    ok(any(l[4:].startswith("XCLIENT ") for l in ehlo),
       kind + ": the EHLO after XCLIENT still offers XCLIENT (10.1.2.3 is in smtpd_authorized_xclient_hosts)", repr(ehlo))
    c.cmd("RSET")
    code, lines = c.cmd("XCLIENT ADDR=172.31.9.9")
    ok(code == "220", kind + ": a second XCLIENT on the same connection after RSET: 220", c.transcript())
    relay(c, "554", kind + ": relay claiming 172.31.9.9: 554")
    c.cmd("RSET")
    code, lines = c.cmd("XCLIENT ADDR=IPV6:2001:db8::7")
    ok(code == "220", kind + ": XCLIENT ADDR=IPV6:2001:db8::7 (inet_protocols = all): 220", c.transcript())
    for bad, want in (("ADDR=::1", "501 5.5.4 Bad ADDR syntax: ::1"),
                      ("ADDR=[::1]", "501 5.5.4 Bad ADDR syntax: [::1]"),
                      ("ADDR=10.1.2.3 NAME=bad_name!", "501 5.5.4 Bad NAME syntax: bad_name!"),
                      ("FOO=bar", "501 5.5.4 Bad XCLIENT attribute name: FOO")):
        code, lines = c.cmd("XCLIENT " + bad)
        ok(lines[:1] == [want], "%s: XCLIENT %s: %s" % (kind, bad, want), c.transcript())
    c.cmd("QUIT")
    c.close()
    if closed:
        return
    # Pipelined XCLIENT + EHLO: accepted by Postfix 3.7 (smtpd_forbid_unauth_pipelining
    # = no); Postfix 3.9+ (default yes) answers 554 5.5.0 and hangs up.
    c = Conn(port)
    c.reply()
    c.cmd("EHLO trust-check.example")
    c.send(b"XCLIENT ADDR=10.1.2.3\r\nEHLO trust-check.example\r\n", raw=True)
    code, lines = c.reply()
    code2, lines2 = c.reply()
    ok(code == "220" and code2 == "250",
       kind + ": XCLIENT and EHLO in one write: 220 then 250 (smtpd_forbid_unauth_pipelining = no)", c.transcript())
    c.close()


def check_proxy_smtpd(port, kind, relay_code, timeout_s, full):
    """A Postfix smtpd with smtpd_upstream_proxy_protocol = haproxy."""
    reply421 = "421 4.3.0 mx.relaytest.test Server local error"
    c = Conn(port)
    if timeout_s <= 2 or full:
        code, lines = c.reply(timeout_s + 2)
        t = c.elapsed()
        ok(lines == [reply421] and timeout_s - 0.3 <= t <= timeout_s + 1.5,
           "%s: no header: '%s' after %.1f s (smtpd_upstream_proxy_timeout %d s)" % (kind, reply421, t, timeout_s),
           c.transcript())
        code, lines = c.reply(2)
        ok(code == "closed", kind + ": then the server closes", c.transcript())
    else:
        code, lines = c.reply(2)
        ok(code == "timeout", kind + ": no header: nothing for 2 s (the 421 comes at %d s)" % timeout_s, c.transcript())
    c.close()
    for data, what in ((b"EHLO trust-check.example\r\n", "EHLO instead of a header"),
                       (b"PROXY UNKNOWN\r\n", "PROXY UNKNOWN"),
                       (b"PROXY TCP4 10.1.2.3 ", "half a header")):
        c = Conn(port)
        c.send(data, raw=True)
        code, lines = c.reply(3)
        ok(lines == [reply421] and c.elapsed() < 1, "%s: %s: '%s' at once" % (kind, what, reply421), c.transcript())
        c.close()
    for hdr, what, want in ((v1("10.1.2.3"), "v1 TCP4 10.1.2.3", relay_code),
                            (v2("10.1.2.3"), "v2 TCP4 10.1.2.3", relay_code),
                            (v1("172.31.9.9"), "v1 TCP4 172.31.9.9", "554"),
                            (v1("2001:db8::7", "::1", "TCP6"), "v1 TCP6 2001:db8::7", "554")):
        c = Conn(port)
        c.send(hdr, raw=True)
        code, greet = c.reply()
        ok(code == "220", "%s: %s: greeting %s" % (kind, what, greet[-1:] if greet else "none"), c.transcript())
        if code == "220":
            ehlo = relay(c, want, "%s: %s: relay %s" % (kind, what, want))
            if what.startswith("v1 TCP4 10"):
                ok(not any("XCLIENT" in l for l in ehlo), kind + ": no XCLIENT offered behind the header")
                c.cmd("RSET")
                code, lines = c.cmd("XCLIENT ADDR=10.1.2.3")
                ok(lines[:1] == ["550 5.7.0 Error: insufficient authorization"],
                   kind + ": XCLIENT from a host not authorized: 550 5.7.0 Error: insufficient authorization",
                   c.transcript())
        c.close()


def check_postscreen(port):
    kind = "postscreen"
    c = Conn(port)
    code, lines = c.reply(4)
    t = c.elapsed()
    ok(lines == ["421 4.3.2 No system resources"] and 0.7 <= t <= 2.5,
       "%s: no header: '421 4.3.2 No system resources' after %.1f s (postscreen_upstream_proxy_timeout 1 s)" % (kind, t),
       c.transcript())
    c.close()
    c = Conn(port)
    c.send(b"EHLO trust-check.example\r\n", raw=True)
    code, lines = c.reply(3)
    ok(lines == ["421 4.3.2 No system resources"] and c.elapsed() < 1,
       kind + ": EHLO instead of a header: 421 4.3.2 at once", c.transcript())
    c.close()
    c = Conn(port)
    c.send(v1("10.1.2.3"), raw=True)
    code, greet = c.reply()
    ok(code == "220", kind + ": v1 TCP4 10.1.2.3: greeting", c.transcript())
    relay(c, "250", kind + ": v1 TCP4 10.1.2.3: relay 250 (smtpd behind postscreen)")
    c.close()


def check_exim_proxy(port):
    kind = "exim-proxy"
    c = Conn(port)
    code, lines = c.reply(6)
    t = c.elapsed()
    ok(code == "220" and 2.7 <= t <= 4, "%s: no header: a normal 220 greeting after %.1f s (proxy_protocol_timeout 3 s)"
       % (kind, t), c.transcript())
    code, lines = c.cmd("EHLO trust-check.example")
    ok(lines == ["503 Command refused, required Proxy negotiation failed"],
       kind + ": then EHLO: 503 Command refused, required Proxy negotiation failed", c.transcript())
    c.close()
    c = Conn(port)
    c.send(v1("10.1.2.3"), raw=True)
    code, greet = c.reply()
    ok(code == "220" and c.elapsed() < 1, kind + ": v1 TCP4 10.1.2.3: greeting at once", c.transcript())
    ehlo = relay(c, "250", kind + ": v1 TCP4 10.1.2.3: relay 250")
    ok(ehlo and ehlo[0].endswith("[10.1.2.3]"), kind + ": EHLO reply names the claimed address: " + (ehlo[0] if ehlo else ""))
    c.close()
    c = Conn(port)
    c.send(b"PROXY TCP4 10.1.2.3 127.0.0.1 40001 25\n", raw=True)
    code, greet = c.reply(6)
    ok(code == "220" and c.elapsed() >= 2.7, kind + ": v1 ended by LF alone: no header (greeting after 3 s)", c.transcript())
    c.close()


def check_opensmtpd_proxy(port):
    kind = "opensmtpd-proxy"
    c = Conn(port)
    code, lines = c.reply(3)
    ok(code == "timeout", kind + ": no header: silence (3 s)", c.transcript())
    c.close()
    c = Conn(port)
    c.send(v1("10.1.2.3"), raw=True)
    code, lines = c.reply(3)
    ok(code == "closed" and not lines, kind + ": v1 header: closed, nothing said (proxy-v2 only)", c.transcript())
    c.close()
    c = Conn(port)
    c.send(v2("10.1.2.3"), raw=True)
    code, greet = c.reply()
    ok(code == "220", kind + ": v2 TCP4 10.1.2.3: greeting", c.transcript())
    relay(c, "250", kind + ": v2 TCP4 10.1.2.3: relay 250")
    c.close()


def main(argv):
    full = "--full" in argv
    targets = [a for a in argv if a != "--full"]
    if not targets:
        print(__doc__, file=sys.stderr)
        return 64
    for t in targets:
        kind, _, port = t.partition("=")
        port = int(port)
        try:
            if kind == "xclient-open":
                check_xclient_open(port)
            elif kind == "xclient-closed":
                check_xclient_open(port, closed=True)
            elif kind == "proxy-open":
                check_proxy_smtpd(port, kind, "250", 1, full)
            elif kind == "proxy-closed":
                check_proxy_smtpd(port, kind, "554", 5, full)
            elif kind == "postscreen":
                check_postscreen(port)
            elif kind == "exim-proxy":
                check_exim_proxy(port)
            elif kind == "opensmtpd-proxy":
                check_opensmtpd_proxy(port)
            else:
                print("trust-check: unknown kind " + kind, file=sys.stderr)
                return 64
        except (OSError, IndexError) as e:
            ok(False, "%s: %s" % (kind, e))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
