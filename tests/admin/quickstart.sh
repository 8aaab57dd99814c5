#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# quickstart.sh - ./quickstart.sh (its run mode) on this build: it prints
# the main.cf line for the socket the daemon really listens on, which
# RELAYMILTER_SOCKET chooses (inet: and unix:), and when the port is taken
# it passes on the daemon's real error ("Address already in use").  Runs
# the script with BUILDDIR set to this build, so it only makes what is
# made already; its private configuration is quickstart.d in the build.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
. "$srcdir/tests/system/lib.sh"
PYTHON=$(command -v python3) || skip "python3 missing"
[ "$builddir" != "$srcdir" ] || skip "the build is the source tree; quickstart.sh builds out of tree"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rm-quickstart.XXXXXX") || exit 2
chmod 755 "$TMP"
relayctl=$builddir/cli/relayctl
qconf=$builddir/quickstart.d/relaymilter.conf

free_port() { "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ctl() { "$relayctl" -c "$qconf" status; }

# start NAME SOCKET: run quickstart.sh with RELAYMILTER_SOCKET=SOCKET in the
# background ($qpid: it execs the daemon), its output in $TMP/NAME.out
start() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL RELAYMILTER_SOCKET="$2" BUILDDIR="$builddir" \
        "$srcdir/quickstart.sh" >"$TMP/$1.out" 2>&1 </dev/null &
    qpid=$!
    PIDS="$PIDS $qpid"
}
# serving PID: the daemon answers STATUS (up to 120 s: quickstart makes first)
serving() {
    for _ in $(seq 1200); do
        ctl >/dev/null 2>&1 && return 0
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
stop() { kill -TERM "$1" 2>/dev/null; for _ in $(seq 150); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done; wait "$1" 2>/dev/null; }

# 1. inet: the port chosen, printed in Postfix's spelling, and listened on
port=$(free_port)
start inet "inet:$port@127.0.0.1"
if serving "$qpid"; then
    ok "RELAYMILTER_SOCKET=inet:$port@127.0.0.1: the daemon serves"
    out=$(cat "$TMP/inet.out")
    expect "it prints smtpd_milters = inet:127.0.0.1:$port" "^    smtpd_milters = inet:127\\.0\\.0\\.1:$port\$" "$out"
    check "it does not print the sample's 8891" test -z "$(grep -E '(^|[^0-9])8891([^0-9]|$)' "$TMP/inet.out")"
    check "the daemon listens on 127.0.0.1:$port" "$PYTHON" -c \
        'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2).close()' "$port"
    expect "its configuration says milter_socket = inet:$port@127.0.0.1" "^milter_socket: inet:$port@127\\.0\\.0\\.1\$" \
        "$("$builddir/milter/relaymilter" -n -c "$qconf" 2>&1)"
else
    not_ok "RELAYMILTER_SOCKET=inet:$port@127.0.0.1: the daemon serves" "$(cat "$TMP/inet.out")"
fi
stop "$qpid"

# 2. the port in use: the daemon's own error, not a guess
held=$TMP/held.py
cat >"$held" <<'PY'
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True)
time.sleep(120)
PY
exec 3< <(exec "$PYTHON" "$held")
PIDS="$PIDS $!"
read -r busy <&3
start busy "inet:$busy@127.0.0.1"
for _ in $(seq 1200); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.1; done
wait "$qpid"; rc=$?
check "port $busy in use: quickstart.sh fails (exit $rc)" test "$rc" -ne 0
out=$(cat "$TMP/busy.out")
expect "...with the daemon's error: Address already in use" "cannot listen on milter_socket inet:$busy@127\\.0\\.0\\.1: .*Address already in use" "$out"
check "...and no guess" test -z "$(grep -F 'or not permitted?' "$TMP/busy.out")"
exec 3<&-

# 3. unix: the path, printed as Postfix writes it
usock=$TMP/milter.sock
start unix "unix:$usock"
if serving "$qpid"; then
    ok "RELAYMILTER_SOCKET=unix:$usock: the daemon serves"
    expect "it prints smtpd_milters = unix:$usock" "^    smtpd_milters = unix:$usock\$" "$(cat "$TMP/unix.out")"
    check "the daemon listens at $usock" test -S "$usock"
else
    not_ok "RELAYMILTER_SOCKET=unix:$usock: the daemon serves" "$(cat "$TMP/unix.out")"
fi
stop "$qpid"

# 4. a value that is no socket: refused, by name
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL RELAYMILTER_SOCKET=8891 BUILDDIR="$builddir" \
    "$srcdir/quickstart.sh" >"$TMP/bad.out" 2>&1 </dev/null
rc=$?
check "RELAYMILTER_SOCKET=8891 is refused (exit $rc)" test "$rc" -ne 0
expect "...naming RELAYMILTER_SOCKET and the forms it takes" "RELAYMILTER_SOCKET=8891: want inet:PORT@HOST" "$(cat "$TMP/bad.out")"
# 5. one that would smuggle a second configuration line in
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL RELAYMILTER_SOCKET="inet:1@127.0.0.1
user = root" BUILDDIR="$builddir" "$srcdir/quickstart.sh" >"$TMP/nl.out" 2>&1 </dev/null
rc=$?
check "a RELAYMILTER_SOCKET with a newline is refused (exit $rc)" test "$rc" -ne 0
expect "...saying why" "RELAYMILTER_SOCKET holds white space" "$(cat "$TMP/nl.out")"
finish
