#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/system/control-abuse.sh - the control socket against hostile peers,
# and the daemon deciding all the while.
#
# tests/milter/run.sh already checks: a client of another user is refused
# (daemon running as root), unknown and empty commands, one 2000-byte line,
# a line without its newline, one stuck client.  This adds, with the daemon
# dropped to its own user (nobody):
#   - peers: root and the daemon's own user are served; a user who can reach
#     the socket through its group (as the MTA's user can, when it is put in
#     that group for a unix milter_socket) is refused by SO_PEERCRED and
#     logged; a user outside the group cannot even connect (mode 0660);
#   - garbage: hundreds of clients sending random bytes (NULs, CR, bytes over
#     127, with and without a newline) and a list of hostile lines; every
#     answer is OK/ERR or nothing;
#   - huge input: 64 MiB without a newline; the daemon stops reading early
#     and serves the next client at once;
#   - many at once: 200 concurrent STATUS and 200 concurrent CHECK (all
#     answered, all alike; the clients connect blocking, as relayctl does);
#     200 idle connections at once (all held) and a client trickling a byte
#     at a time (cut off at 2 s): a STATUS meanwhile is answered at once;
# while a loop of milter sessions (miltertest, tests/milter/rcpt.lua) runs
# the whole time: every decision right, none slow; and at the end the same
# daemon is still running, its fds are back where they were, the policy
# unchanged.  Prints "ok - NAME" / "not ok - NAME", "N passed, N failed".
# Needs root (77 otherwise), miltertest and python3 (77 without).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

umask 022
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MILTERTEST:=$(command -v miltertest 2>/dev/null)}"
RM=$top_builddir/milter/relaymilter
LUA=$top_srcdir/tests/milter
ABUSE=$top_srcdir/tests/system/ctlabuse.py
PYTHON=$(command -v python3 || true)

. "$top_srcdir/tests/system/lib.sh"

[ "$(id -u)" = 0 ] || skip "not root (the peer checks run clients as other users)"
if [ -z "$MILTERTEST" ] || [ ! -x "$MILTERTEST" ]; then skip "miltertest not found (Debian package miltertest)"; fi
[ -n "$PYTHON" ] || skip "python3 not found"
command -v setpriv >/dev/null 2>&1 || skip "setpriv not found"
id nobody >/dev/null 2>&1 || skip "no user nobody"
# another user, not nobody; "daemon" is uid 1 on Debian
other=
for u in daemon bin sys www-data; do
    if id "$u" >/dev/null 2>&1 && [ "$(id -u "$u")" != "$(id -u nobody)" ]; then other=$u; break; fi
