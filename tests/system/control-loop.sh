#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/system/control-loop.sh - the control socket serves every client at
# once: no client, idle, slow or waiting for a reload, delays another's
# answer, nor the daemon's stop.  Against a real daemon and relayctl:
#   - 8, then 100 idle clients held open: relayctl status answers within
#     1 s each time (one client at a time with 5 s each took 30 s and more);
#   - a client that sends half a line and stalls: others are answered at
#     once, and it is told and closed after 2 s;
#   - over the cap (256 clients): the one more is refused with an ERR and
#     the log says so; service is back once the idle clients are cut off;
#   - 20 RELOADs at once while a list changes under them: all answered OK,
#     each by a reload that started after its request (the version it read
#     and the generation it made), and merged into fewer reloads than 20;
#   - a 200 KiB line: the client reads "ERR command line is over 1023
#     bytes", not a broken pipe;
#   - a reload stuck opening a FIFO: STATUS still answers within 1 s, and
#     relayctl add says the file is written and the reload did not finish
#     (exit 5) -- when the FIFO stalls a reload at all (a reader that opens
#     lists without blocking refuses it at once: then that part is a note);
#   - SIGTERM with idle clients connected, and during that reload: the
#     daemon exits 0 within 5 s.
# Prints "ok - NAME" / "not ok - NAME", then "N passed, N failed".  Needs
# python3 (77 without).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

umask 022
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
RM=$top_builddir/milter/relaymilter
RELAYCTL=$top_builddir/cli/relayctl
ABUSE=$top_srcdir/tests/system/ctlabuse.py
RELOADS=$top_srcdir/tests/system/ctlreload.py
PYTHON=$(command -v python3 || true)

. "$top_srcdir/tests/system/lib.sh"

