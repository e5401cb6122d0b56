#!/usr/bin/env python3
"""tests/mta/forward.py - a forwarding proxy on loopback, as a Docker
userland proxy or a NAT is to a mail server: every client it takes arrives at
the server from the proxy's own address.

usage: forward.py PORTFILE SOURCE-ADDRESS TARGET-PORT [SECONDS]

Listens on 127.0.0.1, a free port (written to PORTFILE once listening); each
connection is forwarded to 127.0.0.1:TARGET-PORT from SOURCE-ADDRESS (such as
127.0.0.2). Exits after SECONDS (default 120): a watchdog, so that a failed
test leaves nothing behind."""
import os
import selectors
import socket
import sys
import threading


def pump(a, b):
    """Copy bytes both ways until either side closes."""
    sel = selectors.DefaultSelector()
    sel.register(a, selectors.EVENT_READ, b)
    sel.register(b, selectors.EVENT_READ, a)
    try:
        while True:
            for key, _ in sel.select(timeout=60):
                data = key.fileobj.recv(65536)
                if not data:
                    return
                key.data.sendall(data)
    except OSError:
        return
    finally:
        a.close()
        b.close()


def main(argv):
    if len(argv) < 4:
        print(__doc__.splitlines()[5], file=sys.stderr)
        return 2
    portfile, source, target = argv[1], argv[2], int(argv[3])
    seconds = float(argv[4]) if len(argv) > 4 else 120.0
    threading.Timer(seconds, lambda: os._exit(0)).start()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(listener.getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    while True:
        client, _ = listener.accept()
        server = socket.socket()
        try:
            server.bind((source, 0))
            server.connect(("127.0.0.1", target))
        except OSError:
            client.close()
            server.close()
            continue
        threading.Thread(target=pump, args=(client, server), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
