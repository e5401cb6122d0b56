#!/usr/bin/env python3
"""tests/structure.py - what a run sent, checked by structure, not by transcript.

usage: structure.py REPORT.json SERVER.log [--connections-at-most N]

REPORT.json is relaytest's -F json report of one target; SERVER.log is the
fake server's log of the same run (tests/fakesmtpd.c: "== connect N" opens a
connection, "== refused N" is one turned away, "== conn N" says who speaks
next when several are open, every other line is a command as received).

Checked, whatever the plan (lanes, batches, connections at once):
  - every connection begins with EHLO (or HELO), ends at QUIT if it sends
    one, and carries only EHLO, HELO, MAIL, RCPT, RSET, AUTH (with its
    answers), XCLIENT (right after EHLO, and EHLO again after it unless the
    connection ends), QUIT; DATA only for a test that --send confirmed, or as a
    DATA probe: the last command of its connection (no QUIT, no message);
  - every test decided at MAIL or RCPT sent its own MAIL FROM (and RCPT TO,
    at RCPT) on one connection, in that order, with no other MAIL between,
    under the EHLO name it tests (a HELO-trust test) or ours, after an
    XCLIENT when it is an XCLIENT-trust test and never after one otherwise;
  - no test was sent twice on one connection unless it ran again (reruns)
    or was accepted in a pipelined batch (confirmed alone before it counts,
    and then probed with DATA);
  - the connections the report counts are the connections the server saw
    (accepted or refused), and at once never more than N when asked.
Prints one line per problem and exits 1, or exits 0 in silence."""
import json
import sys


def connections(lines):
    """The server's log as a list of connections, each a list of commands."""
    conns, current, by_number = [], None, {}
    for line in lines:
        if line.startswith("== connect "):
            current = []
            by_number[line.split()[2]] = current
            conns.append(current)
        elif line.startswith("== conn "):
            current = by_number.get(line.split()[2])
        elif line.startswith("== refused "):
            conns.append(None)
        elif line.startswith("=="):
            continue
        elif current is not None:
            current.append(line)
    return conns


def verb(command):
    return command.split(" ", 1)[0].split(":", 1)[0].upper()


def check_connection(n, cmds, problems, allow_data, probes):
    if not cmds:
        return
    if probes and verb(cmds[-1]) == "DATA":
        cmds = cmds[:-1]  # a DATA probe ends its connection
    if verb(cmds[0]) not in ("EHLO", "HELO"):
        problems.append(f"connection {n} began with {cmds[0]!r}, not EHLO")
    if "QUIT" in cmds and cmds.index("QUIT") != len(cmds) - 1:
        problems.append(f"connection {n} sent {cmds[cmds.index('QUIT') + 1]!r} after QUIT")
    in_auth = False
    for i, cmd in enumerate(cmds):
        v = verb(cmd)
        if v == "XCLIENT":
            after = verb(cmds[i + 1]) if i + 1 < len(cmds) else "QUIT"
            if i == 0 or verb(cmds[i - 1]) not in ("EHLO", "HELO") or after not in (
                    "EHLO", "HELO", "QUIT"):
                problems.append(f"connection {n} sent {cmd!r} out of place")
        elif v == "AUTH":
            in_auth = True
        elif v in ("EHLO", "HELO", "MAIL", "RCPT", "RSET", "QUIT"):
            in_auth = False
        elif v == "DATA" and allow_data:
            in_auth = False
        elif not in_auth:
            problems.append(f"connection {n} sent {cmd!r}")


def sent_on(cmds, test, ours):
    """How many times cmds carry test's MAIL (and RCPT) under its EHLO name
    (ours, the report's, for a test that tests none)."""
    name, found, i, claimed = None, 0, 0, False
    want_name = test["helo"] if test["helo"] is not None else ours
    want_claim = test["group"] == "XCLIENT trust"
    mail = "MAIL FROM:" + test["mail_from"]
    rcpt = "RCPT TO:" + test["rcpt_to"]
    while i < len(cmds):
        v = verb(cmds[i])
        if v in ("EHLO", "HELO"):
            name = cmds[i].split(" ", 1)[1] if " " in cmds[i] else ""
        claimed = claimed or v == "XCLIENT"
        if cmds[i] == mail and name == want_name and claimed == want_claim:
            j = i + 1
            while j < len(cmds) and verb(cmds[j]) not in ("MAIL", "RCPT", "EHLO", "HELO"):
                j += 1
            if test["stage"] == "MAIL" or (j < len(cmds) and cmds[j] == rcpt):
                found += 1
        i += 1
    return found


def main(argv):
    if len(argv) < 3:
        print(__doc__.splitlines()[2])
        return 2
    with open(argv[1]) as f:
        first = f.readline()
    if not first.strip():
        print(f"no JSON report in {argv[1]}")
        return 1
    report = json.loads(first)
    with open(argv[2], errors="replace") as f:
        conns = connections(f.read().splitlines())
    at_most = int(argv[argv.index("--connections-at-most") + 1]) if "--connections-at-most" in argv else None
    problems = []
    allow_data = any(t.get("sent") is not None for t in report["tests"])
    probes = any(t.get("data_probe") is not None for t in report["tests"])
    for n, cmds in enumerate(conns, 1):
        if cmds is not None:
            check_connection(n, cmds, problems, allow_data, probes)
    for test in report["tests"]:
        if test["same_as"] is not None or test["stage"] not in ("MAIL", "RCPT", "DATA"):
            continue
        if test["group"] == "fake AUTH":
            continue  # its MAIL and RCPT follow an AUTH: the note says how it went
        where = [sent_on(c, test, report["helo"]) for c in conns if c is not None]
        if sum(where) == 0:
            problems.append(f"{test['id']}: MAIL FROM:{test['mail_from']} then RCPT TO:"
                            f"{test['rcpt_to']} (EHLO {test['helo'] or 'ours'}) never sent")
        elif max(where) > 1 + test["reruns"] + (test["verdict"] == "accepted" or
                                                 test.get("data_probe") is not None):
            problems.append(f"{test['id']}: sent {max(where)} times on one connection")
    if report["connections"] != len(conns):
        problems.append(f"the report counts {report['connections']} connections, "
                        f"the server saw {len(conns)}")
    if at_most is not None and report["max_connections_at_once"] > at_most:
        problems.append(f"{report['max_connections_at_once']} connections at once, "
                        f"at most {at_most} wanted")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
