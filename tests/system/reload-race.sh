#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/system/reload-race.sh - a list replaced, truncated or half-written
# while the daemon reloads.
#
# The real daemon (dropped to nobody when that user exists) runs with an
# allow list and a deny list.  The allow list comes in two whole versions of
# 20,002 entries: A allows 192.0.2.0/25 on its first entry line and
# 192.0.2.128/25 on its last, B the same with 198.51.100.0/25 and
# 198.51.100.128/25; both hold the same 20,000 10.x.y.0/24 entries between.
# Eight addresses are asked after every reload (CHECK on the control socket,
# as relayctl check --live does): a head and a tail address of each version,
# two fillers, and the two deny-listed hosts.  Their answers, with the file
# and line of the matching entry, must be exactly A's, exactly B's, or (only
# where the file really was empty) exactly those of an empty list; part of a
# version or a mixture of two (A's head and B's tail, say) is a failure.
#
# Every entry line is 32 bytes and the header 27, so each 4 KiB page
# boundary of a list file falls 5 bytes into an entry ("10.12", "192.0",
# "198.5": none is a valid entry).  A file being written in place is only
# ever seen empty, whole, or ending in such a cut, which the loader must
# refuse: so a reload that puts anything but A, B or nothing in force is a
# fault of the daemon, not of the writer.
#
#   1. replace by rename: a writer renames A and B over the list in turn
#      while RELOADs and SIGHUPs run; every reload loads, every policy is A
#      or B;
#   2. truncate and rewrite in place, in chunks cut mid-entry: every reload
#      either loads A, B or the empty list, or is refused with a clear error
#      naming the file (and line) and the previous policy stays, unchanged;
#   3. half-written files (a partial last line, cut in the middle of the
#      file or of an entry, a bad entry, a hole of NUL bytes): refused with
#      file, line, column and reason; A stays in force;
#   4. truncated to zero: an empty file is a legitimate empty list (the
#      loader cannot tell it from one, and nothing relays by it): it loads,
#      with 0 allow entries, and nobody relays by the allow list;
#   5. a second daemon whose reads of its allow list are slowed (4 KiB
#      and 2 ms per read(2), through an LD_PRELOAD shim built here; the
#      kernel may return a short read at any time, this only widens the
#      window): the list is appended to, truncated, rewritten in place or
#      replaced by rename while it is being read.  A file that changed while
#      it was read must be refused ("file changed while it was read") or
#      loaded whole as it now is, never loaded as part of one version or a
#      mix of two; the rename keeps the version that was opened;
# and then: the daemon's reload counters and its log agree with every
# reload issued (successes + failures = reloads), every refusal is logged
# with its error, a burst of SIGHUPs and RELOADs does not stop it, and at
# the end the same daemon runs, its fds are back where they were, and its
# decisions (miltertest, when installed) are A's.
#
# Prints "ok - NAME" / "not ok - NAME", then "N passed, N failed".
# Needs root (77 otherwise) and python3 (77 without).  Part 5 needs a C
# compiler ($CC, cc or gcc) and is skipped without one; the end-of-test
# milter sessions need miltertest and are skipped without it.
# RACE_RELOADS (default 1200) sets the reloads of each race.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

umask 022
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MILTERTEST:=$(command -v miltertest 2>/dev/null)}"
: "${RACE_RELOADS:=1200}"
RM=$top_builddir/milter/relaymilter
RELAYCTL=$top_builddir/cli/relayctl
LUA=$top_srcdir/tests/milter
PYTHON=$(command -v python3 || true)

. "$top_srcdir/tests/system/lib.sh"

