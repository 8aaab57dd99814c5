#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""badhttp.py MODE PORT - an HTTP server that misbehaves, on 127.0.0.1:PORT.

MODE hang: accept every connection and never answer.
MODE truncate: answer 200 with a Content-Length longer than the body sent,
then close (a transfer cut short).  The body is a valid list prefix, so a
client that does not notice the cut would load it.
Runs until killed.
"""
import socket
import sys
import threading


def serve(conn, mode):
    conn.settimeout(60)
    try:
        data = b""
        while b"\r\n\r\n" not in data:
            b = conn.recv(4096)
            if not b:
                return
            data += b
        if mode == "hang":
            threading.Event().wait(3600)
            return
        body = b"203.0.113.0/24\n"
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                     b"Content-Length: 4096\r\nConnection: close\r\n\r\n" + body)
    except OSError:
        pass
    finally:
        if mode != "hang":
            conn.close()


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    print("ready", flush=True)
    held = []
    while True:
        conn, _ = s.accept()
        held.append(conn)
        threading.Thread(target=serve, args=(conn, mode), daemon=True).start()


if __name__ == "__main__":
    main()
