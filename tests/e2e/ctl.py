#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""ctl.py SOCKET COMMAND - one relaymilter control-socket request.

Connects to the unix stream socket, writes COMMAND and a newline, reads the
reply until the daemon closes, and prints it.  Exit 0 if the reply starts with
"OK ", 1 if with "ERR ", 2 on anything else (no daemon, bad reply).
"""
import socket
import sys


def main():
    if len(sys.argv) != 3:
        print("usage: ctl.py SOCKET COMMAND", file=sys.stderr)
        return 2
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    try:
        s.connect(sys.argv[1])
        s.sendall(sys.argv[2].encode() + b"\n")
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except OSError as e:
        print("ctl.py: %s: %s" % (sys.argv[1], e))
        return 2
    text = data.decode("utf-8", "replace")
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    if text.startswith("OK"):
        return 0
    if text.startswith("ERR"):
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
