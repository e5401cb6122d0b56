#!/usr/bin/python3
"""tlsfake - a scripted SMTP server that speaks TLS, for relaytest's tests.

usage: tlsfake.py -s SCENARIO -l LOG -p PORTFILE [-w SECONDS]

The same command line, log format and core scenario lines as fakesmtpd.c
(which speaks no TLS): binds 127.0.0.1 on a random port, writes it to
PORTFILE, serves connections at once (a thread each) until the watchdog (-w,
default 60 s), logs every line received ("== connect N" marks a connection,
"== tls" a completed handshake, "!bare-lf " a line without CRLF).

Scenario lines ("test." lines are the runner's and ignored here):

  greeting ACTION           the greeting (default a 220 line)
  on GLOB => ACTION         rule for a command, before and after TLS
  on-plain GLOB => ACTION   rule only before TLS
  on-tls GLOB => ACTION     rule only after TLS
                            (first matching rule wins; fnmatch, case-
                            insensitive; a GLOB holding '|' is matched
                            against "COMMAND|LAST MAIL|LAST EHLO|AUTH" as in
                            fakesmtpd; AUTH is "auth" after a 235)
  tls implicit              TLS right after connect (port 465)
  tls-fault alert|cut|drip  instead of a handshake: answer the ClientHello
                            with a fatal TLS alert; close after reading it;
                            or send one byte a second, forever
  cert expired              serve a certificate that expired in 2001

STARTTLS is answered "220 2.0.0 Ready to start TLS" and starts the handshake
unless a rule answers it otherwise (e.g. 454). ACTION: reply lines separated
by "\\n"; "!close"; "!then-close ACTION"; "!reset" (an RST instead of a
reply); "!then-reset ACTION" (the reply, then an RST). QUIT gets 221 and
a close, RSET 250, anything else unmatched "500 5.5.2 unrecognised command".

Certificates are made with the openssl command in a directory beside LOG.
"""
import fnmatch
import getopt
import os
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time


def make_cert(directory, expired):
    key = os.path.join(directory, "key.pem")
    cert = os.path.join(directory, "cert.pem")
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey",
                    "-noout", "-out", key], check=True, capture_output=True)
    if not expired:
        subprocess.run(["openssl", "req", "-new", "-x509", "-key", key, "-out", cert,
                        "-days", "30", "-subj", "/CN=mx.tls.relaytest.test"],
                       check=True, capture_output=True)
        return cert, key
    # A CA-signed certificate with explicit past dates (openssl 3.0's req has
    # no -not_after; "openssl ca" takes -startdate/-enddate).
    conf = os.path.join(directory, "ca.conf")
    with open(conf, "w") as f:
        f.write("[ca]\ndefault_ca=c\n[c]\ndatabase=%s/index\nnew_certs_dir=%s\n"
                "serial=%s/serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n"
                % (directory, directory, directory))
    open(os.path.join(directory, "index"), "w").close()
    with open(os.path.join(directory, "serial"), "w") as f:
        f.write("01\n")
    csr = os.path.join(directory, "req.csr")
    subprocess.run(["openssl", "req", "-new", "-key", key, "-out", csr,
                    "-subj", "/CN=expired.tls.relaytest.test"], check=True, capture_output=True)
    subprocess.run(["openssl", "ca", "-batch", "-config", conf, "-selfsign", "-keyfile", key,
                    "-in", csr, "-out", cert, "-startdate", "20000101000000Z",
                    "-enddate", "20010101000000Z", "-notext"], check=True, capture_output=True)
    return cert, key


def unescape(action):
    return action.replace("\\r", "\r").replace("\\t", "\t").split("\\n")


