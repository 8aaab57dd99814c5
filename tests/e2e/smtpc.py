#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""smtpc.py - a small SMTP client for the end-to-end tests.

Sends the addresses exactly as given (no quoting or parsing, unlike
smtplib.sendmail), from a chosen source address, and prints one line per
step with the server's reply:

    CONNECT 220 ...
    EHLO 250 ...
    AUTH 235 2.7.0 Authentication successful
    MAIL 250 2.1.0 Ok
    RCPT <user@remote.example> 550 5.7.1 <user@remote.example>: ...
    DATA 250 2.0.0 Ok: queued as ...

Exit status 0 when every step got 2xx/3xx, 1 otherwise, 2 on a local error.
"""
import argparse
import base64
import os
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dst", default="127.0.0.1")
    ap.add_argument("--src", default="127.0.0.1")
    ap.add_argument("--from", dest="sender", default="sender@local.test")
    ap.add_argument("--helo", default="client.example", help="the EHLO name")
    ap.add_argument("--auth", nargs=2, metavar=("USER", "PASS"))
    ap.add_argument("--auth-mech", default="PLAIN", choices=["PLAIN", "LOGIN"])
    ap.add_argument("--data", action="store_true", help="send a message after the recipients")
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--wait-file", metavar="PATH",
                    help="after MAIL, wait (up to the timeout) until PATH exists, then send the recipients")
    ap.add_argument("rcpt", nargs="*")
    a = ap.parse_args()

    try:
        s = socket.create_connection((a.dst, a.port), a.timeout, source_address=(a.src, 0))
    except OSError as e:
        print("CONNECT 000 %s" % e)
        return 2
    f = s.makefile("rb")
    failed = False

    def reply():
        lines = []
        while True:
            l = f.readline()
            if not l:
                return "000", "connection closed"
            l = l.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(l[4:])
            if len(l) < 4 or l[3] != "-":
                return l[:3], lines[-1] if len(lines) == 1 else " | ".join(lines)

    def cmd(line):
        s.sendall(line.encode() + b"\r\n")
        return reply()

    def show(step, code, text):
        nonlocal failed
        print("%s %s %s" % (step, code, text), flush=True)
        if code[0] not in "23":
            failed = True

    code, text = reply()
    show("CONNECT", code, text)
    if code[0] != "2":
        return 1
    code, text = cmd("EHLO " + a.helo)
    show("EHLO", code, text.split(" | ")[0])
    if code[0] != "2":
        return 1
    if a.auth:
        user, pw = a.auth
        if a.auth_mech == "PLAIN":
            tok = base64.b64encode(b"\0" + user.encode() + b"\0" + pw.encode()).decode()
            code, text = cmd("AUTH PLAIN " + tok)
        else:
            code, text = cmd("AUTH LOGIN")
            if code == "334":
                code, text = cmd(base64.b64encode(user.encode()).decode())
            if code == "334":
                code, text = cmd(base64.b64encode(pw.encode()).decode())
        show("AUTH", code, text)
        if code[0] != "2":
            cmd("QUIT")
            return 1
    code, text = cmd("MAIL FROM:<%s>" % a.sender)
    show("MAIL", code, text)
    if code[0] != "2":
        cmd("QUIT")
        return 1
    if a.wait_file:
        deadline = time.time() + a.timeout
        while not os.path.exists(a.wait_file) and time.time() < deadline:
            time.sleep(0.02)
    accepted = 0
    for r in a.rcpt:
        code, text = cmd("RCPT TO:<%s>" % r if not r.startswith("<") else "RCPT TO:%s" % r)
        show("RCPT <%s>" % r, code, text)
        if code[0] == "2":
            accepted += 1
        elif code[0] == "4" and "closing" in text.lower():
            break
    if a.data and accepted:
        code, text = cmd("DATA")
        if code == "354":
            body = "From: <%s>\r\nTo: undisclosed-recipients:;\r\nSubject: relaymilter e2e\r\n\r\ntest\r\n." % a.sender
            code, text = cmd(body)
        show("DATA", code, text)
    try:
        cmd("QUIT")
    except OSError:
        pass
    s.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
