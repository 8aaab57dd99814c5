#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/system/unit-verify.sh - etc/relaymilter.service, checked:
#   - systemd-analyze verify accepts it, with ExecStart pointing at the built
#     daemon and man pages (Documentation=) found in the source tree; and a
#     misspelled setting in a copy is noticed (so the check can fail);
#   - systemd-analyze security --offline: overall exposure at most
#     UNIT_MAX_EXPOSURE (default 3.0);
#   - the hardening settings are there, and nothing the daemon needs is
#     taken away: no User= (it starts as root, binds, chowns its sockets
#     and drops to "user" itself), CapabilityBoundingSet keeps CAP_SETUID,
#     CAP_SETGID and CAP_CHOWN, RuntimeDirectory= is the default
#     control_socket's directory;
#   - as root (without a systemd to run the unit, its credentials are
#     rebuilt with setpriv: no_new_privs, the unit's bounding set, its
#     UMask): the daemon starts, drops to nobody with no capability left,
#     reloads as nobody, decides (with miltertest) and stops cleanly;
#   - as root, with strace: every system call the daemon makes in its life
#     (start, privilege drop, milter sessions, control socket, reloads,
#     SIGHUP, stop) is allowed by the unit's SystemCallFilter= lines;
#   - no sanitizer report in any daemon's log (in a sanitizer build; the
#     daemon under strace is not leak-checked: LeakSanitizer cannot run
#     under ptrace).
# Prints "ok - NAME" / "not ok - NAME" and a last line "N passed, N failed";
# exits 1 if anything failed, 77 if systemd-analyze is missing.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

umask 022
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MILTERTEST:=$(command -v miltertest 2>/dev/null)}"
: "${UNIT_MAX_EXPOSURE:=3.0}"
UNIT=$top_srcdir/etc/relaymilter.service
RM=$top_builddir/milter/relaymilter
LUA=$top_srcdir/tests/milter
PYTHON=$(command -v python3 || true)

. "$top_srcdir/tests/system/lib.sh"

SA=$(PATH=$PATH:/usr/bin:/bin command -v systemd-analyze) || {
    echo "# systemd-analyze not found (Debian package systemd): skipped"
    echo "0 passed, 0 failed"
    exit 77
}
[ -r "$UNIT" ] || { not_ok "$UNIT exists"; finish; }
[ -x "$RM" ] || { not_ok "$RM is built"; finish; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rm-unit.XXXXXX") || exit 2
chmod 755 "$TMP"                        # the daemon reads its files here as nobody

# ======================================================================
# systemd-analyze verify
mkdir -p "$TMP/unit" "$TMP/man/man5" "$TMP/man/man8"
sed -e "s|^ExecStart=/usr/sbin/relaymilter\\( \\)|ExecStart=$RM\\1|" \
    -e "s|^ExecReload=+/usr/sbin/relayctl\\( \\)|ExecReload=+$top_builddir/cli/relayctl\\1|" \
    "$UNIT" > "$TMP/unit/relaymilter.service"
grep -q "^ExecStart=$RM " "$TMP/unit/relaymilter.service" ||
    not_ok "ExecStart= runs /usr/sbin/relaymilter" "$(grep '^ExecStart=' "$UNIT")"
cp "$top_srcdir/milter/relaymilter.8" "$top_srcdir/cli/relayctl.8" "$TMP/man/man8/" 2>/dev/null
cp "$top_srcdir/etc/relaymilter.conf.5" "$TMP/man/man5/" 2>/dev/null
man_opt=
if command -v man >/dev/null 2>&1; then
    export MANPATH=$TMP/man             # Documentation= must name pages of this tree
else
    man_opt=--man=no
    note "man is not installed: Documentation= is not checked"
fi
# verify [FILE]: systemd-analyze verify's output; returns its status
verify() { (cd "$TMP/unit" && "$SA" verify $man_opt "${1:-relaymilter.service}" 2>&1); }
out=$(verify); rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ]; then
    ok "systemd-analyze verify accepts the unit without a word"
else
    not_ok "systemd-analyze verify accepts the unit without a word" "exit $rc: $out"
fi
sed 's/^NoNewPrivileges=/NoNewPrivilege=/' "$TMP/unit/relaymilter.service" > "$TMP/unit/typo.service"
out=$(verify typo.service)
if printf '%s\n' "$out" | grep -q "NoNewPrivilege"; then
    ok "systemd-analyze verify notices a misspelled setting (the check can fail)"
