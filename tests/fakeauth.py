#!/usr/bin/python3
"""fakeauth.py - a Dovecot auth service that accepts any user and password.

usage: fakeauth.py SOCKET [WATCHDOG_SECONDS]

A test helper for tests/postfix-tls.sh: Postfix (smtpd_sasl_type = dovecot,
smtpd_sasl_path = SOCKET) asks it to check SASL PLAIN and LOGIN credentials,
speaking Dovecot's auth protocol 1.2 (VERSION, MECH ... DONE; AUTH, CONT,
OK). Every credential is accepted, as a Dovecot with a static passdb and
nopassword=y would: the open-relay-by-bogus-AUTH case relaytest must catch.
It listens on a unix socket only, serves each connection in a thread and
exits by itself after WATCHDOG_SECONDS (default 300).
"""
import base64
import os
import signal
import socket
import sys
import threading

HANDSHAKE = (
    "VERSION\t1\t2\n"
    "MECH\tPLAIN\tplaintext\n"
    "MECH\tLOGIN\tplaintext\n"
    "SPID\t%d\n"
    "CUID\t1\n"
    "COOKIE\t0123456789abcdef0123456789abcdef\n"
    "DONE\n" % os.getpid()
)


def b64(text):
    return base64.b64encode(text.encode()).decode()


def serve(conn):
    """One client (a Postfix smtpd): handshake, then AUTH requests."""
    conn.sendall(HANDSHAKE.encode())
    pending = {}  # request id -> (mechanism, step)
    buf = b""
    while True:
        data = conn.recv(4096)
        if not data:
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            fields = line.decode("latin-1").split("\t")
            if fields[0] == "AUTH" and len(fields) >= 3:
                rid, mech = fields[1], fields[2].upper()
                initial = [f[5:] for f in fields[3:] if f.startswith("resp=")]
                if mech == "PLAIN" and initial:
                    reply = "OK\t%s\tuser=relaytest-fake\n" % rid
                elif mech == "PLAIN":
                    pending[rid] = ("PLAIN", 0)
                    reply = "CONT\t%s\t\n" % rid
                else:
                    pending[rid] = ("LOGIN", 1 if initial else 0)
                    reply = "CONT\t%s\t%s\n" % (rid, b64("Password:" if initial else "Username:"))
            elif fields[0] == "CONT" and len(fields) >= 2 and fields[1] in pending:
                rid = fields[1]
                mech, step = pending[rid]
                if mech == "LOGIN" and step == 0:
                    pending[rid] = ("LOGIN", 1)
                    reply = "CONT\t%s\t%s\n" % (rid, b64("Password:"))
                else:
                    del pending[rid]
                    reply = "OK\t%s\tuser=relaytest-fake\n" % rid
            else:
                continue  # VERSION, CPID and the like need no answer
            conn.sendall(reply.encode())


def main():
    path = sys.argv[1]
    signal.signal(signal.SIGALRM, lambda *_: os._exit(0))
    signal.alarm(int(sys.argv[2]) if len(sys.argv) > 2 else 300)
    if os.path.exists(path):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o666)
    listener.listen(16)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=lambda c=conn: (serve_quietly(c)), daemon=True).start()


def serve_quietly(conn):
    try:
        serve(conn)
    except OSError:
        pass
    finally:
        conn.close()


if __name__ == "__main__":
    main()
