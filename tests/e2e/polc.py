#!/usr/bin/env python3
"""polc.py - a Postfix policy client for the tests, straight to the socket.

  polc.py PORT send        bytes from stdin in one write; print each reply
                           line, then CLOSED if the server hung up (or
                           OPEN after --wait seconds without more)
  polc.py PORT many N ROUNDS
                           N persistent connections, ROUNDS requests on each
                           (one client address per connection, alternately
                           allowed 127.0.0.5 and unlisted 127.0.0.6); print
                           "ok N*ROUNDS" or what went wrong; with --hold S
                           keep the connections open S more seconds
"""
import socket
import sys
import time


def request(client, rcpt="user@remote.example", server="127.0.0.1"):
    return ("request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
            "client_address=%s\nclient_name=unknown\nserver_address=%s\nserver_port=25\n"
            "helo_name=test\nsender=a@local.test\nrecipient=%s\nrecipient_count=0\n"
            "sasl_username=\ninstance=1.2.3\nsize=0\n\n" % (client, server, rcpt)).encode()


def read_reply(s):
    buf = b""
    while not buf.endswith(b"\n\n"):
        d = s.recv(4096)
        if not d:
            raise EOFError("closed after %r" % buf)
        buf += d
    return buf


def send(port, wait):
    data = sys.stdin.buffer.read()
    s = socket.create_connection(("127.0.0.1", port), 5)
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


def many(port, n, rounds, hold):
    conns = [socket.create_connection(("127.0.0.1", port), 10) for _ in range(n)]
    want = {"127.0.0.5": b"action=OK\n\n", "127.0.0.6": b"action=reject_unauth_destination\n\n"}
    good = 0
    for r in range(rounds):
        for i, s in enumerate(conns):
            s.sendall(request("127.0.0.5" if i % 2 == 0 else "127.0.0.6"))
        for i, s in enumerate(conns):
            got = read_reply(s)
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
    port = int(args[0])
    if args[1] == "send":
        send(port, wait)
        return 0
    if args[1] == "many":
        return many(port, int(args[2]), int(args[3]), hold)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