else
    not_ok "systemd-analyze verify notices a misspelled setting (the check can fail)" "$out"
fi
rm -f "$TMP/unit/typo.service"

# ======================================================================
# systemd-analyze security
if sec=$(cd "$TMP/unit" && "$SA" security --offline=yes $man_opt relaymilter.service 2>&1); then
    level=$(printf '%s\n' "$sec" | sed -n 's/.*Overall exposure level for relaymilter.service: \([0-9.]*\).*/\1/p')
    if [ -n "$level" ] && awk -v l="$level" -v m="$UNIT_MAX_EXPOSURE" 'BEGIN { exit !(l <= m) }'; then
        ok "systemd-analyze security: exposure $level (at most $UNIT_MAX_EXPOSURE)"
    else
        not_ok "systemd-analyze security: exposure ${level:-?} (at most $UNIT_MAX_EXPOSURE)" \
            "$(printf '%s\n' "$sec" | grep '✗')"
    fi
else
    note "systemd-analyze security --offline is not supported here (systemd < 250): not checked"
fi

# ======================================================================
# the settings, as the unit file has them
# setting NAME: the value of the last NAME= line
setting() { sed -n "s/^$1=//p" "$UNIT" | tail -n 1; }
want() {
    local v; v=$(setting "$1")
    if [ "$v" = "$2" ]; then ok "$1=$2"; else not_ok "$1=$2" "found: ${v:-(not set)}"; fi
}
for kv in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes \
    ProtectClock=yes ProtectHostname=yes ProtectKernelLogs=yes ProtectKernelModules=yes \
    ProtectKernelTunables=yes ProtectControlGroups=yes RestrictRealtime=yes RestrictSUIDSGID=yes \
    RestrictNamespaces=yes LockPersonality=yes MemoryDenyWriteExecute=yes UMask=0027 \
    SystemCallArchitectures=native "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" \
    RuntimeDirectory=relaymilter Type=notify; do
    want "${kv%%=*}" "${kv#*=}"
done
check "SystemCallFilter= allows @system-service" grep -q '^SystemCallFilter=@system-service' "$UNIT"
check "ReadWritePaths= holds /run/relaymilter" grep -q '^ReadWritePaths=.*/run/relaymilter\b' "$UNIT"
check "ExecStart= runs relaymilter in the foreground (-f)" grep -Eq '^ExecStart=/usr/sbin/relaymilter( .*)? -f( |$)' "$UNIT"
check "ExecReload= is relayctl reload, which reports a refused reload, run unsandboxed (+)" \
    grep -Eq '^ExecReload=\+/usr/sbin/relayctl -c /etc/relaymilter/relaymilter.conf reload$' "$UNIT"
check "no User= or DynamicUser=: the daemon starts as root and drops privileges itself" \
    test -z "$(grep -E '^(User|DynamicUser)=' "$UNIT")"
bnd=$(setting CapabilityBoundingSet)
for c in CAP_SETUID CAP_SETGID CAP_CHOWN; do
    case " $bnd " in
        *" $c "*) ok "CapabilityBoundingSet= keeps $c (privilege drop, socket ownership)" ;;
        *) not_ok "CapabilityBoundingSet= keeps $c (privilege drop, socket ownership)" "found: $bnd" ;;
    esac
done
dflt=$("$top_builddir/tests/config_keys" | awk -F '\t' '$1 == "control_socket" { print $2 }')
check "RuntimeDirectory= is the default control_socket's directory (${dflt%/*})" \
    test "/run/$(setting RuntimeDirectory)" = "${dflt%/*}"

