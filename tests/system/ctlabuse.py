#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""ctlabuse.py - feed relaymilter's control socket what a client should not send.

Used by tests/system/control-abuse.sh.  Each mode prints one summary line
"key=value ..." and exits 0 when every client behaved as the mode expects:

  burst SOCKET N LINE      N clients at once, each sends LINE; every one
                           must get a reply whose first line starts with
                           the same word as the first ("OK"/"ERR")
  garbage SOCKET N SEED    N clients (16 at a time), each sends random
                           bytes (NULs, CR, bytes over 127, with or without
                           a newline, 0-3000 bytes); every reply must be
                           empty (the line never ended) or start with OK/ERR
  nasty SOCKET             a fixed list of hostile lines, one client each;
                           prints each line's answer
  huge SOCKET BYTES        one client streams BYTES without a newline
  idle SOCKET N SECONDS    N clients connect (non-blocking: those the listen
                           backlog has no room for fail at once) and send
                           nothing for SECONDS
  trickle SOCKET SECONDS   one client sends one byte every 0.2 s for SECONDS
  half SOCKET SECONDS      one client sends half a line ("STAT") and waits up
                           to SECONDS for the daemon to answer and close

The client itself is tests/lib/rmctl.py (beside this file in a copy).
"""
import os
import random
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "lib")]
from rmctl import connect, read_to_eof, talk  # noqa: E402  (blocking connects, as relayctl's)


def first_word(reply):
    return reply.split(b"\n", 1)[0].split(b" ", 1)[0].decode("utf-8", "replace")


def run_threads(n, fn, width=None):
    results = [None] * n
    sem = threading.Semaphore(width or n)
    start = threading.Event()

    def one(i):
        with sem:
            start.wait()
            results[i] = fn(i)
    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    t0 = time.time()
    start.set()
    for t in ts:
        t.join()
    return results, time.time() - t0


def burst(path, n, line):
    def fn(i):
        t = time.time()
        r, e = talk(path, line.encode() + b"\n", timeout=60)
        return r, e, time.time() - t
    res, took = run_threads(int(n), fn)
    words = {}
    for r, e, _ in res:
        k = e and ("error:" + e) or first_word(r) or "(empty)"
        words[k] = words.get(k, 0) + 1
    lat = sorted(x[2] for x in res)
    firsts = {r.split(b"\n", 1)[0] for r, e, _ in res if not e}
    print("clients=%d seconds=%.2f max_latency=%.3f answers=%s distinct_first_lines=%d"
          % (len(res), took, lat[-1], ",".join("%s:%d" % kv for kv in sorted(words.items())), len(firsts)))
    return 0 if len(words) == 1 and not any(k.startswith("error:") for k in words) else 1


def garbage(path, n, seed):
    rnd = random.Random(int(seed))
    payloads = []
    for _ in range(int(n)):
        k = rnd.choice([0, 1, 2, 5, 17, 100, 1023, 1024, 1025, 2000, 3000])
        b = bytes(rnd.choice([0, 10, 13, 32, 65, 0x80, 0xff, rnd.randrange(256)]) for _ in range(k))
        if rnd.random() < 0.5:
            b += b"\n"
        payloads.append(b)

    def fn(i):
        return talk(path, payloads[i], timeout=30)
    res, took = run_threads(len(payloads), fn, width=16)
    kinds = {}
    bad = []
    for (r, e), p in zip(res, payloads):
        if e:
            k = "reset" if "reset" in e or "Broken pipe" in e else "error"
        elif not r:
            k = "empty"
        else:
            k = first_word(r)
        kinds[k] = kinds.get(k, 0) + 1
        if k not in ("OK", "ERR", "empty", "reset"):
            bad.append((p[:40], r[:80], e))
    print("clients=%d seconds=%.2f answers=%s"
          % (len(res), took, ",".join("%s:%d" % kv for kv in sorted(kinds.items()))))
    for b in bad[:5]:
        print("unexpected: sent %r got %r %s" % b)
    return 1 if bad else 0


NASTY = [
    b"\x00\n", b"STATUS\x00junk\n", b"STATUS\r\n", b"status\n", b"RELOAD RELOAD\n",
    b"CHECK\n", b"CHECK \n", b"CHECK " + b"1" * 1000 + b"\n", b"CHECK 192.0.2.7 local=\n",
    b"CHECK 192.0.2.7 local=300.1.1.1\n", b"CHECK 192.0.2.7 auth auth auth\n",
    b"CHECK ::ffff:192.0.2.66\n", b"CHECK %s%s%s%n%n\n", b"CHECK 192.0.2.7\x00\n",
    b"\xef\xbb\xbfSTATUS\n", b"\xff\xfeS\x00T\x00\n", b"\r\r\r\r\n", b"\t STATUS \t\n",
    b"STATUS\nRELOAD\nSTATUS\n", b"A" * 1023 + b"\n", b"A" * 1022 + b"\n", b"\n",
]


def nasty(path):
    bad = 0
    for p in NASTY:
        r, e = talk(path, p)
        first = r.split(b"\n", 1)[0].decode("utf-8", "replace")
        ok = not e and (first.startswith("OK") or first.startswith("ERR"))
        bad += not ok
        print("%s sent %r -> %s" % ("ok" if ok else "BAD", p[:48], e or first[:100]))
    return 1 if bad else 0


def huge(path, nbytes):
    nbytes = int(nbytes)
    t = time.time()
    try:
        s = connect(path)
    except OSError as e:
        print("connect: %s" % e)
        return 1
    sent, err = 0, None
    chunk = b"A" * 65536
    try:
        while sent < nbytes:
            sent += s.send(chunk[:min(len(chunk), nbytes - sent)])
    except OSError as e:
        err = str(e)
    reply, rerr = read_to_eof(s, 10)
    err = err or rerr
    s.close()
    print("sent=%d of %d seconds=%.2f reply=%r stopped_by=%s"
          % (sent, nbytes, time.time() - t, reply.split(b"\n", 1)[0][:60], err or "eof"))
    return 0


def idle(path, n, seconds):
    """N non-blocking connects; those the listen backlog has no room for fail at once"""
    socks, again, other = [], 0, 0
    t = time.time()
    for _ in range(int(n)):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(path)
            socks.append(s)
        except BlockingIOError:
            again += 1
            s.close()
        except OSError:
            other += 1
            s.close()
    time.sleep(max(0.0, float(seconds) - (time.time() - t)))
    for s in socks:
        s.close()
    print("clients=%d connected=%d backlog_full=%d failed=%d held_seconds=%.2f"
          % (int(n), len(socks), again, other, time.time() - t))
    return 0


def trickle(path, seconds):
    t = time.time()
    try:
        s = connect(path)
    except OSError as e:
        print("connect: %s" % e)
        return 1
    sent, err = 0, None
    try:
        while time.time() - t < float(seconds):
            s.send(b"S")
            sent += 1
            time.sleep(0.2)
    except OSError as e:
        err = str(e)
    s.close()
    print("sent=%d bytes seconds=%.2f stopped_by=%s" % (sent, time.time() - t, err or "client"))
    return 0


def half(path, seconds):
    try:
        s = connect(path)
    except OSError as e:
        print("connect: %s" % e)
        return 1
    t = time.time()
    s.sendall(b"STAT")
    reply, err = read_to_eof(s, float(seconds))
    s.close()
    print("closed_after=%.2f reply=%r stopped_by=%s"
          % (time.time() - t, reply.split(b"\n", 1)[0][:80], err or "eof"))
    return 0


def main():
    modes = {"burst": burst, "garbage": garbage, "nasty": nasty, "huge": huge, "idle": idle,
             "trickle": trickle, "half": half}
    if len(sys.argv) < 3 or sys.argv[1] not in modes:
        print(__doc__, file=sys.stderr)
        return 2
    return modes[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