done
[ -n "$other" ] || skip "no second unprivileged user"
[ -x "$RM" ] || { not_ok "$RM is built"; finish; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rm-ctlabuse.XXXXXX") || exit 2
chmod 755 "$TMP"
D=$TMP
mkdir -p "$D/run" && chmod 755 "$D/run"
# the clients run as other users too: copies they can read, a python they can run
cp "$ABUSE" "$D/ctlabuse.py" && cp "$top_srcdir/tests/e2e/ctl.py" "$D/ctl.py" && cp "$top_srcdir/tests/lib/rmctl.py" "$D/rmctl.py" && chmod 755 "$D"/*.py
PY_OTHER=
for p in /usr/bin/python3 "$PYTHON"; do
    if setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups "$p" -c '' 2>/dev/null; then
        PY_OTHER=$p; break
    fi
done
[ -n "$PY_OTHER" ] || skip "no python3 that user nobody can run"
SOCK=$D/run/control.sock
printf '%s\n' 192.0.2.0/24 > "$D/allow.list"
printf '%s\n' 192.0.2.66 > "$D/deny.list"
: > "$D/local-ip.list"
chmod 644 "$D"/*.list
daemon_conf "$D/relaymilter.conf" "$SOCK" "user = nobody"

abuse() { "$PYTHON" "$D/ctlabuse.py" "$@"; }
# as USER [--regid GROUP] CMD...: run CMD as another user, no supplementary groups
as() {
    local u=$1 g; shift
    g=$(id -g "$u")
    if [ "$1" = --regid ]; then g=$2; shift 2; fi
    setpriv --reuid="$(id -u "$u")" --regid="$g" --clear-groups "$@"
}
ctl() { "$PYTHON" "$D/ctl.py" "$SOCK" "$*"; }
fds() { find "/proc/$PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

"$RM" -f -c "$D/relaymilter.conf" >"$D/log" 2>&1 &
PID=$!
PIDS="$PIDS $PID"
if wait_ctl "$PID"; then ok "relaymilter starts as root and drops to nobody"
else not_ok "relaymilter starts as root and drops to nobody" "$(cat "$D/log")"; finish; fi
fds0=$(fds)
gen0=$(ctl STATUS | sed -n 's/^generation: //p')

# ---- a loop of milter sessions for the whole test: allowed, denied, unlisted
# One line per session: START END NAME RESULT ("ok" or "bad").
decide_loop() {
    local n=0 ip want t0 out r
    while [ ! -e "$D/stop-deciding" ]; do
        case $((n % 3)) in
            0) ip=192.0.2.7 want=continue ;;
            1) ip=192.0.2.66 want=replycode ;;
            2) ip=203.0.113.9 want=replycode ;;
        esac
        t0=${EPOCHREALTIME/,/.}
        out=$("$MILTERTEST" -D "sock=inet:$PORT@127.0.0.1" -D "lib=$LUA/lib.lua" -D "name=$ip" \
            -D "ip=$ip" -D "to=<x@example.net>" -D "want=$want" -s "$LUA/rcpt.lua" 2>&1)
        r=bad
        [ "${out#ok - }" != "$out" ] && r=ok
        echo "$t0 ${EPOCHREALTIME/,/.} $ip $r${out:+ ${out//$'\n'/ | }}" >> "$D/decisions"
        n=$((n + 1))
    done
}
: > "$D/decisions"
decide_loop &
LOOP=$!
PIDS="$PIDS $LOOP"
sleep 0.5
# decisions_since T: "count bad max_seconds" of the sessions that started after T
decisions_since() {
    awk -v t="$1" '$1 >= t { n++; if ($4 != "ok") bad++; d = $2 - $1; if (d > m) m = d }
        END { printf "%d %d %.2f\n", n, bad, m }' "$D/decisions"
}
# phase NAME T0: the milter kept deciding during the phase that began at T0
phase_decided() {
    local n bad m
    read -r n bad m < <(decisions_since "$2")
    if [ "$n" -gt 0 ] && [ "$bad" -eq 0 ] && awk -v m="$m" 'BEGIN { exit !(m < 3) }'; then
        ok "while $1: the milter kept deciding ($n sessions, all right, slowest ${m}s)"
    else
        not_ok "while $1: the milter kept deciding ($n sessions, $bad wrong, slowest ${m}s)" \
            "$(awk -v t="$2" '$1 >= t && $4 != "ok"' "$D/decisions" | head -n 3)"
    fi
}
now() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }
# served NAME SECONDS: a STATUS is answered within SECONDS, timed from the
# client's connect to the end of the answer (not counting python's start)
served() {
    local out s
    out=$(abuse burst "$SOCK" 1 STATUS 2>&1)
    s=$(printf '%s\n' "$out" | sed -n 's/.*max_latency=\([0-9.]*\) answers=OK:1 .*/\1/p')
    if [ -n "$s" ] && awk -v s="$s" -v m="$2" 'BEGIN { exit !(s <= m) }'; then ok "$1 (${s}s)"
    else not_ok "$1 (${s:-no answer}s)" "$out"; fi
}

# ======================================================================
# peers
t=$(now)
expect "root is served" '^OK status$' "$(ctl STATUS | head -n 1)"
out=$(as nobody "$PY_OTHER" "$D/ctlabuse.py" burst "$SOCK" 1 STATUS)
expect "the daemon's own user (nobody) is served" 'answers=OK:1 ' "$out"
out=$(as nobody "$PY_OTHER" "$D/ctl.py" "$SOCK" RELOAD)
expect "the daemon's own user may reload" '^OK reloaded generation' "$out"
grp=$(stat -c %G "$SOCK")
out=$(as "$other" --regid "$(id -g nobody)" "$PY_OTHER" "$D/ctl.py" "$SOCK" STATUS 2>&1)
expect "user $other in the socket's group ($grp) reaches the socket and is refused" '^ERR permission denied$' "$out"
out=$(as "$other" --regid "$(id -g nobody)" "$PY_OTHER" "$D/ctl.py" "$SOCK" RELOAD 2>&1)
expect "...RELOAD too" '^ERR permission denied$' "$out"
expect "...and the refusal is logged with its uid" "refused a client with uid $(id -u "$other")" "$(cat "$D/log")"
out=$(as "$other" "$PY_OTHER" "$D/ctl.py" "$SOCK" STATUS 2>&1)
expect "user $other outside the group cannot even connect (mode 0660)" 'Permission denied' "$out"
out=$(as "$other" --regid "$(id -g nobody)" "$PY_OTHER" "$D/ctlabuse.py" burst "$SOCK" 50 STATUS)
expect "50 refused clients at once: every one refused" 'answers=ERR:50 ' "$out"
# refused clients are told in slots of their own: 300 of them connecting
# and holding on never take a served client's place
as "$other" --regid "$(id -g nobody)" "$PY_OTHER" "$D/ctlabuse.py" idle "$SOCK" 300 3 > "$D/refused-idle.out" &
ridle=$!
PIDS="$PIDS $ridle"
sleep 1
served "300 refused clients of user $other holding on: root's STATUS is answered within 1 s" 1
wait "$ridle"
note "$(cat "$D/refused-idle.out")"
phase_decided "other users knocked" "$t"

