#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/system/trust.sh - the files that decide, against another user on
# this machine, a careless admin, a FIFO and a hostile list line.
#
# A user created for the test (rmt..., removed at the end) tries to change
# what relays: writing the domains file, owning a list, a list directory
# writable by anyone (0777), sticky but not root's (1777), or simply its
# own; a symbolic link put where a list was; a FIFO as a list and as the
# domains file; a list the daemon's user cannot read; /dev/zero as a list;
# escape sequences and a fullwidth digit in a list.  Each is tried twice:
# with relaymilter -n (the message, within 5 s, exit 1) and against a
# running daemon (user = nobody) asked to reload: the reload is refused
# with the same message, the lists in force do not change (generation,
# entries, a CHECK), STATUS answers within 1 s, and at the end SIGTERM
# stops it.  relayctl lint says the same words, and relayctl add refuses a
# symbolic link rather than replacing it.  Prints "ok - NAME" /
# "not ok - NAME" and "N passed, N failed".  Needs root (77 otherwise).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

umask 022
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
RM=$top_builddir/milter/relaymilter
RC=$top_builddir/cli/relayctl
CTL=$top_builddir/tests/ctlclient
PYTHON=$(command -v python3 || true)

. "$top_srcdir/tests/system/lib.sh"

[ "$(id -u)" = 0 ] || skip "not root (the test creates a user and chowns files to it)"
[ -n "$PYTHON" ] || skip "python3 not found"
command -v useradd >/dev/null 2>&1 || skip "useradd not found"
command -v setpriv >/dev/null 2>&1 || skip "setpriv not found"
id nobody >/dev/null 2>&1 || skip "no user nobody"
[ -x "$RM" ] && [ -x "$RC" ] && [ -x "$CTL" ] || { not_ok "relaymilter, relayctl and tests/ctlclient are built"; finish; }

