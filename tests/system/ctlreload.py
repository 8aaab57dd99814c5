#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""ctlreload.py - many RELOADs at once while a list changes under them.

usage: ctlreload.py SOCKET N LIST

A writer thread renames a new version of LIST over it every few
milliseconds: version V holds V entries, so a reload's answer ("allow V
entries") says which version it read.  N clients then send RELOAD at
once.  Before its request each client notes the version on disk and the
generation in force (from STATUS).  A reload that started after the
request read that version or a later one, and made a later generation.
Prints one line:

  clients=N ok=K stale_version=S stale_generation=G generations=D min=A max=B max_latency=T

(D: distinct generations among the answers; S, G: answers from a reload
that could not have started after its request) and exits 0 when every
client got an OK and none was stale.
"""
import os
import re
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "lib")]
from ctlabuse import run_threads  # noqa: E402
from rmctl import talk  # noqa: E402

ANSWER = re.compile(rb"^OK reloaded generation (\d+): deny \d+, allow (\d+), local \d+ entries")


def write_version(path, v):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        for i in range(v):
            f.write("198.18.%d.%d\n" % (i // 250, i % 250 + 1))
    os.chmod(tmp, 0o644)
    os.rename(tmp, path)


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    sock, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    lock, version, stop = threading.Lock(), [1], threading.Event()
    write_version(path, 1)

    def writer():
        v = 1
        while not stop.is_set():
            v += 1
            write_version(path, v)
            with lock:
                version[0] = v
            time.sleep(0.005)

    def client(i):
        with lock:
            want = version[0]
        st, _ = talk(sock, b"STATUS\n")
        m = re.search(rb"^generation: (\d+)$", st, re.M)
        gen0 = int(m.group(1)) if m else -1
        t = time.time()
        r, e = talk(sock, b"RELOAD\n", timeout=60)
        return want, gen0, r, e, time.time() - t

    w = threading.Thread(target=writer)
    w.start()
    time.sleep(0.05)
    try:
        res, _ = run_threads(n, client)
    finally:
        stop.set()
        w.join()
    ok = stale_v = stale_g = 0
    gens = set()
    for want, gen0, r, e, _ in res:
        m = ANSWER.match(r)
        if not m:
            print("# not OK: %r %s" % (r[:100], e or ""))
            continue
        ok += 1
        gen, allow = int(m.group(1)), int(m.group(2))
        gens.add(gen)
        stale_v += allow < want
        stale_g += gen <= gen0
    print("clients=%d ok=%d stale_version=%d stale_generation=%d generations=%d min=%d max=%d max_latency=%.3f"
          % (n, ok, stale_v, stale_g, len(gens), min(gens or {0}), max(gens or {0}),
             max(x[4] for x in res)))
    return 0 if ok == n and stale_v == 0 and stale_g == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