[ -n "$PYTHON" ] || skip "python3 not found"
[ -x "$RM" ] && [ -x "$RELAYCTL" ] || { not_ok "relaymilter and relayctl are built"; finish; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rm-ctlloop.XXXXXX") || exit 2
D=$TMP
mkdir -p "$D/run"
SOCK=$D/run/control.sock
printf '%s\n' 192.0.2.0/24 > "$D/allow.list"
# a deny list big enough that a reload takes a while, so that RELOADs overlap
"$PYTHON" -c 'for i in range(100000): print("10.%d.%d.%d" % (i >> 16, (i >> 8) & 255, i & 255))' > "$D/deny.list"
: > "$D/local-ip.list"
chmod 644 "$D"/*.list
daemon_conf "$D/relaymilter.conf" "$SOCK"

abuse() { "$PYTHON" "$ABUSE" "$@"; }
# ctl ARGS: relayctl; lib.sh's wait_ctl asks "ctl STATUS", which is relayctl status
ctl() { [ "$1" = STATUS ] && set -- status; timeout 40 "$RELAYCTL" -c "$D/relaymilter.conf" "$@"; }
fds() { find "/proc/$PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
# held N: wait (up to 5 s) until the daemon holds N more descriptors than at start
held() { for _ in $(seq 50); do [ "$(fds)" -ge $((fds0 + $1)) ] && return 0; sleep 0.1; done; return 1; }
now() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
start() {
    "$RM" -f -c "$D/relaymilter.conf" >>"$D/log" 2>&1 &
    PID=$!
    PIDS="$PIDS $PID"
    wait_ctl "$PID"
}
# status_within NAME SECONDS: relayctl status answers OK within SECONDS
status_within() {
    local t0 s out
    t0=$(now)
    out=$(ctl status 2>&1)
    s=$(since "$t0")
    if printf '%s\n' "$out" | grep -q '^generation: ' && le "$s" "$2"; then ok "$1 (${s}s)"
    else not_ok "$1 (${s}s)" "$out"; fi
}
# stops_within NAME SECONDS: SIGTERM, and the daemon exits 0 within SECONDS
stops_within() {
    local t0 s rc
    t0=$(now)
    kill -TERM "$PID"
    for _ in $(seq $(($2 * 10))); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    s=$(since "$t0")
    if kill -0 "$PID" 2>/dev/null; then
        kill -9 "$PID"; wait "$PID" 2>/dev/null
        not_ok "$1 (still running after ${s}s; killed)"
        return
    fi
    wait "$PID"; rc=$?
    if [ "$rc" -eq 0 ]; then ok "$1 (${s}s)"; else not_ok "$1 (exit $rc after ${s}s)"; fi
}

if start; then ok "relaymilter starts"; else not_ok "relaymilter starts" "$(cat "$D/log")"; finish; fi
fds0=$(fds)

# ---- idle clients
for n in 8 100; do
    # they would stay 10 s; the daemon cuts them off after 2 s
    "$PYTHON" "$ABUSE" idle "$SOCK" "$n" 10 > /dev/null &
    idle=$!
    PIDS="$PIDS $idle"
    check "the daemon holds the $n idle clients" held "$n"
    status_within "$n idle clients held open: relayctl status answers within 1 s" 1
    status_within "...and again" 1
    kill "$idle"; wait "$idle" 2>/dev/null
done

# ---- half a line, then nothing
"$PYTHON" "$ABUSE" half "$SOCK" 8 > "$D/half.out" &
half=$!
held 1
status_within "a client stalled after half a line: relayctl status answers within 1 s" 1
out=$(ctl check 192.0.2.7 --live 2>&1)
expect "...and check --live too" '^rule: allow-list$' "$out"
wait "$half"
out=$(cat "$D/half.out")
note "$out"
expect "the stalled client is told and closed after about 2 s" \
    "^closed_after=(1\\.[5-9]|2\\.|3\\.)[0-9]* reply=b'ERR no complete command line within 2 seconds' stopped_by=eof" "$out"

# ---- the cap
"$PYTHON" "$ABUSE" idle "$SOCK" 300 4 > "$D/cap.out" &
cap=$!
held 256
sleep 0.3
out=$(ctl status 2>&1)
expect "300 idle clients: one more is refused, with the limit" '^relayctl: status: relaymilter answered: ERR too many control clients \(256 at once\)' "$out"
expect "...and the log says so" 'control socket: 256 clients already connected, the most it serves at once; refused [0-9]+ new client' "$(cat "$D/log")"
sleep 2.2
status_within "...2 s later they are cut off: relayctl status answers again" 1
wait "$cap"

# ---- RELOADs at once while a list changes
gen0=$(ctl status | sed -n 's/^generation: //p')
out=$("$PYTHON" "$RELOADS" "$SOCK" 20 "$D/allow.list"); rc=$?
note "20 x RELOAD: $out"
check "20 RELOADs at once, the allow list renamed over every 5 ms: each answered OK by a reload that started after its request" test "$rc" -eq 0
gens=$(printf '%s\n' "$out" | sed -n 's/.* generations=\([0-9]*\) .*/\1/p')
check "...merged: ${gens:-?} reloads ran for the 20 requests" test "${gens:-20}" -lt 20
expect "...and the log says how many a reload merged" 'reloaded generation [0-9]+ \(control socket, [0-9]+ requests merged\)' "$(cat "$D/log")"
st=$(ctl status)
expect "...STATUS counts exactly the reloads that ran" "^reloads_ok: $(( $(printf '%s\n' "$st" | sed -n 's/^generation: //p') - gen0 ))\$" "$st"
printf '%s\n' 192.0.2.0/24 > "$D/allow.list.new" && chmod 644 "$D/allow.list.new" && mv "$D/allow.list.new" "$D/allow.list"
ctl reload >/dev/null

# ---- a line over the limit
out=$(abuse huge "$SOCK" $((200 * 1024)))
note "$out"
expect "a 200 KiB line: the client gets the ERR that names the limit, then EOF (no broken pipe)" \
    "reply=b'ERR command line is over 1023 bytes' stopped_by=eof" "$out"
status_within "...and the next client is served at once" 1

end_fds=$(fds)
check "the daemon's open fds are back to where they were ($fds0, now $end_fds)" test "$end_fds" -le "$fds0"

# ---- SIGTERM with idle clients connected
"$PYTHON" "$ABUSE" idle "$SOCK" 8 10 > /dev/null &
idle=$!
PIDS="$PIDS $idle"
check "the daemon holds 8 idle clients" held 8
stops_within "SIGTERM with 8 idle clients connected: relaymilter exits 0 within 3 s" 3
kill "$idle" 2>/dev/null; wait "$idle" 2>/dev/null

# ---- a reload stuck opening a FIFO
start || not_ok "relaymilter starts again" "$(cat "$D/log")"
mv "$D/allow.list" "$D/allow.list.keep"
mkfifo -m 644 "$D/allow.list"
: > "$D/log.mark"
lines=$(wc -l < "$D/log")
kill -HUP "$PID"
sleep 1
status_within "a reload is stuck (or refused) on a FIFO: relayctl status answers within 1 s" 1
out=$(ctl check 192.0.2.7 --live 2>&1)
expect "...and check --live answers from the lists in force" '^rule: allow-list$' "$out"
if tail -n +"$((lines + 1))" "$D/log" | grep -q 'reload failed'; then
    note "the FIFO was refused at once (lists are opened without blocking): no reload is stuck, so the stuck-reload checks do not apply"
else
    t0=$(now)
    out=$(ctl add deny 198.51.100.9 2>&1); rc=$?
    s=$(since "$t0")
    expect "relayctl add during the stuck reload: written, and the reload did not finish (${s}s)" \
        '^relayctl: add: .*/deny.list is written; the reload did not finish in time: relaymilter still uses the previous lists \(generation [0-9]+\) until it does' "$out"
    check "...exit 5" test "$rc" -eq 5
    expect "...the daemon's own answer is shown" '^relaymilter: ERR reload still running after 20 seconds; generation [0-9]+ stays in force until it ends$' "$out"
    expect "...and the edit is in the file" '^198\.51\.100\.9$' "$(cat "$D/deny.list")"
fi
stops_within "SIGTERM during the reload: relaymilter exits 0 within 5 s" 5
grep -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$D/log" > "$D/reports"
check "no sanitizer report in the daemon log" test ! -s "$D/reports"
finish