class Conn:
    def __init__(self, sock, log):
        self.sock = sock
        self.log = log
        self.buf = b""
        self.tls = False

    def reset(self):
        """Close with an RST: linger on, timeout zero."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def send_action(self, action):
        close = reset = False
        if action.startswith("!then-close "):
            action = action[len("!then-close "):]
            close = True
        elif action.startswith("!then-reset "):
            action = action[len("!then-reset "):]
            close = reset = True
        if action == "!close":
            return True
        if action == "!reset":
            self.reset()
            return True
        data = "".join(line + "\r\n" for line in unescape(action))
        self.sock.sendall(data.encode("latin-1"))
        if reset:
            time.sleep(0.05)  # the reply reaches the client before the RST
            self.reset()
        return close

    def read_line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        text = line.decode("latin-1")
        if text.endswith("\r"):
            text = text[:-1]
            self.log.write(text + "\n")
        else:
            self.log.write("!bare-lf " + text + "\n")
        self.log.flush()
        return text


def fault(conn, kind):
    """Answer a ClientHello the broken way kind says; the connection ends."""
    sock = conn.sock
    sock.settimeout(10)
    try:
        sock.recv(4096)
        if kind == "alert":
            sock.sendall(bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]))
            time.sleep(0.2)
        elif kind == "drip":
            for byte in bytes([0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00]) * 8:
                sock.sendall(bytes([byte]))
                time.sleep(1)
    except OSError:
        pass
    conn.log.write("== tls-fault %s\n" % kind)
    conn.log.flush()


def handshake(conn, ctx, faulty):
    if faulty:
        fault(conn, faulty)
        return False
    try:
        conn.sock.settimeout(10)
        conn.sock = ctx.wrap_socket(conn.sock, server_side=True)
        conn.sock.settimeout(None)
    except (OSError, ssl.SSLError) as e:
        conn.log.write("== tls-failed %s\n" % type(e).__name__)
        conn.log.flush()
        return False
    conn.tls = True
    conn.buf = b""
    conn.log.write("== tls\n")
    conn.log.flush()
    return True


def serve(conn, rules, greeting, implicit, faulty, ctx):
    if implicit and not handshake(conn, ctx, faulty):
        return
    if conn.send_action(greeting):
        return
    last_mail = last_ehlo = "-"
    auth = "-"
    while True:
        line = conn.read_line()
        if line is None:
            return
        upper = line.upper()
        if upper.startswith("MAIL"):
            last_mail = line
        if upper.startswith("EHLO") or upper.startswith("HELO"):
            last_ehlo = line
            auth = "-"
        state = "%s|%s|%s|%s" % (line, last_mail, last_ehlo, auth)
        action = None
        for scope, glob, act in rules:
            if (scope == "plain" and conn.tls) or (scope == "tls" and not conn.tls):
                continue
            subject = state if "|" in glob else line
            if fnmatch.fnmatch(subject.lower(), glob.lower()):
                action = act
                break
        if action is None:
            if upper == "STARTTLS" and not conn.tls:
                action = "220 2.0.0 Ready to start TLS"
            elif upper == "QUIT":
                action = "!then-close 221 2.0.0 Bye"
            elif upper == "RSET":
                action = "250 2.0.0 Ok"
            else:
                action = "500 5.5.2 unrecognised command"
        if action.startswith("235"):
            auth = "auth"
        if conn.send_action(action):
            return
        if upper == "STARTTLS" and not conn.tls and action.startswith("220"):
            if not handshake(conn, ctx, faulty):
                return
            last_mail = last_ehlo = "-"
            auth = "-"


def main():
    opts, _ = getopt.getopt(sys.argv[1:], "s:l:p:w:")
    opt = dict(opts)
    watchdog = int(opt.get("-w", "60"))
    signal.signal(signal.SIGALRM, lambda *_: os._exit(0))
    signal.alarm(watchdog)
    rules, greeting = [], "220 mx.tls.relaytest.test ESMTP tlsfake"
    implicit, faulty, expired = False, None, False
    with open(opt["-s"]) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line or line.startswith("#") or line.startswith("test."):
                continue
            word, _, rest = line.partition(" ")
            if word in ("on", "on-plain", "on-tls"):
                glob, _, act = rest.partition(" => ")
                rules.append((word[3:] or "any", glob, act))
            elif word == "greeting":
                greeting = rest
            elif line == "tls implicit":
                implicit = True
            elif word == "tls-fault":
                faulty = rest
            elif line == "cert expired":
                expired = True
    # Beside the log, so the test runner's cleanup removes the key too.
    tmp = tempfile.mkdtemp(prefix="tlsfake.", dir=os.path.dirname(os.path.abspath(opt["-l"])))
    cert, key = make_cert(tmp, expired)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(16)
    with open(opt["-p"] + ".tmp", "w") as f:
        f.write("%d\n" % lsock.getsockname()[1])
    os.rename(opt["-p"] + ".tmp", opt["-p"])
    number = 0
    with open(opt["-l"], "w") as log:
        # Connections at once, as relaytest opens them: one thread each.
        while True:
            sock, _ = lsock.accept()
            number += 1
            log.write("== connect %d\n" % number)
            log.flush()
            conn = Conn(sock, log)
            threading.Thread(target=session, args=(conn, rules, greeting, implicit, faulty, ctx),
                             daemon=True).start()


def session(conn, rules, greeting, implicit, faulty, ctx):
    try:
        serve(conn, rules, greeting, implicit, faulty, ctx)
    except (OSError, ssl.SSLError):
        pass
    try:
        conn.sock.close()
    except OSError:
        pass


if __name__ == "__main__":
    main()
