# SPDX-License-Identifier: BSD-2-Clause
# tests/system/lib.sh - what the system tests share, sourced (bash) before
# any check; TMP and PIDS start empty and the test fills them.  Results
# print as "ok - NAME" / "not ok - NAME" (with an indented reason); finish
# prints the last line "N passed, N failed" and exits 1 if anything
# failed; skip exits 77.
# On exit every pid in PIDS is killed and TMP removed.

passed=0 failed=0 TMP='' PIDS=''
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() {
    failed=$((failed + 1))
    echo "not ok - $1"
    [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/#   /'
    return 0
}
check() { local n=$1; shift; if "$@"; then ok "$n"; else not_ok "$n"; fi; }
expect() { if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"; else not_ok "$1" "want /$2/ in: $3"; fi; }
note() { echo "# $*"; }
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}
skip() { echo "# $*: skipped"; echo "0 passed, 0 failed"; exit 77; }
cleanup() {
    local p
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    [ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP

# daemon_conf FILE SOCKET [LINE...] - a test daemon's configuration (mode
# 0644): a free loopback milter port (left in PORT; python3 in $PYTHON picks
# it), control_socket SOCKET, relay_flags deny, allow, local domain
# example.com, then each LINE
daemon_conf() {
    local f=$1 sock=$2
    shift 2
    PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    printf '%s\n' "milter_socket = inet:$PORT@127.0.0.1" "control_socket = $sock" \
        "relay_flags = deny, allow" "local_domains = example.com" "$@" > "$f"
    chmod 644 "$f"
}

# wait_ctl PID - wait up to 10 s for the daemon PID to answer STATUS through
# the test's own ctl function; false if it does not, or dies first
wait_ctl() {
    for _ in $(seq 100); do
        ctl STATUS >/dev/null 2>&1 && return 0
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# end_checks PID FDS0 LOG - a daemon's last checks: its descriptors back to
# FDS0 (given a few seconds for closing connections; the test's own fds
# function counts them), a clean exit 0 on SIGTERM, and no sanitizer
# report in LOG
end_checks() {
    local pid=$1 fds0=$2 log=$3 reports
    for _ in $(seq 30); do [ "$(fds)" -le "$fds0" ] && break; sleep 0.1; done
    check "its open fds are back to where they were ($fds0, now $(fds))" test "$(fds)" -le "$fds0"
    kill -TERM "$pid"
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    wait "$pid" 2>/dev/null
    check "it stops with exit 0 on SIGTERM" test $? -eq 0
    reports=$(grep -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$log" | head -n 5)
    check "no sanitizer report in the daemon log" test -z "$reports"
}