# ======================================================================
# garbage
t=$(now)
out=$(abuse garbage "$SOCK" 400 1); rc=$?
note "$out"
check "400 clients of random bytes: every answer is OK, ERR or nothing" test $rc -eq 0
out=$(abuse nasty "$SOCK"); rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check "hostile lines (NUL, CRLF, BOM, UTF-16, format strings, 1000-digit address, several lines): each answered OK or ERR" test $rc -eq 0
expect "after the garbage: STATUS still answers" '^OK status$' "$(ctl STATUS | head -n 1)"
phase_decided "garbage was fed" "$t"

# ======================================================================
# huge input
t=$(now)
out=$(abuse huge "$SOCK" $((64 * 1024 * 1024)))
note "$out"
expect "64 MiB without a newline: the daemon answers ERR and stops reading" \
    "reply=b'ERR command line is over 1023 bytes'|stopped_by=.*(reset|Broken pipe)" "$out"
sent=$(printf '%s\n' "$out" | sed -n 's/^sent=\([0-9]*\).*/\1/p')
check "...having taken at most a few hundred KiB of it (${sent:-?} bytes)" test "${sent:-999999999}" -le $((1024 * 1024))
served "...and serves the next client at once" 3
phase_decided "a huge line was sent" "$t"

# ======================================================================
# many at once
t=$(now)
out=$(abuse burst "$SOCK" 200 STATUS)
note "200 x STATUS: $out"
expect "200 concurrent STATUS: all answered OK" 'clients=200 .*answers=OK:200 ' "$out"
out=$(abuse burst "$SOCK" 200 "CHECK 192.0.2.66")
note "200 x CHECK: $out"
expect "200 concurrent CHECK: all answered, all alike" 'answers=OK:200 distinct_first_lines=1$' "$out"
phase_decided "200 clients came at once" "$t"

# The control socket serves all its clients at once (tests/system/control-loop.sh
# checks its deadlines and limits): 200 idle clients are all held, and a
# STATUS meanwhile is answered at once; they used to be served one at a time.
t=$(now)
abuse idle "$SOCK" 200 4 > "$D/idle.out" &
idle=$!
PIDS="$PIDS $idle"
sleep 1
served "200 idle clients held open: a STATUS meanwhile is answered within 1 s" 1
wait "$idle"
note "200 idle clients: $(cat "$D/idle.out")"
expect "...all 200 were accepted (no backlog filled)" 'connected=200 ' "$(cat "$D/idle.out")"
served "after the idle clients go away, the control socket serves at once" 1
phase_decided "200 idle clients held the control socket" "$t"

t=$(now)
abuse trickle "$SOCK" 12 > "$D/trickle.out" &
tr=$!
PIDS="$PIDS $tr"
sleep 0.5
served "while a client trickles a byte every 0.2 s, the next STATUS is answered at once" 1
wait "$tr"
note "trickler: $(cat "$D/trickle.out")"
expect "...and the trickler is cut off after 2 s (no complete line)" \
    'seconds=(1\.[5-9]|2\.|3\.)[0-9]* stopped_by=.*(reset|Broken pipe)' "$(cat "$D/trickle.out")"
phase_decided "a client trickled" "$t"

# ======================================================================
# afterwards
touch "$D/stop-deciding"
wait "$LOOP"
read -r n bad m < <(decisions_since 0)
check "over the whole test the milter decided $n sessions, $bad wrong, slowest ${m}s" test "$n" -gt 50 -a "$bad" -eq 0
check "the same daemon is still running" kill -0 "$PID"
st=$(ctl STATUS)
expect "the policy is unchanged (the reloads were of the same lists)" '^entries_allow: 1$' "$st"
expect "...and only the daemon's user's reload happened" "^generation: $((gen0 + 1))\$" "$st"
end_checks "$PID" "$fds0" "$D/log"
finish