[ "$(id -u)" = 0 ] || skip "not root (the daemon drops to nobody; the files are root's)"
[ -n "$PYTHON" ] || skip "python3 not found"
[ -x "$RM" ] || { not_ok "$RM is built"; finish; }
[ -x "$RELAYCTL" ] || { not_ok "$RELAYCTL is built"; finish; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rm-reloadrace.XXXXXX") || exit 2
chmod 755 "$TMP"
D=$TMP
mkdir -p "$D/run" "$D/slow/run" && chmod 755 "$D/run" "$D/slow" "$D/slow/run"

# ---------------------------------------------------------------------------
# race.py: the versions, the reloads, the probes and the races
cat > "$D/race.py" <<'PYEOF'
"""race.py - the reload race driver of tests/system/reload-race.sh.

Environment: RR_SOCK (control socket), RR_ALLOW, RR_DENY (the list paths as
the daemon names them), RR_PID (the daemon's pid, for SIGHUP), RR_DIR (where
A.list and B.list are), RR_HDR (header bytes: 27, or 32 for part 5),
RR_MARK (part 5: the file the read shim creates when the read begins).
"""
import os
import random
import re
import signal
import sys
import threading
import time

import rmctl                    # tests/lib, through PYTHONPATH

WIDTH = 32                      # every entry line, newline included
NFILL = 20000
HDR = int(os.environ.get("RR_HDR", "27"))
MARK = {"A": ("192.0.2.0/25", "192.0.2.128/25"),
        "B": ("198.51.100.0/25", "198.51.100.128/25")}
FILLERS = ["10.%d.%d.0/24" % (a, b) for a in range(100, 256) for b in range(100, 256)][:NFILL]
MID = NFILL // 2
TAIL_LINE = NFILL + 3           # header 1, head 2, fillers 3 .. NFILL + 2
ENTRIES = NFILL + 2
PROBES = ["192.0.2.7", "192.0.2.200", "198.51.100.7", "198.51.100.200",
          "10.100.100.9", FILLERS[MID][:-4] + "9", "192.0.2.66", "198.51.100.66"]
SOCK = os.environ.get("RR_SOCK", "")
ALLOW = os.environ.get("RR_ALLOW", "")
DENY = os.environ.get("RR_DENY", "")
DIR = os.environ.get("RR_DIR", "")


def version(v):
    head, tail = MARK[v]
    lines = [("# version %s" % v).ljust(HDR - 1), head.ljust(WIDTH - 1)]
    lines += [f.ljust(WIDTH - 1) for f in FILLERS]
    lines.append(tail.ljust(WIDTH - 1))
    data = ("\n".join(lines) + "\n").encode()
    assert len(data) == HDR + WIDTH * ENTRIES
    return data


def expected(v):
    deny = ["OK deny deny-list %s:1 192.0.2.66" % DENY,
            "OK deny deny-list %s:2 198.51.100.66" % DENY]
    dd = "OK deny default-deny"
    if v == "E":
        return [dd] * 6 + deny
    allow = "OK allow allow-list %s:%d %s"
    head, tail = MARK[v]
    mine = [allow % (ALLOW, 2, head), allow % (ALLOW, TAIL_LINE, tail)]
    fill = [allow % (ALLOW, 3, FILLERS[0]), allow % (ALLOW, MID + 3, FILLERS[MID])]
    return (mine + [dd, dd] if v == "A" else [dd, dd] + mine) + fill + deny


def ctl(cmd):
    return rmctl.request(SOCK, cmd)


def status():
    return rmctl.status(SOCK)


def probe():
    """The class of the policy in force (A, B, E or X) and the answers."""
    # the summary line: the key: value lines after it say the same
    got = [ctl("CHECK " + ip).split("\n")[0].strip() for ip in PROBES]
    for v in ("A", "B", "E"):
        if got == expected(v):
            return v, got
    return "X", got


def describe(got):
    want = expected("A")
    return "; ".join("%s -> %s" % (ip, g) for ip, g in zip(PROBES, got)) if got != want else "A"


class Reload:
    def __init__(self, kind, ok, gen, allow, text, extra=0):
        self.kind, self.ok, self.gen, self.allow, self.text, self.extra = kind, ok, gen, allow, text, extra


def reload(kind):
    """One reload, by the control socket (ctl) or SIGHUP (hup), waited for."""
    if kind == "ctl":
        r = ctl("RELOAD")
        m = re.match(r"OK reloaded generation (\d+): deny (\d+), allow (\d+), local (\d+) entries\n?$", r)
        if m:
            return Reload(kind, True, int(m.group(1)), int(m.group(3)), "")
        m = re.match(r"ERR reload failed; previous lists remain in force \(generation (\d+)\)\n(.*)$", r, re.S)
        if m:
            return Reload(kind, False, int(m.group(1)), None, m.group(2).strip())
        return Reload(kind, None, None, None, "unexpected answer: %r" % r)
    s0 = status()
    n0 = int(s0["reloads_ok"]) + int(s0["reloads_failed"])
    os.kill(int(os.environ["RR_PID"]), signal.SIGHUP)
    deadline = time.time() + 20
    while True:
        s = status()
        n = int(s["reloads_ok"]) + int(s["reloads_failed"])
        if n > n0:
            break
        if time.time() > deadline:
            return Reload(kind, None, None, None, "no reload within 20 s of SIGHUP")
        time.sleep(0.0005)
    ok = int(s["reloads_ok"]) > int(s0["reloads_ok"])
    return Reload(kind, ok, int(s["generation"]), int(s["entries_allow"]),
                  "" if ok else s["last_reload_error"], n - n0 - 1)


def put(v):
    """Replace the allow list by a whole version, by rename."""
    tmp = os.path.join(os.path.dirname(ALLOW), ".allow.list.put")
    with open(tmp, "wb") as f:
        f.write(version(v))
    os.rename(tmp, ALLOW)


def write_all(fd, data):
    while data:
        n = os.write(fd, data)
        data = data[n:]


# ---- the writers -----------------------------------------------------------
stop = False


def on_term(*_):
    global stop
    stop = True


def writer(mode, seed):
    signal.signal(signal.SIGTERM, on_term)
    rng = random.Random(seed)
    vs = [version("A"), version("B")]
    tmp = os.path.join(os.path.dirname(ALLOW), ".allow.list.new")
    pauses = (0, 0, 0.0002, 0.001)
    n = 0
    while not stop:
        data = vs[n % 2]
        if mode == "rename":
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            write_all(fd, data)
            os.close(fd)
            os.rename(tmp, ALLOW)
            time.sleep(0.001)
        else:
            # in place: truncate, then chunks that end 5 bytes into an entry
            lines = sorted(rng.sample(range(ENTRIES), rng.randint(1, 4)))
            cuts = [HDR + WIDTH * j + 5 for j in lines] + [len(data)]
            fd = os.open(ALLOW, os.O_WRONLY | os.O_TRUNC)
            time.sleep(rng.choice(pauses))
            pos = 0
            for c in cuts:
                write_all(fd, data[pos:c])
                pos = c
                time.sleep(rng.choice(pauses))
            os.close(fd)
            time.sleep(rng.uniform(0, 0.003))
        n += 1
    with open(os.path.join(DIR, "writes"), "w") as f:
        f.write("%d\n" % n)


CLEAR_PARSE = None
CLEAR_CHANGED = None


def refusal_kind(text):
    first = text.splitlines()[0] if text else ""
    if re.match(re.escape(ALLOW) + r":\d+:\d+: error: \S", first):
        return "parse"
    if first == ALLOW + ": error: file changed while it was read; nothing loaded":
        return "changed"
    return "other"


def race(mode, n, hupevery):
    allowed = ("A", "B") if mode == "rename" else ("A", "B", "E")
    cls, got = probe()
    gen = int(status()["generation"])
    c = dict(reloads=0, ctl_ok=0, ctl_fail=0, hup_ok=0, hup_fail=0, A=0, B=0, E=0, X=0,
             parse=0, changed=0, other=0, unchanged_bad=0, gen_bad=0, entries_bad=0,
             lost=0, extra=0)
    bad = []
    if cls != "A":
        bad.append("before the race the policy is not A: " + describe(got))
    pid = os.fork()
    if pid == 0:
        try:
            writer(mode, 4242)
        finally:
            os._exit(0)
    t0 = time.time()
    try:
        for i in range(n):
            kind = "hup" if hupevery and i % hupevery == hupevery - 1 else "ctl"
            r = reload(kind)
            c["reloads"] += 1
            if r.ok is None:
                c["lost"] += 1
                bad.append("reload %d (%s): %s" % (i, kind, r.text))
                break
            c["extra"] += r.extra
            c["%s_%s" % (kind, "ok" if r.ok else "fail")] += 1
            now, got = probe()
            c[now] += 1
            if r.ok:
                if now not in allowed:
                    bad.append("reload %d (%s) loaded and put in force what is no whole version: %s"
                               % (i, kind, describe(got)))
                elif r.allow != (0 if now == "E" else ENTRIES):
                    c["entries_bad"] += 1
                    bad.append("reload %d (%s): policy %s with %s allow entries" % (i, kind, now, r.allow))
                if r.gen != gen + 1:
                    c["gen_bad"] += 1
                    bad.append("reload %d (%s): generation %s after %d" % (i, kind, r.gen, gen))
            else:
                k = refusal_kind(r.text)
                c[k] += 1
                if k == "other":
                    bad.append("reload %d (%s) refused without a clear error: %r" % (i, kind, r.text))
                if now != cls:
                    c["unchanged_bad"] += 1
                    bad.append("reload %d (%s) was refused (%s) yet the policy changed from %s to: %s"
                               % (i, kind, r.text.splitlines()[0] if r.text else "", cls, describe(got)))
                if r.gen != gen:
                    c["gen_bad"] += 1
                    bad.append("reload %d (%s) was refused yet the generation is %s, was %d"
                               % (i, kind, r.gen, gen))
            if r.gen is not None:
                gen = r.gen
            cls = now
    finally:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    c["seconds"] = "%.1f" % (time.time() - t0)
    try:
        c["writes"] = open(os.path.join(DIR, "writes")).read().strip()
    except OSError:
        c["writes"] = "?"
    c["violations"] = len(bad)
    print(" ".join("%s=%s" % kv for kv in c.items()))
    for b in bad[:5]:
        print("# " + b)


def slow(case):
    """Part 5: change the list while the (slowed) daemon reads it."""
    mark = os.environ["RR_MARK"]
    put("A")
    r = reload("ctl")
    cls, got = probe()
    print("before: %s %s" % ("ok" if r.ok else "refused", cls))
    try:
        os.unlink(mark)
    except FileNotFoundError:
        pass
    res = {}
    th = threading.Thread(target=lambda: res.setdefault("r", reload("ctl")))
    th.start()
    deadline = time.time() + 20
    while not os.path.exists(mark) and time.time() < deadline:
        time.sleep(0.0002)
    if not os.path.exists(mark):
        print("error: the daemon never began reading %s" % ALLOW)
    time.sleep(0.02)            # some reads in, and a clock tick later
    if case == "append":
        with open(ALLOW, "ab") as f:
            f.write(b"203.0.113.0/24\n")
    elif case == "truncate":
        os.truncate(ALLOW, 0)
    elif case == "rewrite":
        fd = os.open(ALLOW, os.O_WRONLY | os.O_TRUNC)
        write_all(fd, version("B"))
        os.close(fd)
    elif case == "rename":
        put("B")
    th.join()
    r = res["r"]
    cls, got = probe()
    print("result: %s %s %s" % ({True: "ok", False: "refused", None: "lost"}[r.ok], cls, r.allow))
    print("policy: " + describe(got))
    print("answer: " + (r.text.replace("\n", " | ") if r.text else "reloaded, allow %s" % r.allow))


def storm(nhup, nctl):
    pid = int(os.environ["RR_PID"])
    s0 = status()
    replies = []
    th = threading.Thread(target=lambda: [replies.append(ctl("RELOAD")) for _ in range(nctl)])
    th.start()
    for _ in range(nhup):
        os.kill(pid, signal.SIGHUP)
        time.sleep(0.0005)
    th.join()
    last, same = None, 0
    while same < 6:             # the coalesced SIGHUP reloads settle
        time.sleep(0.05)
        s = status()
        n = (s["reloads_ok"], s["reloads_failed"])
        same = same + 1 if n == last else 0
        last = n
    ctl_ok = sum(1 for r in replies if r.startswith("OK reloaded generation"))
    print("ctl_ok=%d d_ok=%d d_failed=%d" % (ctl_ok, int(s["reloads_ok"]) - int(s0["reloads_ok"]),
                                            int(s["reloads_failed"]) - int(s0["reloads_failed"])))


def main():
    cmd = sys.argv[1]
    if cmd == "gen":
        for v in ("A", "B"):
            with open(os.path.join(DIR, v + ".list"), "wb") as f:
                f.write(version(v))
    elif cmd == "put":
        put(sys.argv[2])
    elif cmd == "probe":
        cls, got = probe()
        print(cls)
        print(describe(got))
    elif cmd == "reload":
        r = reload(sys.argv[2])
        print("%s %s %s %s" % ({True: "ok", False: "refused", None: "lost"}[r.ok], r.gen, r.allow, r.extra))
        if r.text:
            print(r.text)
    elif cmd == "race":
        race(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "slow":
        slow(sys.argv[2])
    elif cmd == "storm":
        storm(int(sys.argv[2]), int(sys.argv[3]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
PYEOF

py() { PYTHONPATH=$top_srcdir/tests/lib RR_SOCK=$SOCK RR_ALLOW=$D/allow.list RR_DENY=$D/deny.list RR_PID=$PID RR_DIR=$D "$PYTHON" "$D/race.py" "$@"; }
ctl() { "$PYTHON" "$top_srcdir/tests/e2e/ctl.py" "$SOCK" "$*"; }
fds() { find "/proc/$PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

SOCK=$D/run/control.sock
PYTHONPATH=$top_srcdir/tests/lib RR_DIR=$D "$PYTHON" "$D/race.py" gen || { not_ok "the two list versions are written"; finish; }
HDR=27 W=32 TAIL=20003 MIDL=10002 SIZE=$(stat -c %s "$D/A.list")
cp "$D/A.list" "$D/allow.list"
printf '%s\n' 192.0.2.66 198.51.100.66 > "$D/deny.list"
: > "$D/local-ip.list"
chmod 644 "$D"/*.list
user=
id nobody >/dev/null 2>&1 && user="user = nobody"
# every reload is this test's own, and counted
daemon_conf "$D/relaymilter.conf" "$SOCK" "watch_files = no" ${user:+"$user"}

"$RM" -f -c "$D/relaymilter.conf" >"$D/log" 2>&1 &
PID=$!
PIDS="$PIDS $PID"
if wait_ctl "$PID"; then ok "relaymilter starts${user:+ and drops to nobody} with A (20,002 allow entries) and 2 deny entries"
else not_ok "relaymilter starts" "$(cat "$D/log")"; finish; fi
fds0=$(fds)
st=$(ctl STATUS)
expect "STATUS names its pid" "^pid: $PID\$" "$st"
expect "...and generation 1 with A's 20,002 entries" '^entries_allow: 20002$' "$st"

# the reloads this script issues to the main daemon, by origin and result
n_ctl_ok=0 n_ctl_fail=0 n_hup_ok=0 n_hup_fail=0 n_extra=0
# rl KIND: one reload (ctl or hup), waited for; sets rl_res rl_gen rl_allow rl_text
rl() {
    local out
    out=$(py reload "$1" 2>&1)
    read -r rl_res rl_gen rl_allow rl_extra <<<"${out%%$'\n'*}"
    rl_text=
    [ "$out" != "${out#*$'\n'}" ] && rl_text=${out#*$'\n'}
    case $1/$rl_res in
        ctl/ok) n_ctl_ok=$((n_ctl_ok + 1)) ;;
        ctl/refused) n_ctl_fail=$((n_ctl_fail + 1)) ;;
        hup/ok) n_hup_ok=$((n_hup_ok + 1)) ;;
        hup/refused) n_hup_fail=$((n_hup_fail + 1)) ;;
    esac
    [ "${rl_extra:-0}" -gt 0 ] 2>/dev/null && n_extra=$((n_extra + rl_extra))
    return 0
}
# policy: the class of the policy in force (A, B, E or X) in $cls, answers in $cls_text
policy() {
    local out
    out=$(py probe 2>&1)
    cls=${out%%$'\n'*}
    cls_text=${out#*$'\n'}
}
# is_policy NAME WANT: the policy in force is WANT
is_policy() {
    policy
    if [ "$cls" = "$2" ]; then ok "$1"; else not_ok "$1" "policy $cls: $cls_text"; fi
}
gen() { ctl STATUS | sed -n 's/^generation: //p'; }

is_policy "the daemon answers exactly A's answers for the eight probe addresses" A
# the probes can tell the versions apart: each of them, loaded whole
py put B; rl ctl
is_policy "B renamed over the list and reloaded: exactly B's answers" B
py put A; rl hup
is_policy "A back, by SIGHUP: exactly A's answers" A
check "...both reloads loaded ($n_ctl_ok by RELOAD, $n_hup_ok by SIGHUP)" test "$n_ctl_ok" -eq 1 -a "$n_hup_ok" -eq 1

# ======================================================================
# 1. replace by rename
race_tally() {
    local k v
    for k in ctl_ok ctl_fail hup_ok hup_fail extra; do
        v=$(printf '%s\n' "$1" | head -n 1 | tr ' ' '\n' | sed -n "s/^$k=//p")
        case $k in
            ctl_ok) n_ctl_ok=$((n_ctl_ok + v)) ;;
            ctl_fail) n_ctl_fail=$((n_ctl_fail + v)) ;;
            hup_ok) n_hup_ok=$((n_hup_ok + v)) ;;
            hup_fail) n_hup_fail=$((n_hup_fail + v)) ;;
            extra) n_extra=$((n_extra + v)) ;;
        esac
    done
}
kv() { printf '%s\n' "$2" | head -n 1 | tr ' ' '\n' | sed -n "s/^$1=//p"; }

out=$(py race rename "$RACE_RELOADS" 4 2>&1)
race_tally "$out"
note "rename race: $(printf '%s\n' "$out" | head -n 1)"
sum=$(printf '%s\n' "$out" | head -n 1)
check "rename race: $(kv reloads "$sum") reloads (1 in 4 by SIGHUP) while $(kv writes "$sum") versions were renamed over the list" \
    test "$(kv reloads "$sum")" = "$RACE_RELOADS" -a "$(kv lost "$sum")" = 0 -a "$(kv writes "$sum")" -gt 20
if [ "$(kv violations "$sum")" = 0 ] && [ "$(kv X "$sum")" = 0 ] && [ "$(kv E "$sum")" = 0 ]; then
    ok "rename race: after every reload the policy was exactly A or exactly B (A $(kv A "$sum"), B $(kv B "$sum"))"
else
    not_ok "rename race: after every reload the policy was exactly A or exactly B" "$(printf '%s\n' "$out" | sed 1d)"
fi
check "rename race: every reload loaded (a renamed file is always whole; refused: $(( $(kv ctl_fail "$sum") + $(kv hup_fail "$sum") )))" \
    test "$(kv ctl_fail "$sum")" = 0 -a "$(kv hup_fail "$sum")" = 0
check "rename race: both versions were in force at some time" test "$(kv A "$sum")" -gt 0 -a "$(kv B "$sum")" -gt 0
check "rename race: each reload's generation one more, each answer's entry count the version's" \
    test "$(kv gen_bad "$sum")" = 0 -a "$(kv entries_bad "$sum")" = 0

# ======================================================================
# 2. truncate and rewrite in place, in chunks
py put A; rl ctl
out=$(py race inplace "$RACE_RELOADS" 4 2>&1)
race_tally "$out"
note "in-place race: $(printf '%s\n' "$out" | head -n 1)"
sum=$(printf '%s\n' "$out" | head -n 1)
check "in-place race: $(kv reloads "$sum") reloads (1 in 4 by SIGHUP) while the list was truncated and rewritten $(kv writes "$sum") times" \
    test "$(kv reloads "$sum")" = "$RACE_RELOADS" -a "$(kv lost "$sum")" = 0 -a "$(kv writes "$sum")" -gt 20
if [ "$(kv violations "$sum")" = 0 ] && [ "$(kv X "$sum")" = 0 ]; then
    ok "in-place race: after every reload the policy was exactly A, B or the empty list (A $(kv A "$sum"), B $(kv B "$sum"), empty $(kv E "$sum"))"
else
    not_ok "in-place race: after every reload the policy was exactly A, B or the empty list" "$(printf '%s\n' "$out" | sed 1d)"
fi
refused=$(( $(kv ctl_fail "$sum") + $(kv hup_fail "$sum") ))
check "in-place race: reloads of a half-written file were refused ($refused: $(kv parse "$sum") partial entry, $(kv changed "$sum") changed while read)" \
    test "$refused" -gt 0
check "in-place race: every refusal named the list (and its line and column, or that it changed while read)" \
    test "$(kv other "$sum")" = 0
check "in-place race: every refusal left the policy and generation in force unchanged" \
    test "$(kv unchanged_bad "$sum")" = 0 -a "$(kv gen_bad "$sum")" = 0
check "in-place race: whole versions were loaded too ($(( $(kv ctl_ok "$sum") + $(kv hup_ok "$sum") )) reloads), each with its entry count" \
    test "$(( $(kv ctl_ok "$sum") + $(kv hup_ok "$sum") ))" -gt 0 -a "$(kv entries_bad "$sum")" = 0

# ======================================================================
# 3. half-written files; A in force before each
py put A; rl ctl
[ "$rl_res" = ok ] || not_ok "A reloads after the races" "$rl_text"
errors=()
# half NAME KIND ERROR-REGEX: the list, as written now, is refused and A stays
half() {
    local g0
    g0=$(gen)
    rl "$2"
    if [ "$rl_res" = refused ] && [ "$rl_gen" = "$g0" ]; then
        ok "$1: refused by $2, generation $g0 kept"
    else
        not_ok "$1: refused by $2, generation $g0 kept" "$rl_res generation $rl_gen: $rl_text"
    fi
    expect "...the error names file, line, column and reason" "^$D/allow.list:$3" "$rl_text"
    errors+=("$(printf '%s\n' "$rl_text" | head -n 1)")
    is_policy "...and A is still in force, whole" A
}
off() { echo $((HDR + W * ($1 - 2) + $2)); }   # the byte offset of line $1, column $2 + 1

head -c "$(off $TAIL 11)" "$D/B.list" > "$D/allow.list"
half "B cut mid-entry on its last line (\"198.51.100.\")" ctl \
    "$TAIL:12: error: IPv4 address is incomplete: expected four decimal octets in \"198\\.51\\.100\\.\"\$"
head -c "$(off $MIDL 4)" "$D/B.list" > "$D/allow.list"
half "B cut in the middle of the file, inside an entry (\"10.1\")" hup \
    "$MIDL:5: error: short IPv4 forms are not accepted"
head -c "$(off $TAIL 15)" "$D/B.list" > "$D/allow.list"
half "B cut after \"198.51.100.128/\"" ctl "$TAIL:16: error: prefix length missing after '/'"
head -c "$(off $TAIL 16)" "$D/B.list" > "$D/allow.list"
half "B cut after \"198.51.100.128/2\" (a valid-looking prefix with host bits)" hup \
    "$TAIL:1: error: host bits set outside the /2 mask"
head -c "$(off $MIDL 0)" "$D/B.list" > "$D/allow.list"
truncate -s "$SIZE" "$D/allow.list"
half "B's length with only its first half written, the rest a hole of NUL bytes" hup \
    "$MIDL:[0-9]+: error: (NUL byte|line is longer)"
{ head -c "$(off $MIDL 0)" "$D/B.list"; printf '%-31s\n' 10.100.300.0/24; tail -c +"$(( $(off $MIDL 0) + W + 1 ))" "$D/B.list"; } > "$D/allow.list"
check "B with one bad entry in its middle is as long as B" test "$(stat -c %s "$D/allow.list")" = "$SIZE"
out=$("$RELAYCTL" -c "$D/relaymilter.conf" reload 2>&1); rc=$?
n_ctl_fail=$((n_ctl_fail + 1))
expect "...relayctl reload: refused, previous lists in force, exit 1 (exit $rc)" \
    'ERR reload failed; previous lists remain in force' "$out"
check "...exit status 1" test "$rc" -eq 1
expect "...the error names file, line, column and reason" \
    "$D/allow.list:$MIDL:8: error: IPv4 octet 300 is over 255" "$out"
errors+=("$D/allow.list:$MIDL:8: error: IPv4 octet 300 is over 255")
out=$("$RELAYCTL" -c "$D/relaymilter.conf" check 192.0.2.200 --live 2>&1)
expect "...relayctl check --live: A's last entry still decides" "match: $D/allow.list:$TAIL 192\\.0\\.2\\.128/25" "$out"
is_policy "...and A is still in force, whole" A
expect "STATUS reports the last reload failed, with its error" \
    "^last_reload_error: $D/allow.list:$MIDL:8: error: IPv4 octet 300" "$(ctl STATUS)"
py put B; rl ctl
is_policy "B whole, by rename, after the broken files: it loads and is in force" B

# ======================================================================
# 4. truncated to zero
py put A; rl ctl
emptied() { grep -c "warning: $D/allow.list is now empty (it had 20002 entries): no client relays by it any more" "$D/log"; }
e0=$(emptied)
: > "$D/allow.list"
g0=$(gen)
rl ctl
expect "A truncated to zero, RELOAD: an empty list loads (0 allow entries, generation $((g0 + 1)))" \
    "^ok $((g0 + 1)) 0 " "$rl_res $rl_gen $rl_allow "
is_policy "...nobody relays by the allow list; the deny list is still in force" E
py put A; rl hup
is_policy "A back by SIGHUP" A
truncate -s 0 "$D/allow.list"
g0=$(gen)
rl hup
expect "A truncated to zero, SIGHUP: the empty list loads too" "^ok $((g0 + 1)) 0 " "$rl_res $rl_gen $rl_allow "
is_policy "...and is in force" E
expect "...STATUS shows 0 allow entries" '^entries_allow: 0$' "$(ctl STATUS)"
py put A; rl ctl
is_policy "A back by RELOAD" A
n=$(($(emptied) - e0))
check "each emptying of the allow list is logged as a warning ($n of 2)" test "$n" = 2

# ======================================================================
# the main daemon's account of all those reloads
sleep 0.2                       # a SIGHUP reload logs just after counting
n_ok=$((n_ctl_ok + n_hup_ok)) n_fail=$((n_ctl_fail + n_hup_fail))
st=$(ctl STATUS)
note "reloads issued: $n_ctl_ok + $n_ctl_fail by RELOAD, $n_hup_ok + $n_hup_fail by SIGHUP (loaded + refused)"
expect "STATUS: reloads_ok is the $n_ok reloads that loaded" "^reloads_ok: $n_ok\$" "$st"
expect "STATUS: reloads_failed is the $n_fail that were refused" "^reloads_failed: $n_fail\$" "$st"
rok=$(printf '%s\n' "$st" | sed -n 's/^reloads_ok: //p') rfail=$(printf '%s\n' "$st" | sed -n 's/^reloads_failed: //p')
check "STATUS: successes + failures ($rok + $rfail) = reloads issued ($((n_ok + n_fail))), no SIGHUP lost or doubled ($n_extra extra)" \
    test "$((rok + rfail))" -eq "$((n_ok + n_fail))" -a "$n_extra" -eq 0
expect "STATUS: generation is 1 + the reloads that loaded" "^generation: $((1 + n_ok))\$" "$st"
log=$(cat "$D/log")
c1=$(grep -cE 'reloaded generation [0-9]+ \(control socket\)' "$D/log")
c2=$(grep -cE 'reloaded generation [0-9]+ \(SIGHUP\)' "$D/log")
c3=$(grep -cE 'error: reload failed \(control socket\); previous lists remain in force \(generation [0-9]+, mode [a-z]+, relay_flags [^)]*\): /' "$D/log")
c4=$(grep -cE 'error: reload failed \(SIGHUP\); previous lists remain in force \(generation [0-9]+, mode [a-z]+, relay_flags [^)]*\): /' "$D/log")
check "log: one line per reload that loaded ($c1 by control socket, $c2 by SIGHUP; issued $n_ctl_ok, $n_hup_ok)" \
    test "$c1" -eq "$n_ctl_ok" -a "$c2" -eq "$n_hup_ok"
check "log: one error line per refusal, with its first error ($c3 by control socket, $c4 by SIGHUP; issued $n_ctl_fail, $n_hup_fail)" \
    test "$c3" -eq "$n_ctl_fail" -a "$c4" -eq "$n_hup_fail"
missing=
for e in "${errors[@]}"; do
    grep -F -- "previous lists remain in force (generation" "$D/log" | grep -qF -- "): $e" || missing="$missing
$e"
done
check "log: each half-written file's refusal is logged with its file, line and column" test -z "$missing"
[ -n "$missing" ] && note "not in the log:$missing"
c5=$(grep -cE "reload failed .*: $D/allow.list: error: file changed while it was read; nothing loaded" "$D/log")
note "refusals logged as \"file changed while it was read\": $c5"

# ======================================================================
# a storm: SIGHUPs as fast as they come, with RELOADs between (the lists are A)
out=$(py storm 200 50 2>&1)
note "storm of 200 SIGHUP and 50 RELOAD: $out"
d_ok=$(kv d_ok "$out") d_failed=$(kv d_failed "$out")
check "storm: the 50 RELOADs all loaded" test "$(kv ctl_ok "$out")" = 50
# Requests that arrive during a reload are merged into the next one,
# SIGHUPs and RELOADs alike, so the 250 requests take from 1 to 250
# reloads; the SIGHUPs show in the reloads' log lines.
check "storm: $d_ok reloads served the 250 requests, none failed" \
    test "${d_ok:-0}" -ge 1 -a "${d_ok:-0}" -le 250 -a "${d_failed:-1}" -eq 0
expect "storm: the SIGHUPs were taken as reloads (alone or merged with RELOADs)" \
    'reloaded generation [0-9]+ \(SIGHUP' "$(cat "$D/log")"
check "storm: the daemon still runs" kill -0 "$PID"
is_policy "storm: A in force" A

# ======================================================================
# 5. changed while read: a second daemon whose reads of its allow list are slowed
CCOMP=
for c in "${CC:-}" cc gcc; do [ -n "$c" ] && command -v "${c%% *}" >/dev/null 2>&1 && { CCOMP=$c; break; }; done
cat > "$D/slowread.c" <<'CEOF'
/* slowread.c - LD_PRELOAD: reads of a file whose path holds $RR_SLOW_MATCH
 * return at most 4 KiB, each after $RR_SLOW_USEC microseconds, and create
 * $RR_SLOW_MARK.  read(2) may return less than asked at any time; this
 * only makes the window in which a file can change under a reader wide. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static ssize_t (*real_read)(int, void *, size_t);
static const char *match, *mark;
static long usec;

__attribute__((constructor)) static void init(void)
{
    const char *u = getenv("RR_SLOW_USEC");

    real_read = (ssize_t (*)(int, void *, size_t)) dlsym(RTLD_NEXT, "read");
    match = getenv("RR_SLOW_MATCH");
    mark = getenv("RR_SLOW_MARK");
    usec = u ? atol(u) : 2000;
}

ssize_t read(int fd, void *buf, size_t n)
{
    char    p[64], t[4096];
    ssize_t k;

    if (match && *match && n > 4096) {
        snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
        if ((k = readlink(p, t, sizeof(t) - 1)) > 0) {
            t[k] = '\0';
            if (strstr(t, match)) {
                struct timespec ts = {usec / 1000000, (usec % 1000000) * 1000};
                int     m;

                n = 4096;
                if (mark && (m = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) >= 0)
                    close(m);
                nanosleep(&ts, NULL);
            }
        }
    }
    return real_read(fd, buf, n);
}
CEOF
if [ -z "$CCOMP" ] || ! $CCOMP -shared -fPIC -O2 -o "$D/slowread.so" "$D/slowread.c" -ldl >"$D/cc.log" 2>&1; then
    note "part 5 (a list changed while it is read): no C compiler to build the read shim: skipped"
    sed 's/^/#   /' "$D/cc.log" 2>/dev/null | head -n 5
else
    S=$D/slow
    SOCK2=$S/run/control.sock
    # here the header is 32 bytes: 4 KiB reads end between entries, so a part
    # of a version parses, and only the daemon can tell it is not a whole one
    PYTHONPATH=$top_srcdir/tests/lib RR_DIR=$S RR_HDR=32 "$PYTHON" "$D/race.py" gen
    cp "$S/A.list" "$S/allow.list"
    cp "$D/deny.list" "$S/deny.list"
    : > "$S/local-ip.list"
    chmod 644 "$S"/*.list
    PORT2=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    printf 'milter_socket = inet:%s@127.0.0.1\ncontrol_socket = %s\nrelay_flags = deny, allow\nwatch_files = no\n' \
        "$PORT2" "$SOCK2" > "$S/relaymilter.conf"
    chmod 644 "$S/relaymilter.conf"
    # as root: the shim creates its mark file in $S.  In a sanitizer build
    # the shim comes before the ASan runtime, which is harmless here.
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
    LD_PRELOAD=$D/slowread.so RR_SLOW_MATCH=$S/allow.list RR_SLOW_MARK=$S/reading RR_SLOW_USEC=2000 \
        "$RM" -f -c "$S/relaymilter.conf" >"$S/log" 2>&1 &
    PID2=$!
    PIDS="$PIDS $PID2"
    for _ in $(seq 200); do
        "$PYTHON" "$top_srcdir/tests/e2e/ctl.py" "$SOCK2" STATUS >/dev/null 2>&1 && break
        kill -0 "$PID2" 2>/dev/null || break
        sleep 0.1
    done
    slow() { PYTHONPATH=$top_srcdir/tests/lib RR_SOCK=$SOCK2 RR_ALLOW=$S/allow.list RR_DENY=$S/deny.list RR_PID=$PID2 RR_DIR=$S RR_HDR=32 \
        RR_MARK=$S/reading "$PYTHON" "$D/race.py" slow "$1" 2>&1; }
    res() { printf '%s\n' "$2" | sed -n "s/^$1: //p"; }
    out=$(slow append)
    note "append: $(res result "$out"); $(res answer "$out")"
    expect "slowed reads: the second daemon loads A whole before each case" '^before: ok A$' "$out"
    check "appended to while read: refused (\"file changed while it was read\"), A kept" \
        test "$(res result "$out")" = "refused A None" -a \
        "$(res answer "$out")" = "$S/allow.list: error: file changed while it was read; nothing loaded"
    out=$(slow rename)
    note "rename: $(res result "$out"); $(res answer "$out")"
    check "B renamed over the list while A was read: the reload loads A, whole (the file it opened)" \
        test "$(res result "$out")" = "ok A 20002"
    # slow_case CASE WHAT OK...: the reload must end as one of OK (results
    # "refused A None" or "ok V N"); a refusal must say why
    slow_case() {
        local c=$1 what=$2 r
        shift 2
        out=$(slow "$c")
        note "$c: $(res result "$out"); $(res answer "$out")"
        r=$(res result "$out")
        case " $* " in
        *" $r "*) ok "$what ($r)" ;;
        *) not_ok "$what" "got: $r
$(res answer "$out")
$(res policy "$out")" ;;
        esac
        case $r in refused*) expect "...its refusal says the file changed while it was read" \
            "^$S/allow.list: error: file changed while it was read" "$(res answer "$out")" ;; esac
    }
    slow_case truncate "truncated to zero while read: refused with A kept, or loaded as the empty file it now is" \
        "refused A None" "ok E 0"
    slow_case rewrite "rewritten in place as B (same length) while A was read: refused with A kept, or B loaded whole" \
        "refused A None" "ok B 20002"
    kill -TERM "$PID2" 2>/dev/null
    wait "$PID2" 2>/dev/null
fi

# ======================================================================
# afterwards
check "the same daemon is still running" kill -0 "$PID"
expect "...with the same pid" "^pid: $PID\$" "$(ctl STATUS)"
is_policy "...deciding by A" A
if [ -n "$MILTERTEST" ] && [ -x "$MILTERTEST" ]; then
    bad=
    for t in 192.0.2.7:continue 192.0.2.200:continue 10.100.100.9:continue 198.51.100.7:replycode \
        198.51.100.200:replycode 192.0.2.66:replycode 203.0.113.9:replycode; do
        ip=${t%%:*} want=${t#*:}
        o=$("$MILTERTEST" -D "sock=inet:$PORT@127.0.0.1" -D "lib=$LUA/lib.lua" -D "name=$ip" \
            -D "ip=$ip" -D "to=<x@example.net>" -D "want=$want" -s "$LUA/rcpt.lua" 2>&1)
        [ "${o#ok - }" != "$o" ] || bad="$bad $ip:$want($o)"
    done
    check "milter sessions: A's hosts relay, B's, the deny-listed and an outsider are rejected" test -z "$bad"
    [ -n "$bad" ] && note "$bad"
else
    note "miltertest not found: the end-of-test milter sessions are skipped"
fi
end_checks "$PID" "$fds0" "$D/log"
finish