# ======================================================================
# the daemon with the unit's credentials (as root)
random_port() {
    local p
    while :; do
        p=$((10000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 22000))
        if "${PYTHON:-python3}" -c 'import socket, sys; s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$p" 2>/dev/null; then
            echo "$p"
            return
        fi
    done
}
# ctl COMMAND: one control-socket request
ctl() {
    if [ -x "$top_builddir/tests/ctlclient" ]; then "$top_builddir/tests/ctlclient" "$D/run/control.sock" "$@"
    else "$PYTHON" "$top_srcdir/tests/e2e/ctl.py" "$D/run/control.sock" "$*"; fi
}
# setup NAME: a directory like /etc/relaymilter and a /run/relaymilter
setup() {
    D=$TMP/$1
    mkdir -p "$D/run"
    chmod 755 "$D" "$D/run"
    printf '%s\n' 192.0.2.0/24 > "$D/allow.list"
    printf '%s\n' 192.0.2.66 > "$D/deny.list"
    : > "$D/local-ip.list"
    chmod 644 "$D"/*.list
    PORT=$(random_port)
    cat > "$D/relaymilter.conf" <<EOF
milter_socket = inet:$PORT@127.0.0.1
control_socket = $D/run/control.sock
pid_file = $D/run/relaymilter.pid
relay_flags = deny, allow
local_domains = example.com
user = nobody
EOF
    chmod 644 "$D/relaymilter.conf"
}
# serving: the control socket answers (up to 10 s); $1 is the pid to watch
serving() {
    local i
    for i in $(seq 100); do
        kill -0 "$1" 2>/dev/null || return 1
        ctl STATUS >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}
# decide IP WANT: one milter session through tests/milter/rcpt.lua
decide() {
    "$MILTERTEST" -D "sock=inet:$PORT@127.0.0.1" -D "lib=$LUA/lib.lua" -D "name=$1" -D "ip=$1" \
        -D "to=<x@example.net>" -D "want=$2" -s "$LUA/rcpt.lua" 2>&1
}
# stop_daemon PID: SIGTERM, wait up to 15 s; STOP_RC
stop_daemon() {
    local i
    kill -TERM "$1" 2>/dev/null
    for i in $(seq 150); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    STOP_RC=$?
}

if [ "$(id -u)" != 0 ] || ! id nobody >/dev/null 2>&1; then
    note "not root (or no user nobody): the daemon is not run with the unit's credentials"
    finish
fi
have_mt=
[ -n "$MILTERTEST" ] && [ -x "$MILTERTEST" ] && have_mt=yes
[ -n "$have_mt" ] || note "miltertest not found: no milter sessions below"

if command -v setpriv >/dev/null 2>&1; then
    setup creds
    caps=$(setting CapabilityBoundingSet | tr 'A-Z ' 'a-z\n' | sed -n 's/^cap_\(.*\)/+\1/p' | paste -sd, -)
    ( umask "$(setting UMask)"
      exec setpriv --no-new-privs --bounding-set="-all,$caps" --inh-caps=-all \
          "$RM" -f -c "$D/relaymilter.conf" ) >"$D/log" 2>&1 &
    pid=$!
    PIDS="$PIDS $pid"
    if serving "$pid"; then
        ok "with the unit's credentials (no_new_privs, bounding set $caps, UMask): the daemon starts"
        st=$(cat "/proc/$pid/status")
        uid=$(id -u nobody)
        check "...and drops to nobody (every uid)" \
            grep -Eq "^Uid:[[:space:]]+${uid}[[:space:]]+${uid}[[:space:]]+${uid}[[:space:]]+${uid}\$" <<< "$st"
        check "...holding no capability afterwards" grep -Eq '^CapEff:[[:space:]]+0+$' <<< "$st"
        check "...with no_new_privs set" grep -Eq '^NoNewPrivs:[[:space:]]+1$' <<< "$st"
        check "...its control socket belongs to nobody, mode 0660" \
            test "$(stat -c '%U %a' "$D/run/control.sock")" = "nobody 660"
        check "...its pid file is written under the UMask (0640)" \
            test "$(stat -c %a "$D/run/relaymilter.pid" 2>/dev/null)" = 640
        out=$(ctl RELOAD)
        case $out in "OK reloaded generation 2"*) ok "...and reloads its lists as nobody" ;;
            *) not_ok "...and reloads its lists as nobody" "$out" ;; esac
        if [ -n "$have_mt" ]; then
            out=$(decide 192.0.2.7 continue); check "...and lets a listed client relay" grep -q '^ok - ' <<< "$out"
            out=$(decide 203.0.113.9 replycode); check "...and refuses an unlisted one" grep -q '^ok - ' <<< "$out"
        fi
        stop_daemon "$pid"
        check "...and stops with exit 0 on SIGTERM" test "$STOP_RC" = 0
    else
        not_ok "with the unit's credentials (no_new_privs, bounding set $caps, UMask): the daemon starts" "$(cat "$D/log")"
        kill -9 "$pid" 2>/dev/null
    fi
else
    note "setpriv not found: the unit's credentials are not rebuilt"
fi

# ======================================================================
# system calls against SystemCallFilter= (as root, with strace)
if command -v strace >/dev/null 2>&1 && [ -n "$PYTHON" ]; then
    setup syscalls
    # NOTIFY_SOCKET as systemd sets it for Type=notify: the sd_notify calls
    # (a datagram socket, sendmsg) are traced too; nothing listens there.
    # LeakSanitizer cannot run under ptrace (in a sanitizer build it would
    # only report that, and fail): leaks are left to the daemon run above,
    # AddressSanitizer and UBSan still watch this one.
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 NOTIFY_SOCKET=$D/notify.sock \
        strace -f -qq -c -o "$D/strace.txt" "$RM" -f -c "$D/relaymilter.conf" >"$D/log" 2>&1 &
    spid=$!
    PIDS="$PIDS $spid"
    dpid=
    for i in $(seq 100); do
        dpid=$(cat "$D/run/relaymilter.pid" 2>/dev/null)
        [ -n "$dpid" ] && serving "$dpid" && break
        sleep 0.1
    done
    if [ -n "$dpid" ] && serving "$dpid"; then
        PIDS="$PIDS $dpid"
        # a life: sessions, control commands, reloads good and bad, SIGHUP
        if [ -n "$have_mt" ]; then
            decide 192.0.2.7 continue >/dev/null
            decide 192.0.2.66 replycode >/dev/null
        fi
        ctl STATUS >/dev/null
        ctl CHECK 192.0.2.7 >/dev/null
        ctl RELOAD >/dev/null
        echo "not-an-address" >> "$D/allow.list"
        ctl RELOAD >/dev/null
        printf '%s\n' 192.0.2.0/24 > "$D/allow.list"
        kill -HUP "$dpid"
        sleep 0.5
        ctl BOGUS >/dev/null
        [ -n "$have_mt" ] && decide 203.0.113.9 replycode >/dev/null
        kill -TERM "$dpid"
        for _ in $(seq 150); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
        wait "$spid" 2>/dev/null
        used=$(awk '/^-+ / { n++; next } n == 1 && $NF != "total" { print $NF }' "$D/strace.txt" | sort -u)
        # the unit's SystemCallFilter= lines, groups expanded: allowed minus ~denied
        allowed=$("$SA" syscall-filter 2>/dev/null | "$PYTHON" -c '
import sys
groups, cur = {}, None
for line in sys.stdin:
    s = line.strip()
    if line.startswith("@"):
        cur = s.split()[0]
        groups[cur] = []
    elif not s:
        cur = None
    elif cur and not s.startswith("#"):
        groups[cur].append(s)
def expand(x, seen=()):
    if not x.startswith("@"):
        return {x}
    out = set()
    for m in groups.get(x, []):
        if m not in seen:
            out |= expand(m, seen + (x,))
    return out
allow, deny = set(), set()
for line in open(sys.argv[1]):
    if line.startswith("SystemCallFilter="):
        v = line.split("=", 1)[1].strip()
        neg = v.startswith("~")
        for w in v.lstrip("~").split():
            (deny if neg else allow).update(expand(w))
print("\n".join(sorted(allow - deny)))
' "$UNIT")
        n=$(printf '%s\n' "$used" | grep -c .)
        note "system calls made: $(printf '%s\n' "$used" | paste -sd' ' -)"
        outside=$(comm -23 <(printf '%s\n' "$used") <(printf '%s\n' "$allowed" | sort -u) | paste -sd' ' -)
        if [ "$n" -gt 20 ] && [ -z "$outside" ]; then
            ok "the $n system calls of a daemon's life are all allowed by SystemCallFilter="
        else
            not_ok "the $n system calls of a daemon's life are all allowed by SystemCallFilter=" \
                "outside the filter: ${outside:-(none)}; strace summary: $(head -c 300 "$D/strace.txt")"
        fi
    else
        not_ok "the daemon starts under strace" "$(cat "$D/log")"
    fi
else
    note "strace or python3 not found: system calls are not checked against SystemCallFilter="
fi

reports=$(cat "$TMP"/*/log 2>/dev/null | grep -E 'AddressSanitizer|LeakSanitizer|runtime error:' | head -n 5)
check "no sanitizer report in any daemon log" test -z "$reports"
finish
