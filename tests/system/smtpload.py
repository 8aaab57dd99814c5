#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""smtpload.py - SMTP load whose every relay decision can be checked.

Used by bench/soak.sh and bench/kill-under-load.sh (not by `make check`).

It talks to a Postfix that has relaymilter attached (tests/e2e/lib.sh builds
one) from many parallel sessions, each from a 127.0.0.x source address, and
records the time and reply of every step.  With --reload-interval it also
reloads relaymilter through its control socket, cycling through two good
list sets, A and B, whose answers differ for some clients, and bad ones that
must be refused (the old policy stays in force), and it records each
reload's time window and answer.  At the end it checks every decision
against the policy that was, or could have been, in force while it was
made, and prints a summary.  Exit 0 if everything held.

    smtpload.py prepare --dir DIR [--filler N]
        write the lists of set A (and keep relaymilter.conf as the good one)
    smtpload.py sanity --dir DIR --ctl SOCKET [--filler N]
        load A, B and every bad set; compare CHECK for every client with the
        model; the bad sets must be refused
    smtpload.py run --dir DIR --ctl SOCKET --port PORT [--pid PID]
        [--seconds S] [--concurrency N] [--reload-interval S] [--filler N]
        [--smtp-source PATH [--smtp-source-sessions N]] [--events FILE]
        [--stop-file FILE] [--report FILE] [--details FILE] [--mutate] ...
    (--help lists every option)

The policy (relay_flags = deny, allow), clients 127.0.0.10 - 127.0.0.41:
  A: allow 127.0.0.1, 127.0.0.10-127.0.0.25; deny 127.0.0.12, 127.0.0.14/31
  B: allow 127.0.0.1, 127.0.0.10, 127.0.0.18-127.0.0.21, 127.0.0.24;255.255.255.248;
     deny 127.0.0.20, 127.0.0.30/31
  A and B disagree on 127.0.0.11, .13, .16, .17, .20, .22, .23, .26 - .29.
Both also hold --filler entries each (distinct, in 10.0.0.0/9 and
10.128.0.0/9), so that a snapshot is big enough for a leaked one to show
in the daemon's RSS.  Every bad set would, if any of it were loaded, let
127.0.0.40 and .41 relay, which no good set does.

A decision is wrong when it contradicts every policy that could have been
in force between sending RCPT and reading its reply: the one in force
before, and the one of each reload whose window [sent, answered] overlaps.

The bad sets: an allow.list whose last line is an error (everything before
it parsed), a deny.list with an error, a relaymilter.conf with an unknown
setting, an allow.list over max_entries, a group-writable allow.list.

--events FILE (kill-under-load): lines "kill K0 K1" and "restart T0 T1"
(Unix times: kill sent at K0, the daemon reaped at K1, restart begun at T0,
serving at T1).  Sessions are then judged by the phase they ran in: while
the daemon is down every session must be refused with 4xx and nothing may
relay.

