#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""polc.py - a Postfix policy client for the tests, straight to the socket.

  PORT is a TCP port on 127.0.0.1, or the path of a unix socket.

  polc.py PORT send        bytes from stdin in one write; print each reply
                           line, then CLOSED if the server hung up (or
                           OPEN after --wait seconds without more)
  polc.py PORT many N ROUNDS
                           N persistent connections, ROUNDS requests on each
                           (one client address per connection, alternately
                           allowed 127.0.0.5 and unlisted 127.0.0.6); print
                           "ok N*ROUNDS" or what went wrong; with --hold S
                           keep the connections open S more seconds
  polc.py PORT matrix FLAGS
                           every client (allowed 127.0.0.5, unlisted
                           127.0.0.6, denied and allowed 127.0.0.7) through
                           every server address (local-IP 127.0.0.2, other
                           127.0.0.1), with and without sasl_username, on
                           one pipelined connection; the answers compared
                           with KB Q193922's rules for relay_flags = FLAGS
                           worked out here; print "ok N" or each mismatch
"""
import socket
import sys
import time


def request(client, rcpt="user@remote.example", server="127.0.0.1"):
    return ("request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
            "client_address=%s\nclient_name=unknown\nserver_address=%s\nserver_port=25\n"
            "helo_name=test\nsender=a@local.test\nrecipient=%s\nrecipient_count=0\n"
            "sasl_username=\ninstance=1.2.3\nsize=0\n\n" % (client, server, rcpt)).encode()


def connect(port, timeout):
    """PORT on 127.0.0.1, or a unix socket when it is a path."""
    if isinstance(port, str):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(timeout)
        s.connect(port)
        return s
    return socket.create_connection(("127.0.0.1", port), timeout)


def read_reply(f):
    """One reply from f, a socket's makefile("rb"): lines up to the empty one."""
    buf = b""
    while True:
        line = f.readline()
        if not line:
            raise EOFError("closed after %r" % buf)
        buf += line
        if line == b"\n":
            return buf


def send(port, wait):
    data = sys.stdin.buffer.read()
    s = connect(port, 5)
    s.sendall(data)
    s.settimeout(wait)
    buf = b""
    state = "OPEN"
    try:
        while True:
            d = s.recv(65536)
            if not d:
                state = "CLOSED"
                break
            buf += d
    except socket.timeout:
        pass
    except ConnectionResetError:
        state = "CLOSED"
    for line in buf.decode(errors="replace").split("\n"):
        if line:
            print(line)
    print(state)


def kb_may_relay(flags, client, server, auth):
    """KB Q193922, written out independently of the daemon."""
    deny, allow, local, authf = flags & 1, flags & 2, flags & 4, flags & 8
    if deny and client in ("127.0.0.7",):
        return False
    if allow and client in ("127.0.0.5", "127.0.0.7"):
        return True
    if local and server == "127.0.0.2":
        return True
    if authf and auth:
        return True
    return flags == 1


def matrix(port, flags):
    cases = [(c, sv, a) for c in ("127.0.0.5", "127.0.0.6", "127.0.0.7")
             for sv in ("127.0.0.2", "127.0.0.1") for a in (False, True)]
    data = b"".join(request(c, server=sv).replace(b"sasl_username=\n",
                    b"sasl_username=user@local.test\n" if a else b"sasl_username=\n")
                    for c, sv, a in cases)
    s = connect(port, 5)
    s.sendall(data)
    bad = 0
    f = s.makefile("rb")
    for c, sv, a in cases:
        want = b"action=OK\n\n" if kb_may_relay(flags, c, sv, a) else b"action=reject_unauth_destination\n\n"
        got = read_reply(f)
        if got != want:
            print("flags %d client %s server %s auth %s: want %r got %r" % (flags, c, sv, a, want, got))
            bad += 1
    if bad == 0:
        print("ok %d" % len(cases))
    return 1 if bad else 0


def many(port, n, rounds, hold):
    conns = [connect(port, 10) for _ in range(n)]
    files = [s.makefile("rb") for s in conns]
    want = {"127.0.0.5": b"action=OK\n\n", "127.0.0.6": b"action=reject_unauth_destination\n\n"}
    good = 0
    for r in range(rounds):
        for i, s in enumerate(conns):
            s.sendall(request("127.0.0.5" if i % 2 == 0 else "127.0.0.6"))
        for i, s in enumerate(conns):
            got = read_reply(files[i])
            if got != want["127.0.0.5" if i % 2 == 0 else "127.0.0.6"]:
                print("connection %d round %d: %r" % (i, r, got))
                return 1
            good += 1
    print("ok %d" % good)
    sys.stdout.flush()
    time.sleep(hold)
    for s in conns:
        s.close()
    return 0


def main():
    args = sys.argv[1:]
    wait = 2.0
    hold = 0.0
    if "--wait" in args:
        i = args.index("--wait")
        wait = float(args[i + 1])
        del args[i:i + 2]
    if "--hold" in args:
        i = args.index("--hold")
        hold = float(args[i + 1])
        del args[i:i + 2]
    port = args[0] if args[0].startswith("/") else int(args[0])
    if args[1] == "send":
        send(port, wait)
        return 0
    if args[1] == "matrix":
        return matrix(port, int(args[2]))
    if args[1] == "many":
        return many(port, int(args[2]), int(args[3]), hold)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