RMT=rmt$$$RANDOM
RMT=${RMT:0:30}
trap 'cleanup; userdel "$RMT" 2>/dev/null' EXIT
useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$RMT" 2>/dev/null || skip "useradd $RMT failed"
RMT_UID=$(id -u "$RMT")
as_rmt() { setpriv --reuid="$RMT_UID" --regid="$(id -g nobody)" --clear-groups "$@"; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rm-trust.XXXXXX") || exit 2
chmod 755 "$TMP"
D=$TMP/etc
mkdir -m 755 "$D" "$TMP/run"
SOCK=$TMP/run/control.sock
PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$D/relaymilter.conf" <<EOF
milter_socket = inet:$PORT@127.0.0.1
control_socket = $SOCK
relay_flags = deny, allow
allow_list = allow.list
deny_list = deny.list
local_domains = file:domains
user = nobody
EOF
# the good state, restored after every attack
good() {
    rm -rf "$D/allow.list" "$D/domains" "$D/evil" "$D/target"
    chown root:root "$D"; chmod 755 "$D"
    printf '%s\n' 192.0.2.0/24 > "$D/allow.list"
    printf '%s\n' 192.0.2.66 > "$D/deny.list"
    printf '%s\n' example.com > "$D/domains"
    chmod 644 "$D/allow.list" "$D/deny.list" "$D/domains" "$D/relaymilter.conf"
}
good
ctl() { timeout 5 "$CTL" "$SOCK" "$@"; }
fds() { find "/proc/$PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
# preflight NAME REGEX: relaymilter -n refuses, within 5 s, saying REGEX
preflight() {
    local rc
    out=$(timeout 5 "$RM" -n -c "$D/relaymilter.conf" 2>&1); rc=$?
    if [ "$rc" = 1 ]; then ok "-n, $1: exits 1"
    else not_ok "-n, $1: exits 1" "exit $rc (124: it hung): $out"; fi
    expect "-n, $1: the message" "$2" "$out"
    expect "-n, $1: says it would not start" 'relaymilter would not start' "$out"
}

# ---- pre-flight: relaymilter -n
out=$("$RM" -n -c "$D/relaymilter.conf" 2>&1)
expect "-n: the good configuration passes" 'configuration OK' "$out"

chmod 666 "$D/domains"
as_rmt sh -c "echo victim.example >> '$D/domains'"
preflight "a domains file anyone can write (another user appended to it)" \
    "^$D/domains: error: refusing a file that anyone can write \\(mode 0666\\); chmod go-w it\$"
expect "-n, the domains file: names the setting" "relaymilter.conf:6: error: local_domains: cannot use file:$D/domains" "$out"
good

chown "$RMT" "$D/domains"
preflight "a domains file another user owns" \
    "^$D/domains: error: refusing a file owned by uid $RMT_UID: only root or nobody may own it; chown it\$"
good

chown "$RMT" "$D/allow.list"
preflight "a 0644 list another user owns" \
    "^$D/allow.list: error: refusing a file owned by uid $RMT_UID: only root or nobody may own it; chown it\$"
good

chmod 777 "$D"
preflight "a list directory anyone can write (0777)" \
    "^$D/relaymilter.conf: error: refusing it: its directory $D can be written by anyone \\(mode 0777, owner uid 0\\)"
good

chown "$RMT" "$D"; chmod 1777 "$D"
preflight "a sticky list directory another user owns (1777)" \
    "its directory $D can be written by anyone \\(mode 1777, owner uid $RMT_UID\\).*sticky is not enough: the directory is not root's"
good

chown "$RMT" "$D"
preflight "a 0755 list directory another user owns" \
    "its directory $D is owned by uid $RMT_UID, who could put another file in its place; only root or nobody may own it"
good

printf '%s\n' 0.0.0.0/0 > "$D/target"; rm "$D/allow.list"; ln -s target "$D/allow.list"
preflight "a list that is a symbolic link" \
    "^$D/allow.list: error: refusing a symbolic link: policy sources are never read through a link; name the file itself\$"
good

rm "$D/allow.list"; mkfifo -m 644 "$D/allow.list"
preflight "a FIFO as a list" "^$D/allow.list: error: not a regular file \\(it is a FIFO\\)\$"
good

rm "$D/domains"; mkfifo -m 644 "$D/domains"
preflight "a FIFO as the domains file" "^$D/domains: error: not a regular file \\(it is a FIFO\\)\$"
good

sed -i 's|^allow_list = .*|allow_list = /dev/zero|' "$D/relaymilter.conf"
preflight "/dev/zero as a list" "^/dev/zero: error: not a regular file \\(it is a character device\\)\$"
sed -i 's|^allow_list = .*|allow_list = allow.list|' "$D/relaymilter.conf"

chmod 600 "$D/allow.list"
preflight "user = nobody and a 0600 list of root's" \
    "^$D/allow.list: error: nobody cannot read it \\(mode 0600, owner uid 0, group gid 0\\)\$"
lint=$("$RC" -c "$D/relaymilter.conf" lint 2>&1)
expect "lint: the same words as -n for the 0600 list" \
    "^$D/allow.list: error: nobody cannot read it \\(mode 0600, owner uid 0, group gid 0\\)\$" "$lint"
good

chmod 711 "$D"; chmod 700 "$TMP"
preflight "user = nobody and a directory it cannot search" \
    "nobody cannot reach it: no search permission on the directory $TMP \\(mode 0700, owner uid 0\\)"
chmod 755 "$TMP"
good

printf '192.0.2.0/24\n\033[2J\033[H10.0.0.1\n\357\274\221.2.3.4\n' > "$D/allow.list"
out=$(timeout 5 "$RM" -n -c "$D/relaymilter.conf" 2>&1)
expect "-n, escape sequences: escaped, not raw" \
    "^$D/allow.list:2:1: error: unexpected byte 0x1B \\(entries are ASCII\\) in \"\\\\x1b\\[2J\\\\x1b\\[H10.0.0.1\"\$" "$out"
check "-n, escape sequences: no ESC byte in the output" sh -c '! printf "%s" "$1" | grep -q "$(printf "\033")"' sh "$out"
expect "-n, a fullwidth digit: named" \
    "^$D/allow.list:3:1: error: unexpected character U\\+FF11 FULLWIDTH DIGIT ONE \\(entries are ASCII\\) in \"\\\\uFF11.2.3.4\"\$" "$out"
lint=$("$RC" -c "$D/relaymilter.conf" lint 2>&1)
check "lint: no ESC byte in the output" sh -c '! printf "%s" "$1" | grep -q "$(printf "\033")"' sh "$lint"
expect "lint: the fullwidth digit named the same way" "U\\+FF11 FULLWIDTH DIGIT ONE" "$lint"
good

# ---- relayctl add on a symbolic link: refused, the link and its target kept
printf '%s\n' 192.0.2.0/24 > "$D/target"; chmod 644 "$D/target"; rm "$D/allow.list"; ln -s target "$D/allow.list"
out=$("$RC" -c "$D/relaymilter.conf" add allow 198.51.100.1 2>&1); rc=$?
expect "add on a symlinked list: refused, and says so" \
    "^$D/allow.list: error: refusing a symbolic link: policy sources are never read through a link" "$out"
expect "add on a symlinked list: says the list is unchanged" "add: $D/allow.list is unchanged" "$out"
check "add on a symlinked list: exits 1" test "$rc" = 1
check "add on a symlinked list: the link is still a link" test -L "$D/allow.list"
check "add on a symlinked list: its target is unchanged" test "$(cat "$D/target")" = 192.0.2.0/24
check "add on a symlinked list: no .bak beside it" test ! -e "$D/allow.list.bak"
good
rm "$D/allow.list"; mkfifo -m 644 "$D/allow.list"
out=$(timeout 5 "$RC" -c "$D/relaymilter.conf" add allow 198.51.100.1 2>&1); rc=$?
check "add on a FIFO: returns within 5 s with exit 1" test "$rc" = 1
expect "add on a FIFO: not a regular file" "^$D/allow.list: error: not a regular file \\(it is a FIFO\\)\$" "$out"
good

# ---- a running daemon (as nobody), asked to reload each attack
"$RM" -f -c "$D/relaymilter.conf" >"$TMP/log" 2>&1 &
PID=$!
PIDS="$PIDS $PID"
if wait_ctl "$PID"; then ok "relaymilter starts and drops to nobody"
else not_ok "relaymilter starts and drops to nobody" "$(cat "$TMP/log")"; finish; fi
fds0=$(fds)
gen0=$(ctl STATUS | sed -n 's/^generation: //p')

# in_force NAME: the lists loaded at the start still decide, and STATUS
# answered within 1 s
in_force() {
    local st t0 t1
    t0=${EPOCHREALTIME/./}
    st=$(timeout 1 "$CTL" "$SOCK" STATUS)
    t1=${EPOCHREALTIME/./}
    check "$1: STATUS answers within 1 s ($(( (t1 - t0) / 1000 )) ms)" test -n "$st"
    expect "$1: the generation in force is unchanged" "^generation: $gen0\$" "$st"
    expect "$1: the allow list in force is unchanged" '^entries_allow: 1$' "$st"
    expect "$1: a listed client still relays" '^OK allow allow-list' "$(ctl CHECK 192.0.2.7)"
    expect "$1: an unlisted client still does not" '^OK deny' "$(ctl CHECK 203.0.113.9)"
}
# reload NAME REGEX: RELOAD is refused, saying REGEX, and nothing changed
reload() {
    local out
    out=$(ctl RELOAD)
    expect "reload, $1: refused; previous lists remain in force" \
        "^ERR reload failed; previous lists remain in force \\(generation $gen0\\)" "$out"
    expect "reload, $1: the message" "$2" "$out"
    in_force "reload, $1"
}

chmod 666 "$D/domains"
as_rmt sh -c "echo victim.example >> '$D/domains'"
reload "a domains file another user wrote" "$D/domains: error: refusing a file that anyone can write \\(mode 0666\\)"
good
chown "$RMT" "$D/allow.list"
reload "a list another user owns" "$D/allow.list: error: refusing a file owned by uid $RMT_UID: only root or nobody"
good
chmod 777 "$D"
printf '%s\n' 0.0.0.0/0 > "$TMP/evil"; chmod 644 "$TMP/evil"
as_rmt sh -c "cat '$TMP/evil' > '$D/evil' && mv -f '$D/evil' '$D/allow.list'"
check "the attacker could rename a file over allow.list in a 0777 directory" grep -q 0.0.0.0/0 "$D/allow.list"
reload "a list renamed over by another user in a 0777 directory" "its directory $D can be written by anyone \\(mode 0777"
good
chown "$RMT" "$D"; chmod 1777 "$D"
reload "a sticky (1777) directory another user owns" "sticky is not enough: the directory is not root's"
good
printf '%s\n' 0.0.0.0/0 > "$D/target"; rm "$D/allow.list"; ln -s target "$D/allow.list"
reload "a list replaced by a symbolic link" "$D/allow.list: error: refusing a symbolic link"
good
chmod 600 "$D/allow.list"
reload "a 0600 list of root's (as nobody)" "$D/allow.list: error: nobody cannot read it \\(mode 0600, owner uid 0, group gid 0\\)"
good
printf '\033[2J\033]0;owned\007192.0.2.1\n' > "$D/allow.list"
out=$(ctl RELOAD)
expect "reload, escape sequences: escaped in the reply" '\\x1b\[2J\\x1b\]0;owned\\x07192\.0\.2\.1' "$out"
in_force "reload, escape sequences"
good

rm "$D/allow.list"; mkfifo -m 644 "$D/allow.list"
reload "a FIFO as a list" "$D/allow.list: error: not a regular file \\(it is a FIFO\\)"
kill -HUP "$PID"
in_force "SIGHUP with a FIFO as a list"
good
rm "$D/domains"; mkfifo -m 644 "$D/domains"
reload "a FIFO as the domains file" "$D/domains: error: not a regular file \\(it is a FIFO\\)"
kill -HUP "$PID"
sleep 0.5
in_force "SIGHUP with a FIFO as the domains file"
expect "the log says the reload failed and what stays" \
    "reload failed \\(SIGHUP\\); previous lists remain in force \\(generation $gen0[,)].*: $D/domains: error: not a regular file" \
    "$(cat "$TMP/log")"
# the FIFO stays while the daemon is told to stop: it still stops
end_checks "$PID" "$fds0" "$TMP/log"
good

finish
