#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""rmctl - the control-socket client of the test scripts.

relaymilter's control protocol is one line in, a reply until the daemon
closes.  Every script that talks to the socket imports this module (the
abuse and load drivers keep only what they do differently):

  connect(path, timeout)       a blocking connect, as relayctl's: it waits
                               while the listen backlog is full (up to
                               timeout, through SO_SNDTIMEO) where a Python
                               socket with a timeout fails with EAGAIN
  read_to_eof(sock, timeout)   (data, error text or None)
  talk(path, data, timeout)    send raw bytes, shut the write side, read to
                               EOF: (reply bytes, error text or None)
  request(path, line)          one command line: the reply as text; raises
                               OSError when the daemon cannot be reached
  request_async(path, line)    the same, for asyncio drivers
  status(path)                 STATUS's "key: value" lines as a dict

Run as a program, "rmctl.py SOCKET COMMAND" prints the reply and exits 0
if it starts with "OK", 1 with "ERR", 2 on anything else (no daemon, a
bad reply).
"""
import asyncio
import socket
import struct
import sys


def connect(path, timeout=30):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", int(timeout), 0))
    try:
        s.connect(path)
    except OSError:
        s.close()
        raise
    s.settimeout(timeout)
    return s


def read_to_eof(s, timeout):
    data = b""
    try:
        s.settimeout(timeout)
        while True:
            b = s.recv(65536)
            if not b:
                return data, None
            data += b
    except OSError as e:
        return data, str(e)


def talk(path, data, timeout=30):
    try:
        s = connect(path, timeout)
    except OSError as e:
        return b"", "connect: %s" % e
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        return read_to_eof(s, timeout)
    except OSError as e:
        return b"", str(e)
    finally:
        s.close()


def request(path, line, timeout=30):
    s = connect(path, timeout)
    try:
        s.sendall(line.encode() + b"\n")
        data, err = read_to_eof(s, timeout)
    finally:
        s.close()
    if err is not None:
        raise OSError(err)
    return data.decode("utf-8", "replace")


async def request_async(path, line, timeout=30):
    r, w = await asyncio.wait_for(asyncio.open_unix_connection(path), timeout)
    try:
        w.write(line.encode() + b"\n")
        await w.drain()
        data = await asyncio.wait_for(r.read(), timeout)
    finally:
        w.close()
    return data.decode("utf-8", "replace")


def status(path, timeout=30):
    out = {}
    for line in request(path, "STATUS", timeout).splitlines()[1:]:
        k, _, v = line.partition(": ")
        out[k] = v
    return out


def main(argv):
    if len(argv) != 3:
        print("usage: %s SOCKET COMMAND" % argv[0], file=sys.stderr)
        return 2
    try:
        text = request(argv[1], argv[2], timeout=20)
    except OSError as e:
        print("%s: %s: %s" % (argv[0], argv[1], e))
        return 2
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    if text.startswith("OK"):
        return 0
    if text.startswith("ERR"):
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