--mutate judges against a wrong model (A and B swapped): the run must then
report wrong decisions, which shows that the check can fail.
"""
import argparse
import array
import asyncio
import bisect
import ipaddress
import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rmctl  # noqa: E402

CLIENTS = ["127.0.0.%d" % i for i in range(10, 42)]
BAIT = ["127.0.0.40", "127.0.0.41"]

SETS = {
    "A": {"allow": ["127.0.0.1", "127.0.0.10-127.0.0.25"],
          "deny": ["127.0.0.12", "127.0.0.14/31"]},
    "B": {"allow": ["127.0.0.1", "127.0.0.10", "127.0.0.18-127.0.0.21", "127.0.0.24;255.255.255.248"],
          "deny": ["127.0.0.20", "127.0.0.30/31"]},
}
# The bad sets, each refused for a different reason.  Each would let the
# bait clients relay if any part of it were loaded.
BAD = ["bad-allow-line", "bad-deny-line", "bad-config", "over-max-entries", "group-writable"]

LOCAL_DOMAIN = "local.test"
DENIED_RE = re.compile(r"^5\.7\.1 .*Relay access denied")

# result codes of one RCPT
R_OK, R_DENIED, R_TEMP, R_OTHER = 0, 1, 2, 3
# session flags
F_DONE, F_TEMP, F_ERROR, F_RELAYED = 1, 2, 4, 8


# ------------------------------------------------------------------ the model

def _ip(s):
    return int(ipaddress.IPv4Address(s))


def entry_range(e):
    """(lo, hi) of an IPv4 entry in one of the forms the sets use"""
    if "-" in e:
        a, b = e.split("-")
        return _ip(a), _ip(b)
    if ";" in e:
        a, m = e.split(";")
        net = ipaddress.IPv4Network("%s/%s" % (a, m))
    else:
        net = ipaddress.IPv4Network(e)
    return int(net.network_address), int(net.broadcast_address)


def decide(setname, ip):
    """relay_flags = deny, allow: True if ip may relay under the set"""
    s, v = SETS[setname], _ip(ip)
    if any(lo <= v <= hi for lo, hi in map(entry_range, s["deny"])):
        return False
    if any(lo <= v <= hi for lo, hi in map(entry_range, s["allow"])):
        return True
    return False


def expected_table():
    """{set: [allow? per client index]}"""
    return {n: [decide(n, c) for c in CLIENTS] for n in SETS}


# ------------------------------------------------------------------ the files

def filler(setname, n):
    """n distinct IPv4 hosts (and a few IPv6 prefixes) away from 127/8"""
    rnd = random.Random("filler-" + setname)
    base = 0x0A000000 if setname == "A" else 0x0A800000       # 10.0.0.0/9, 10.128.0.0/9
    hosts = rnd.sample(range(1, 1 << 23), n) if n else []
    out = ["%s" % ipaddress.IPv4Address(base + h) for h in hosts]
    out += ["2001:db8:%x::/48" % (rnd.randrange(1 << 16)) for _ in range(min(n, 64))]
    return list(dict.fromkeys(out))


def write_file(path, lines, mode=0o644):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("# %s, written by smtpload.py\n" % os.path.basename(path))
        for l in lines:
            f.write(l + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, mode)
    os.replace(tmp, path)


class Files:
    """writes the sets into DIR: allow.list, deny.list, relaymilter.conf"""

    def __init__(self, d, nfiller):
        self.d = d
        good = os.path.join(d, "relaymilter.conf.good")
        conf = os.path.join(d, "relaymilter.conf")
        if not os.path.exists(good):
            with open(conf) as f, open(good, "w") as g:
                g.write(f.read())
        with open(good) as f:
            self.conf = f.read()
        m = re.search(r"^max_entries\s*=\s*(\d+)", self.conf, re.M)
        self.max_entries = int(m.group(1)) if m else None
        self.nfiller = nfiller
        self.fill = {n: filler(n, nfiller) for n in SETS}
        if self.max_entries is not None and self.max_entries <= nfiller + 64 + 8:
            raise SystemExit("smtpload: max_entries %d leaves no room for %d filler entries"
                             % (self.max_entries, nfiller))

    def path(self, name):
        return os.path.join(self.d, name)

    def write(self, which):
        """write a set; returns nothing.  Good sets rewrite the good conf."""
        conf = self.conf
        mode = 0o644
        if which in SETS:
            allow = SETS[which]["allow"] + self.fill[which]
            deny = SETS[which]["deny"]
        elif which == "bad-allow-line":
            # the error is the last line: everything before it parsed
            allow = SETS["A"]["allow"] + self.fill["A"] + ["127.0.0.40/31", "127.0.0.256"]
            deny = SETS["A"]["deny"]
        elif which == "bad-deny-line":
            allow = ["127.0.0.0/24"]
            deny = ["127.0.0.12", "10.0.0.0/"]
        elif which == "bad-config":
            allow = ["127.0.0.0/24"]
            deny = []
            conf = self.conf + "no_such_setting = 1\n"
        elif which == "over-max-entries":
            if self.max_entries is None:
                return self.write("bad-allow-line")
            allow = ["127.0.0.0/24"] + ["10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
                                        for i in range(self.max_entries + 1)]
            deny = []
        elif which == "group-writable":
            allow = ["127.0.0.0/24"]
            deny = []
            mode = 0o664
        else:
            raise ValueError(which)
        write_file(self.path("deny.list"), deny)
        write_file(self.path("allow.list"), allow, mode)
        tmp = self.path("relaymilter.conf.tmp")
        with open(tmp, "w") as f:
            f.write(conf)
        os.chmod(tmp, 0o644)
        os.replace(tmp, self.path("relaymilter.conf"))


RELOAD_OK = re.compile(r"^OK reloaded generation (\d+):")
RELOAD_ERR = re.compile(r"^ERR reload failed; previous lists remain in force \(generation (\d+)\)")


# ------------------------------------------------------------------ the load

class Rec:
    """everything observed, compactly"""

    def __init__(self):
        # per session
        self.s_t0 = array.array("d")
        self.s_t1 = array.array("d")
        self.s_client = array.array("b")
        self.s_flags = array.array("b")
        # per RCPT
        self.d_sess = array.array("l")
        self.d_t0 = array.array("d")
        self.d_t1 = array.array("d")
        self.d_client = array.array("b")
        self.d_relay = array.array("b")
        self.d_res = array.array("b")
        # anomalies: (session, t0, t1, step, reply)
        self.anom = []
        self.messages = 0
        # reloads: (t_send, t_recv, set, answer first line, ok?, generation)
        self.reloads = []
        self.rss = []           # (t, VmRSS kB, threads, fds)


class Session:
    def __init__(self, rec, idx, timeout):
        self.rec, self.idx, self.timeout = rec, idx, timeout
        self.flags = 0
        self.r = self.w = None

    def anomaly(self, t0, step, reply):
        self.rec.anom.append((self.idx, t0, time.time(), step, reply))

    async def reply(self):
        lines = []
        while True:
            l = await asyncio.wait_for(self.r.readline(), self.timeout)
            if not l:
                return "000", "connection closed"
            l = l.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(l[4:])
            if len(l) < 4 or l[3] != "-":
                return l[:3], lines[0]

    async def cmd(self, line):
        self.w.write(line.encode() + b"\r\n")
        return await self.reply()

    def expect(self, t0, step, code, text, want):
        if code.startswith(want):
            return True
        if code.startswith("4"):
            self.flags |= F_TEMP
        else:
            self.flags |= F_ERROR
        self.anomaly(t0, step, "%s %s" % (code, text))
        return False


async def one_session(args, rec, ci, rnd):
    idx = len(rec.s_t0)
    t_start = time.time()
    rec.s_t0.append(t_start)
    rec.s_t1.append(0.0)
    rec.s_client.append(ci)
    rec.s_flags.append(0)
    s = Session(rec, idx, args.timeout)
    client = CLIENTS[ci]
    try:
        s.r, s.w = await asyncio.wait_for(
            asyncio.open_connection(args.dst, args.port, local_addr=(client, 0)), args.timeout)
        t0 = time.time()
        code, text = await s.reply()
        if not s.expect(t0, "CONNECT", code, text, "220"):
            return
        t0 = time.time()
        code, text = await s.cmd("EHLO soak.example")
        if not s.expect(t0, "EHLO", code, text, "250"):
            return
        for _ in range(rnd.randint(1, args.max_tx)):
            t0 = time.time()
            code, text = await s.cmd("MAIL FROM:<soak@%s>" % LOCAL_DOMAIN)
            if not s.expect(t0, "MAIL", code, text, "250"):
                break
            rcpts = ["r%d@remote%d.example" % (rnd.randrange(100), rnd.randrange(3))
                     for _ in range(rnd.randint(1, 2))]
            if rnd.random() < 0.3:
                rcpts.insert(rnd.randrange(len(rcpts) + 1), "u%d@%s" % (rnd.randrange(100), LOCAL_DOMAIN))
            accepted = 0
            for rc in rcpts:
                relay = not rc.endswith("@" + LOCAL_DOMAIN)
                t0 = time.time()
                code, text = await s.cmd("RCPT TO:<%s>" % rc)
                t1 = time.time()
                if code == "250":
                    res = R_OK
                    accepted += 1
                    if relay:
                        s.flags |= F_RELAYED
                elif code == "550" and relay and DENIED_RE.match(text):
                    res = R_DENIED
                elif code.startswith("4"):
                    res = R_TEMP
                    s.flags |= F_TEMP
                    s.anomaly(t0, "RCPT", "%s %s" % (code, text))
                else:
                    res = R_OTHER
                    s.flags |= F_ERROR
                    s.anomaly(t0, "RCPT", "%s %s" % (code, text))
                rec.d_sess.append(idx)
                rec.d_t0.append(t0)
                rec.d_t1.append(t1)
                rec.d_client.append(ci)
                rec.d_relay.append(1 if relay else 0)
                rec.d_res.append(res)
            if accepted and rnd.random() < args.data_ratio:
                t0 = time.time()
                code, text = await s.cmd("DATA")
                if not s.expect(t0, "DATA", code, text, "354"):
                    break
                code, text = await s.cmd("Subject: soak\r\n\r\nsoak test\r\n.")
                if not s.expect(t0, "DATA", code, text, "250"):
                    break
                rec.messages += 1
            else:
                t0 = time.time()
                code, text = await s.cmd("RSET")
                if not s.expect(t0, "RSET", code, text, "250"):
                    break
        else:
            t0 = time.time()
            code, text = await s.cmd("QUIT")
            if s.expect(t0, "QUIT", code, text, "221"):
                s.flags |= F_DONE
    except asyncio.TimeoutError:
        s.flags |= F_ERROR
        s.anomaly(t_start, "TIMEOUT", "no reply within %gs" % args.timeout)
    except OSError as e:
        s.flags |= F_ERROR
        s.anomaly(t_start, "SOCKET", str(e))
    finally:
        if s.w is not None:
            s.w.close()
            try:
                await s.w.wait_closed()
            except OSError:
                pass
        rec.s_t1[idx] = time.time()
        rec.s_flags[idx] = s.flags


class Deadline:
    """when the load stops: --seconds after the start, or once --stop-file exists"""

    def __init__(self, seconds):
        self.t = time.time() + seconds

    def __float__(self):
        return self.t

    def left(self):
        return self.t - time.time()


async def stop_watch(args, dl):
    if not args.stop_file:
        return
    while dl.left() > 0:
        if os.path.exists(args.stop_file):
            dl.t = time.time()
            return
        await asyncio.sleep(0.1)


async def worker(args, rec, dl, wid):
    rnd = random.Random(wid * 7919 + os.getpid())
    while dl.left() > 0:
        await one_session(args, rec, rnd.randrange(len(CLIENTS)), rnd)


def sample_rss(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            st = f.read()
        rss = int(re.search(r"^VmRSS:\s+(\d+)", st, re.M).group(1))
        thr = int(re.search(r"^Threads:\s+(\d+)", st, re.M).group(1))
        fds = len(os.listdir("/proc/%d/fd" % pid))
        return rss, thr, fds
    except (OSError, AttributeError):
        return None


async def sampler(args, rec, dl):
    while True:
        if args.pid:
            v = sample_rss(args.pid)
            if v:
                rec.rss.append((time.time(),) + v)
        if dl.left() <= 0:
            return
        await asyncio.sleep(min(args.rss_interval, max(0.0, dl.left())))


def reload_cycle():
    """A, B, bad, B, A, bad, ... with the bad sets in turn"""
    k = 0
    while True:
        for name in ("A", "B", None, "B", "A", None):
            if name is None:
                yield BAD[k % len(BAD)]
                k += 1
            else:
                yield name


async def reloader(args, rec, files, dl):
    cyc = reload_cycle()
    next(cyc)                       # A is in force at the start
    next_t = time.time() + args.reload_interval
    while True:
        await asyncio.sleep(max(0.0, next_t - time.time()))
        if dl.left() <= 0:
            return
        next_t += args.reload_interval
        which = next(cyc)
        files.write(which)
        t0 = time.time()
        try:
            ans = await rmctl.request_async(args.ctl, "RELOAD")
        except (OSError, asyncio.TimeoutError) as e:
            ans = "NO ANSWER %s" % e
        t1 = time.time()
        first = ans.splitlines()[0] if ans else "(empty)"
        m = RELOAD_OK.match(first) or RELOAD_ERR.match(first)
        rec.reloads.append((t0, t1, which, first, first.startswith("OK "),
                            int(m.group(1)) if m else None, ans))


async def smtp_source_loop(args, rec, dl):
    """smtp-source batches from 127.0.0.1 (allowed in every good set)"""
    st = {"batches": 0, "messages": 0, "failed": 0, "errors": []}
    rec.smtp_source = st
    if not args.smtp_source or args.smtp_source_sessions <= 0:
        return
    while dl.left() > 1:
        p = await asyncio.create_subprocess_exec(
            args.smtp_source, "-s", str(args.smtp_source_sessions), "-m", str(args.smtp_source_batch),
            "-f", "soak@" + LOCAL_DOMAIN, "-t", "s@remote.example", "-l", "512",
            "%s:%d" % (args.dst, args.port),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await p.communicate()
        st["batches"] += 1
        if p.returncode == 0 and not out.strip():
            st["messages"] += args.smtp_source_batch
        else:
            st["failed"] += 1
            st["errors"].append((time.time(), p.returncode, out.decode("utf-8", "replace")[-300:]))


async def run_load(args, rec, files):
    dl = Deadline(args.seconds)
    tasks = [asyncio.ensure_future(worker(args, rec, dl, i)) for i in range(args.concurrency)]
    side = [asyncio.ensure_future(sampler(args, rec, dl)),
            asyncio.ensure_future(smtp_source_loop(args, rec, dl)),
            asyncio.ensure_future(stop_watch(args, dl))]
    if args.reload_interval > 0:
        side.append(asyncio.ensure_future(reloader(args, rec, files, dl)))
    await asyncio.gather(*tasks, *side)


# ------------------------------------------------------------------ judging

def judge_soak(rec, exp, init_set):
    """wrong decisions against the reload timeline; returns (wrong list, ambiguous count)"""
    ok = [r for r in rec.reloads if r[4]]
    ts = [float("-inf")] + [r[0] for r in ok]           # window of policy j: [ts[j], tr[j+1]]
    tr = [float("-inf")] + [r[1] for r in ok] + [float("inf")]
    sets = [init_set] + [r[2] for r in ok]
    wrong, ambiguous = [], 0
    for i in range(len(rec.d_t0)):
        res = rec.d_res[i]
        if res not in (R_OK, R_DENIED):
            continue                                    # counted as a failed session
        if not rec.d_relay[i]:
            if res != R_OK:
                wrong.append((i, "local recipient refused"))
            continue
        s, e, c = rec.d_t0[i], rec.d_t1[i], rec.d_client[i]
        jmax = bisect.bisect_right(ts, e) - 1
        jmin = bisect.bisect_left(tr, s) - 1
        jmin = max(jmin, 0)
        cand = {exp[sets[j]][c] for j in range(jmin, jmax + 1)}
        if len(cand) > 1:
            ambiguous += 1
        if (res == R_OK) not in cand:
            wrong.append((i, "in force: %s" % ",".join(sorted({sets[j] for j in range(jmin, jmax + 1)}))))
    return wrong, ambiguous


def read_events(path):
    kills, restarts = [], []
    if path and os.path.exists(path):
        with open(path) as f:
            for l in f:
                w = l.split()
                if w and w[0] == "kill":
                    kills.append((float(w[1]), float(w[2])))
                elif w and w[0] == "restart":
                    restarts.append((float(w[1]), float(w[2])))
    return kills, restarts


def fmt_t(t, t0):
    return "%.3f" % (t - t0)


def main_run(args):
    files = Files(args.dir, args.filler)
    rec = Rec()
    exp = expected_table()
    if args.mutate:
        # judge against a wrong model: shows that the check does catch wrong decisions
        exp = {"A": exp["B"], "B": exp["A"]}
    st0 = rmctl.status(args.ctl)
    gen0 = int(st0.get("generation", "0"))
    rss0 = sample_rss(args.pid) if args.pid else None
    t_begin = time.time()
    asyncio.run(run_load(args, rec, files))
    t_end = time.time()
    # let the daemon settle, then its counters and memory
    time.sleep(1)
    st1 = rmctl.status(args.ctl) if not args.events else {}
    rss1 = sample_rss(args.pid) if args.pid and not args.events else None

    nsess = len(rec.s_t0)
    ndec = len(rec.d_t0)
    nrelay = sum(rec.d_relay)
    out = []
    p = out.append
    fail = False
    p("duration: %.1f s, %d parallel sessions from %d client addresses (127.0.0.10-41)"
      % (t_end - t_begin, args.concurrency, len(CLIENTS)))

    if not args.events:
        wrong, ambiguous = judge_soak(rec, exp, "A")
        failed = [i for i in range(nsess) if rec.s_flags[i] & (F_TEMP | F_ERROR)]
        rl = rec.reloads
        r_ok = sum(1 for r in rl if r[4])
        r_bad_expected = sum(1 for r in rl if r[2] not in SETS)
        # every good set must load, every bad one must be refused, generations in step
        r_wrong = []
        gen = gen0
        for r in rl:
            t0, t1, which, first, okk, g, ans = r
            if which in SETS:
                if not okk or g != gen + 1:
                    r_wrong.append(r)
                if okk and g is not None:
                    gen = g
            else:
                if okk or g != gen:
                    r_wrong.append(r)
                    if okk and g is not None:
                        gen = g
        sess_s = nsess / max(t_end - t_begin, 1e-9)
        p("sessions (python client): %d (%.1f/s), completed %d, failed %d"
          % (nsess, sess_s, sum(1 for f in rec.s_flags if f & F_DONE), len(failed)))
        p("decisions: %d RCPTs (%d relay: %d allowed, %d denied; %d local), messages sent (DATA): %d"
          % (ndec, nrelay,
             sum(1 for i in range(ndec) if rec.d_relay[i] and rec.d_res[i] == R_OK),
             sum(1 for i in range(ndec) if rec.d_relay[i] and rec.d_res[i] == R_DENIED),
             ndec - nrelay, rec.messages))
        p("decisions made while a reload was in flight and A and B disagreed: %d" % ambiguous)
        ss = rec.smtp_source
        if args.smtp_source and args.smtp_source_sessions > 0:
            p("smtp-source (127.0.0.1, %d parallel): %d batches, %d messages, %d failed batches"
              % (args.smtp_source_sessions, ss["batches"], ss["messages"], ss["failed"]))
            for e in ss["errors"][:5]:
                p("  smtp-source failure at +%s: exit %s: %s" % (fmt_t(e[0], t_begin), e[1], e[2].strip()))
        p("reloads: %d (ok %d, refused %d; bad sets sent %d); unexpected reload answers: %d; generation %d -> %s"
          % (len(rl), r_ok, len(rl) - r_ok, r_bad_expected, len(r_wrong), gen0, st1.get("generation", "?")))
        kinds = {}
        for r in rl:
            kinds.setdefault(r[2], [0, 0])[0 if r[4] else 1] += 1
        p("  by set: " + ", ".join("%s %d ok/%d refused" % (k, v[0], v[1]) for k, v in sorted(kinds.items())))
        if rl:
            lat = sorted(r[1] - r[0] for r in rl)
            p("  reload answer time: median %.1f ms, max %.1f ms"
              % (lat[len(lat) // 2] * 1000, lat[-1] * 1000))
        for r in r_wrong[:5]:
            p("  unexpected: set %s at +%s: %s" % (r[2], fmt_t(r[0], t_begin), r[3]))
        # the daemon's own counters: every RCPT we and smtp-source sent was decided once
        if st0 and st1:
            def dsum(st, keys):
                return sum(int(st.get(k, "0")) for k in keys)
            relay_keys = ["decisions_deny_list", "decisions_allow_list", "decisions_default_deny",
                          "decisions_deny_only", "decisions_local_ip", "decisions_auth"]
            d_relay = dsum(st1, relay_keys) - dsum(st0, relay_keys)
            d_local = dsum(st1, ["decisions_local_recipient"]) - dsum(st0, ["decisions_local_recipient"])
            d_err = dsum(st1, ["decisions_error"]) - dsum(st0, ["decisions_error"])
            mine_relay = sum(1 for i in range(ndec) if rec.d_relay[i] and rec.d_res[i] in (R_OK, R_DENIED))
            ss_rcpt = ss["messages"] if ss else 0
            mine_local = sum(1 for i in range(ndec) if not rec.d_relay[i] and rec.d_res[i] == R_OK)
            p("daemon counters: %d relay decisions (client side: %d python + %d smtp-source), "
              "%d local (client side: %d), %d errors" % (d_relay, mine_relay, ss_rcpt, d_local, mine_local, d_err))
            if d_err:
                fail = True
                p("  the daemon counted decisions it could not make")
            if d_relay != mine_relay + ss_rcpt or d_local != mine_local:
                fail = True
                p("  the daemon's counters do not match what the clients saw")
        p("wrong decisions: %d" % len(wrong))
        for i, why in wrong[:10]:
            p("  wrong: +%s..+%s client %s %s -> %s (%s)"
              % (fmt_t(rec.d_t0[i], t_begin), fmt_t(rec.d_t1[i], t_begin), CLIENTS[rec.d_client[i]],
                 "relay" if rec.d_relay[i] else "local", "250" if rec.d_res[i] == R_OK else "550", why))
        p("failed sessions: %d" % len(failed))
        for a in rec.anom[:10]:
            p("  failure: session %d client %s at +%s: %s %s"
              % (a[0], CLIENTS[rec.s_client[a[0]]], fmt_t(a[1], t_begin), a[3], a[4]))
        if wrong or failed or r_wrong or (ss and ss["failed"]) or nsess == 0:
            fail = True
    else:
        fail = judge_kill(args, rec, exp, t_begin, p) or fail

    # memory
    if rec.rss or rss0:
        warm_t = t_begin + min(60.0, (t_end - t_begin) / 10)
        warm = next((r for r in rec.rss if r[0] >= warm_t), rec.rss[0] if rec.rss else None)
        peak = max(rec.rss, key=lambda r: r[1]) if rec.rss else None
        if rss0:
            p("daemon RSS: start %d kB (threads %d, fds %d)" % rss0)
        if warm:
            p("daemon RSS: after warm-up (+%.0f s) %d kB (threads %d, fds %d)"
              % (warm[0] - t_begin, warm[1], warm[2], warm[3]))
        if peak:
            p("daemon RSS: peak under load %d kB at +%.0f s" % (peak[1], peak[0] - t_begin))
        if rss1:
            p("daemon RSS: end (load stopped) %d kB (threads %d, fds %d)" % rss1)
        if rss1 and warm:
            grow = rss1[0] - warm[1]
            limit = max(args.rss_slack_kb, warm[1] * args.rss_slack_pct / 100.0)
            p("daemon RSS growth after warm-up: %+d kB (limit %d kB)" % (grow, limit))
            if grow > limit:
                fail = True
                p("  RSS grew beyond the noise limit")
            # fds must come back to where they were
            if rss0 and rss1[2] > rss0[2]:
                p("  fds: %d at start, %d at the end" % (rss0[2], rss1[2]))
                fail = True
        if args.rss_series and rec.rss:
            with open(args.rss_series, "w") as f:
                for r in rec.rss:
                    f.write("%.1f %d %d %d\n" % (r[0] - t_begin, r[1], r[2], r[3]))
    p("RESULT: %s" % ("FAIL" if fail else "PASS"))
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    if args.report:
        with open(args.report, "w") as f:
            f.write(text)
    if args.details:
        with open(args.details, "w") as f:
            for r in rec.reloads:
                f.write("reload +%s +%s %s %s\n" % (fmt_t(r[0], t_begin), fmt_t(r[1], t_begin), r[2],
                                                     r[6].replace("\n", " | ")[:500]))
            for a in rec.anom:
                f.write("anomaly session %d client %s +%s +%s %s %s\n"
                        % (a[0], CLIENTS[rec.s_client[a[0]]], fmt_t(a[1], t_begin),
                           fmt_t(a[2], t_begin), a[3], a[4]))
    return 1 if fail else 0


def judge_kill(args, rec, exp, t_begin, p):
    """kill-under-load: judge sessions by the phase they ran in"""
    kills, restarts = read_events(args.events)
    if not kills or len(restarts) != len(kills):
        p("events: %d kills, %d restarts: the run did not go as planned" % (len(kills), len(restarts)))
        return True
    # down: [reaped, restart begun]; mixed: anything that overlaps [kill sent, serving]
    down = [(k[1], r[0]) for k, r in zip(kills, restarts)]
    rest = list(restarts)
    nsess = len(rec.s_t0)

    def phase(t0, t1):
        for k, r0 in down:
            if t0 >= k and t1 <= r0:
                return "down"
        for k, (r0, r1) in zip(kills, rest):
            if t1 >= k[0] and t0 <= r1:
                return "mixed"          # ran across a kill or a restart
        return "up"

    ph = {"up": [], "down": [], "mixed": []}
    for i in range(nsess):
        ph[phase(rec.s_t0[i], rec.s_t1[i])].append(i)
    anom_by = {}
    for a in rec.anom:
        anom_by.setdefault(a[0], []).append(a)
    dec_by = {}
    for i in range(len(rec.d_t0)):
        dec_by.setdefault(rec.d_sess[i], []).append(i)

    def wrong_decisions(s):
        w = 0
        for i in dec_by.get(s, []):
            res = rec.d_res[i]
            if rec.d_relay[i]:
                if res == R_OK and not exp["A"][rec.d_client[i]]:
                    w += 1
                elif res == R_DENIED and exp["A"][rec.d_client[i]]:
                    w += 1
            elif res not in (R_OK, R_TEMP):
                w += 1
        return w

    fail = False
    for k, (r0, r1) in zip(kills, rest):
        p("kill -9 at +%.2f s (reaped %.1f ms later); restart begun at +%.2f s, serving again at +%.2f s "
          "(restart took %.2f s)" % (k[0] - t_begin, (k[1] - k[0]) * 1000, r0 - t_begin, r1 - t_begin, r1 - r0))
    # up: everything clean
    up_failed = [s for s in ph["up"] if rec.s_flags[s] & (F_TEMP | F_ERROR)]
    up_wrong = sum(wrong_decisions(s) for s in ph["up"])
    p("sessions while relaymilter was up: %d; failed %d; wrong decisions %d"
      % (len(ph["up"]), len(up_failed), up_wrong))
    # down: every session tempfailed, none relayed, nothing else went wrong
    d = ph["down"]
    d_temp = sum(1 for s in d if rec.s_flags[s] & F_TEMP)
    d_err = [s for s in d if rec.s_flags[s] & F_ERROR]
    d_relayed = [s for s in d if rec.s_flags[s] & F_RELAYED]
    d_notemp = [s for s in d if not rec.s_flags[s] & F_TEMP]
    steps = {}
    for s in d:
        for a in anom_by.get(s, []):
            key = "%s %s" % (a[3], a[4][:40])
            steps[key] = steps.get(key, 0) + 1
    p("sessions while relaymilter was down: %d; tempfailed (4xx) %d; relayed %d; "
      "other failures (no 4xx answer, refused connection, timeout) %d"
      % (len(d), d_temp, len(d_relayed), len(d_err) + len(d_notemp)))
    for k, v in sorted(steps.items(), key=lambda kv: -kv[1])[:4]:
        p("  %6d x %s" % (v, k))
    # mixed: whatever they got, never a wrong decision and never a hang
    m = ph["mixed"]
    m_err = [s for s in m if rec.s_flags[s] & F_ERROR]
    m_wrong = sum(wrong_decisions(s) for s in m)
    m_temp = sum(1 for s in m if rec.s_flags[s] & F_TEMP)
    p("sessions across a kill or restart: %d; tempfailed %d; wrong decisions %d; errors %d"
      % (len(m), m_temp, m_wrong, len(m_err)))
    # recovery: the first correct decision after each restart
    for k, (r0, r1) in zip(kills, rest):
        k = k[0]
        first_temp = min((a[2] for a in rec.anom if a[2] >= k and a[3] in ("MAIL", "RCPT")), default=None)
        first_ok = min((rec.d_t1[i] for i in range(len(rec.d_t0))
                        if rec.d_t0[i] >= r0 and rec.d_relay[i] and rec.d_res[i] in (R_OK, R_DENIED)
                        and rec.s_t0[rec.d_sess[i]] >= r0), default=None)
        p("  kill at +%.2f: first 4xx %s after the kill; first decision %s after the restart began"
          % (k - t_begin,
             "%.3f s" % (first_temp - k) if first_temp else "never",
             "%.3f s" % (first_ok - r0) if first_ok else "never"))
        if first_ok is None:
            fail = True
    for s in (up_failed + d_err + d_notemp + m_err)[:10]:
        for a in anom_by.get(s, [])[:2]:
            p("  failure: session %d client %s +%s: %s %s"
              % (s, CLIENTS[rec.s_client[s]], fmt_t(a[1], t_begin), a[3], a[4]))
    for s in d_relayed[:10]:
        p("  RELAYED while down: session %d client %s +%s" % (s, CLIENTS[rec.s_client[s]],
                                                             fmt_t(rec.s_t0[s], t_begin)))
    ss = rec.smtp_source
    if args.smtp_source and args.smtp_source_sessions > 0:
        p("smtp-source: %d batches, %d failed (expected: those that ran while relaymilter was down)"
          % (ss["batches"], ss["failed"]))
    if up_failed or up_wrong or d_relayed or d_err or d_notemp or m_wrong or m_err or not d:
        fail = True
    return fail


def main_sanity(args):
    files = Files(args.dir, args.filler)
    exp = expected_table()
    bad = 0
    for name in ("A", "B", "A"):
        files.write(name)
        ans = rmctl.request(args.ctl, "RELOAD")
        if not ans.startswith("OK "):
            print("sanity: set %s was not loaded: %s" % (name, ans.strip()))
            return 1
        for ci, c in enumerate(CLIENTS + ["127.0.0.1"]):
            got = rmctl.request(args.ctl, "CHECK %s" % c)
            want = exp[name][ci] if ci < len(CLIENTS) else True
            if not got.startswith("OK allow" if want else "OK deny"):
                print("sanity: set %s, client %s: model says %s, daemon says %s"
                      % (name, c, "allow" if want else "deny", got.strip()))
                bad += 1
    differ = [CLIENTS[i] for i in range(len(CLIENTS)) if exp["A"][i] != exp["B"][i]]
    print("sanity: the daemon's CHECK agrees with the model for sets A and B (%d clients; "
          "A and B differ for %d: %s)" % (len(CLIENTS), len(differ), " ".join(d.split(".")[-1] for d in differ)))
    for b in BAD:
        files.write(b)
        ans = rmctl.request(args.ctl, "RELOAD")
        if not ans.startswith("ERR "):
            print("sanity: bad set %s was loaded: %s" % (b, ans.strip()))
            bad += 1
        for c in BAIT:
            got = rmctl.request(args.ctl, "CHECK %s" % c)
            if not got.startswith("OK deny"):
                print("sanity: after bad set %s, %s: %s" % (b, c, got.strip()))
                bad += 1
    files.write("A")
    ans = rmctl.request(args.ctl, "RELOAD")
    if not ans.startswith("OK "):
        print("sanity: set A was not loaded back: %s" % ans.strip())
        return 1
    print("sanity: every bad set (%s) is refused" % ", ".join(BAD))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["prepare", "sanity", "run"])
    ap.add_argument("--dir", required=True, help="relaymilter's directory (relaymilter.conf and lists)")
    ap.add_argument("--ctl", help="control socket")
    ap.add_argument("--port", type=int)
    ap.add_argument("--dst", default="127.0.0.1")
    ap.add_argument("--pid", type=int, default=0, help="relaymilter's pid (RSS samples)")
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--max-tx", type=int, default=3, help="transactions per session, at most")
    ap.add_argument("--data-ratio", type=float, default=0.3)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--reload-interval", type=float, default=1.0, help="0: no reloads")
    ap.add_argument("--filler", type=int, default=20000)
    ap.add_argument("--rss-interval", type=float, default=5.0)
    ap.add_argument("--rss-slack-kb", type=int, default=4096)
    ap.add_argument("--rss-slack-pct", type=float, default=10.0)
    ap.add_argument("--rss-series", help="write the RSS samples here")
    ap.add_argument("--smtp-source", help="smtp-source binary (adds load from 127.0.0.1)")
    ap.add_argument("--smtp-source-sessions", type=int, default=8)
    ap.add_argument("--smtp-source-batch", type=int, default=200)
    ap.add_argument("--events", help="kill-under-load events file")
    ap.add_argument("--stop-file", help="stop the load once this file exists")
    ap.add_argument("--mutate", action="store_true",
                    help="judge against a wrong model (A and B swapped): the run must FAIL")
    ap.add_argument("--report", help="also write the summary here")
    ap.add_argument("--details", help="write every reload and anomaly here")
    args = ap.parse_args()
    if args.what == "prepare":
        Files(args.dir, args.filler).write("A")
        return 0
    if args.what == "sanity":
        return main_sanity(args)
    if args.port is None or args.ctl is None:
        ap.error("run needs --port and --ctl")
    return main_run(args)


if __name__ == "__main__":
    sys.exit(main())
