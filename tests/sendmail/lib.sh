# SPDX-License-Identifier: BSD-2-Clause
# tests/sendmail/lib.sh - harness for the end-to-end tests against a real
# Sendmail.
#
# Sourced by tests/sendmail/*.sh, after tests/e2e/lib.sh (the Postfix
# harness), whose reporting (ok, not_ok, expect, finish, skip_all), SMTP
# client (smtp, rcpt_reply, rcpt_code; tests/e2e/smtpc.py), control-socket
# client (ctl; tests/e2e/ctl.py) and relaymilter helpers (rm_config, rm_list,
# rm_start, rm_stop, rm_log_*) it reuses.  Postfix itself is not needed.
#
# Debian's sendmail packages conflict with postfix, so nothing is installed:
# .ci/fetch-sendmail.sh (run by ./quickstart.sh test before make check)
# fetches sendmail-bin, sendmail-base, sendmail-cf and libwrap0 with
# `apt-get download` and unpacks them into a cache; the tests themselves
# never reach the network and skip when the cache is empty.  A private .cf is built from an .mc
# with m4, and Sendmail runs in the foreground (-bD) on loopback.
#
# Sendmail runs under unshare(1) in namespaces of its own:
#   uts    a qualified host name (mx.local.test); with an unqualified one
#          Sendmail sleeps 60 s at every start.
#   mount  Cyrus SASL's Sendmail.conf is read only from fixed directories:
#          a private one is bind-mounted over /usr/lib/sasl2 (and /etc/sasl2,
#          /etc/sasl where they exist).  /dev is a private tmpfs with null,
#          zero, full, random, urandom and a /dev/log that is our own syslog
#          socket, so Sendmail's log lands in $SM_DIR/maillog and not in the
#          machine's syslog.
#   pid    Sendmail is process 1 there: when it exits, every child it left
#          (SMTP servers in flight) is killed by the kernel.  Nothing leaks.
#
# Environment (set by `make check`, or guessed for a manual run):
#   top_srcdir, top_builddir   source and build trees
#   RELAYMILTER                the daemon (default $top_builddir/milter/relaymilter)
#   SM_CACHE                   the unpacked packages (default
#                              $top_builddir/tests/sendmail/cache; kept between runs)
#   E2E_KEEP=1, E2E_VERBOSE=1, E2E_TIME=1   as in tests/e2e/lib.sh
#
# Sendmail facts this harness depends on (8.17.1.9, Debian 12):
# - Sendmail asks the milter only for recipients its own check_rcpt accepted.
#   RELAY_DOMAIN(127) and RELAY_DOMAIN(IPv6:::1) open Sendmail's own relay
#   check for every loopback client, so that rejections are the milter's.
#   Sendmail logs them as "Milter: to=<ADDR>, reject=550 5.7.1 ...".
# - Sendmail distrusts files whose directory path is world writable, as
#   /tmp is, unless DontBlameSendmail=TrustStickyBit: a milter socket there
#   (S=local:PATH) is a fatal error ("local socket name ... unsafe: World
#   writable directory"; the daemon does not start), and, with the private
#   files there, it skipped its own local-user check at RCPT ("Recipient ok
#   (will queue)" where it should say "550 5.1.1 User unknown").
#   LUSER_RELAY makes every local user exist, like Postfix's empty
#   local_recipient_maps in tests/e2e.
# - With F=T and the milter down, Sendmail answers 451 4.3.2 at MAIL.
# - Sendmail's reply to a milter rejection is "550 5.7.1 <ADDR>... TEXT".
# - {daemon_addr} is the address the listener was configured with
#   (DAEMON_OPTIONS Addr=): 127.0.0.1, 127.0.0.2, IPv6:::1 here, 0.0.0.0
#   for a listener on every address (tests/sendmail/wildcard.sh).
#   {if_addr} is the connection's own address (getsockname), except on
#   loopback (127.0.0.0/8, ::1), where Sendmail leaves it empty.

[ -n "${BASH_VERSION:-}" ] || { echo "tests/sendmail/lib.sh needs bash" >&2; exit 2; }
SM_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The interpreter itself, not a wrapper on PATH (pyenv's shims cost a fork
# and an exec of bash per SMTP session).
[ -n "${PYTHON:-}" ] || PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || true)
. "$SM_LIB_DIR/../e2e/lib.sh"

: "${SM_CACHE:=$top_builddir/tests/sendmail/cache}"
SM_PKGS="sendmail-bin sendmail-base sendmail-cf libwrap0"
SM_SASL_PKGS="sasl2-bin libsasl2-modules"
SM_ROOT=$SM_CACHE/root
SM_DIR=
SM_PID=                                 # unshare's pid; Sendmail is its child
SM_LOGD_PID=                            # the syslog receiver
SM_BIN=
SM_LIBWRAP=
SM_SASL=0                               # 1: AUTH PLAIN/LOGIN offered
SM_SASL_PLUGINS=                        # a private plugin directory, when needed
SM_SASL_PLUGIN_DIR=                     # ... and the system's, that it covers
SM_SASLPASSWD=
SM_MILTER_SOCKET=                       # Sendmail's S= (default inet:MILTER_PORT@127.0.0.1)
: "${SM_LISTEN:=loopback}"              # loopback: 127.0.0.1, 127.0.0.2, [::1]
                                        # any: one listener on every IPv4 address

# ---------------------------------------------------------------- packages

# sm_unpacked STAMP: .ci/fetch-sendmail.sh has unpacked that group
sm_unpacked() {
    [ -f "$SM_CACHE/$1" ]
}

# sm_fetch: Sendmail unpacked in the cache (or skip the whole script).
# The tests never download: .ci/fetch-sendmail.sh does, before make check.
sm_fetch() {
    if ! sm_unpacked sendmail.stamp; then
        skip_all "Sendmail is not unpacked in $SM_CACHE: run .ci/fetch-sendmail.sh $SM_CACHE first (./quickstart.sh test does)"
    fi
    SM_BIN=$SM_ROOT/usr/libexec/sendmail/sendmail
    [ -x "$SM_BIN" ] || skip_all "no sendmail binary in the unpacked packages ($SM_BIN)"
    # The binary is setgid mail, which makes the loader ignore
    # LD_LIBRARY_PATH (needed for libwrap); root needs no setgid.
    chmod g-s "$SM_BIN"
    SM_LIBWRAP=$(dirname "$(find "$SM_ROOT" -name 'libwrap.so.0*' | head -n 1)")
    [ -d "$SM_ROOT/usr/share/sendmail/cf/m4" ] || skip_all "no sendmail-cf m4 files under $SM_ROOT"
}

# sm_sasl_setup: SMTP AUTH (PLAIN, LOGIN) from a private sasldb.  Uses the
# machine's Cyrus SASL tools and plugins when they are installed, else
# fetches sasl2-bin and libsasl2-modules into the cache and covers the
# system's plugin directory with a private copy inside the mount namespace.
sm_sasl_setup() {
    local sysdir lib
    SM_SASL=0
    lib=$(LD_LIBRARY_PATH=$SM_LIBWRAP ldd "$SM_BIN" 2>/dev/null | awk '$1 ~ /^libsasl2\.so/ {print $3; exit}')
    [ -n "$lib" ] || { note "sendmail does not link Cyrus SASL: SMTP AUTH is off"; return 1; }
    sysdir=$(dirname "$(readlink -f "$lib")")/sasl2
    # Sendmail.conf is looked for in /etc/sasl2, /etc/sasl, the plugin
    # directory and /usr/lib/sasl2; the existing ones are covered.
    [ -d /usr/lib/sasl2 ] || [ -d /etc/sasl2 ] || [ -d /etc/sasl ] || {
        note "no /usr/lib/sasl2 to hold Sendmail.conf: SMTP AUTH is off"; return 1; }
    SM_SASL_PLUGIN_DIR=$sysdir
    SM_SASLPASSWD=$(PATH=$PATH:/usr/sbin command -v saslpasswd2 || true)
    if [ -n "$SM_SASLPASSWD" ] && compgen -G "$sysdir/libplain.so*" >/dev/null &&
        compgen -G "$sysdir/liblogin.so*" >/dev/null && compgen -G "$sysdir/libsasldb.so*" >/dev/null &&
        [ "${SM_SASL_FROM:-}" != download ]; then
        SM_SASL=1
        return 0
    fi
    sm_unpacked sasl.stamp || {
        note "$SM_SASL_PKGS not unpacked in $SM_CACHE (.ci/fetch-sendmail.sh): SMTP AUTH is off"; return 1; }
    SM_SASLPASSWD=$SM_ROOT/usr/sbin/saslpasswd2
    # The sasldb plugin comes with libsasl2-2 itself (libsasl2-modules-db).
    SM_SASL_PLUGINS=$SM_DIR/sasl-plugins
    mkdir -p "$SM_SASL_PLUGINS"
    [ -d "$sysdir" ] && cp -a "$sysdir"/. "$SM_SASL_PLUGINS"/
    cp -a "$SM_ROOT$sysdir"/. "$SM_SASL_PLUGINS"/ 2>/dev/null
    if [ -x "$SM_SASLPASSWD" ] && [ -d "$sysdir" ] && compgen -G "$SM_SASL_PLUGINS/libplain.so*" >/dev/null &&
        compgen -G "$SM_SASL_PLUGINS/libsasldb.so*" >/dev/null; then
        SM_SASL=1
        return 0
    fi
    note "no Cyrus SASL plugins (PLAIN, LOGIN, sasldb) found: SMTP AUTH is off"
    return 1
}

# sm_add_user USER PASSWORD: a SASL user in the private sasldb (realm: the
# host name, as Sendmail asks for it)
sm_add_user() {
    [ "$SM_SASL" = 1 ] || return 1
    local db=$SM_DIR/sasl/sasldb2
    # saslpasswd2 exits 0 even when it found no sasldb plugin: check the file.
    if [ -n "$SM_SASL_PLUGINS" ]; then
        printf '%s' "$2" | SASL_PATH=$SM_SASL_PLUGINS "$SM_SASLPASSWD" -c -p -f "$db" -u "$SM_HOSTNAME" "$1"
    else
        printf '%s' "$2" | "$SM_SASLPASSWD" -c -p -f "$db" -u "$SM_HOSTNAME" "$1"
    fi
    [ -s "$db" ]
}

# ---------------------------------------------------------------- setup

sm_require() {
    [ "$(id -u)" -eq 0 ] || skip_all "Sendmail end-to-end tests need root (namespaces, bind mounts)"
    [ -n "$PYTHON" ] || skip_all "python3 not found"
    local c
    for c in m4 unshare mount; do
        command -v "$c" >/dev/null 2>&1 || skip_all "$c not found"
    done
    unshare --uts --mount --pid --fork true 2>/dev/null ||
        skip_all "unshare --uts --mount --pid does not work here (no namespaces?)"
    local ip
    for ip in 127.0.0.2 127.0.0.5; do
        "$PYTHON" -c "import socket,sys; s=socket.socket(); s.bind(('$ip',0))" 2>/dev/null ||
            skip_all "cannot bind $ip (no 127.0.0.0/8 on loopback)"
    done
}

sm_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    sm_stop 2>/dev/null
    sm_logd_stop 2>/dev/null
    # e2e_cleanup stops relaymilter and removes $E2E_TMP; it exits with $?.
    ( exit $rc )
    e2e_cleanup
}

# sm_init: temp dir, ports, trap, packages.  Call once, first.
sm_init() {
    sm_require
    E2E_TMP=$(mktemp -d /tmp/rm-sendmail.XXXXXX)
    trap sm_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    SM_DIR=$E2E_TMP/sendmail
    RM_DIR=$E2E_TMP/relaymilter
    mkdir -p "$SM_DIR" "$RM_DIR"
    read -r SMTP_PORT MILTER_PORT < <(free_ports)
    E2E_IPV6=0
    "$PYTHON" -c "import socket; s=socket.socket(socket.AF_INET6); s.bind(('::1',$SMTP_PORT))" 2>/dev/null && E2E_IPV6=1
    sm_fetch
    sm_sasl_setup
    note "tmp $E2E_TMP smtp port $SMTP_PORT milter port $MILTER_PORT cache $SM_CACHE"
}

# ---------------------------------------------------------------- Sendmail

SM_HOSTNAME=mx.$LOCAL_DOMAIN

# sm_filter_lines: the lines of etc/sendmail.mc that are not comments, with
# its socket replaced by ours (SM_MILTER_SOCKET, default inet:PORT@127.0.0.1)
sm_filter_lines() {
    local mc=$top_srcdir/etc/sendmail.mc
    if [ -r "$mc" ]; then
        grep -v '^dnl' "$mc" | sed "s|S=inet:8891@127\.0\.0\.1|S=$SM_MILTER_SOCKET|"
    else
        note "no $mc: a built-in INPUT_MAIL_FILTER line is used"
        echo "INPUT_MAIL_FILTER(\`relaymilter', \`S=$SM_MILTER_SOCKET, F=T, T=C:10s;S:10s;R:10s')dnl"
    fi
}

# sm_setup [MC-LINE...]: write $SM_DIR/sendmail.mc and build sendmail.cf.
# The lines are added before the MAILER lines (for example an undefine()).
sm_setup() {
    local d=$SM_DIR cf=$SM_ROOT/usr/share/sendmail/cf l
    : "${SM_MILTER_SOCKET:=inet:$MILTER_PORT@127.0.0.1}"
    mkdir -p "$d/queue" "$d/sasl" "$d/dev"
    chmod 700 "$d/queue"
    cp "$SM_ROOT/etc/mail/helpfile" "$d/helpfile"
    : > "$d/aliases"
    : > "$d/local-host-names"
    # No DNS: host names from /etc/hosts, aliases from the (empty) file.
    printf 'hosts\tfiles\naliases\tfiles\n' > "$d/service.switch"
    {
        cat <<MC
divert(-1)
# written by tests/sendmail/lib.sh
include(\`$cf/m4/cf.m4')
divert(0)dnl
VERSIONID(\`relaymilter sendmail e2e')dnl
OSTYPE(\`linux')dnl
define(\`QUEUE_DIR', \`$d/queue')dnl
define(\`STATUS_FILE', \`$d/statistics')dnl
define(\`ALIAS_FILE', \`$d/aliases')dnl
define(\`HELP_FILE', \`$d/helpfile')dnl
define(\`confCW_FILE', \`$d/local-host-names')dnl
define(\`confPID_FILE', \`$d/sendmail.pid')dnl
define(\`confSERVICE_SWITCH_FILE', \`$d/service.switch')dnl
define(\`confHOSTS_FILE', \`/etc/hosts')dnl
dnl Nothing is delivered; accepted mail waits in the private queue.
define(\`confDELIVERY_MODE', \`queue')dnl
define(\`confTO_IDENT', \`0')dnl
dnl A busy test machine must not make Sendmail refuse or delay connections.
define(\`confREFUSE_LA', \`999')dnl
define(\`confQUEUE_LA', \`999')dnl
define(\`confDELAY_LA', \`0')dnl
define(\`confMIN_FREE_BLOCKS', \`0')dnl
define(\`confBAD_RCPT_THROTTLE', \`0')dnl
define(\`confLOG_LEVEL', \`9')dnl
dnl Everything lives under /tmp, which is world writable: trust its sticky bit.
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
dnl Every local user exists (Sendmail checks at RCPT: 550 5.1.1 User unknown).
define(\`LUSER_RELAY', \`local:root')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`accept_unresolvable_domains')dnl
LOCAL_DOMAIN(\`$LOCAL_DOMAIN')dnl
dnl Sendmail's own relay check is opened for loopback; relaymilter decides.
RELAY_DOMAIN(\`127')dnl
RELAY_DOMAIN(\`IPv6:::1')dnl
MC
        if [ "$SM_LISTEN" = any ]; then
            echo "DAEMON_OPTIONS(\`Port=$SMTP_PORT, Name=MTA-any')dnl"
        else
            echo "DAEMON_OPTIONS(\`Port=$SMTP_PORT, Addr=127.0.0.1, Name=MTA-v4')dnl"
            echo "DAEMON_OPTIONS(\`Port=$SMTP_PORT, Addr=127.0.0.2, Name=MTA-local')dnl"
            [ "$E2E_IPV6" = 1 ] && echo "DAEMON_OPTIONS(\`Port=$SMTP_PORT, Addr=::1, Family=inet6, Name=MTA-v6')dnl"
        fi
        if [ "$SM_SASL" = 1 ]; then
            echo "define(\`confAUTH_MECHANISMS', \`PLAIN LOGIN')dnl"
            echo "TRUST_AUTH_MECH(\`PLAIN LOGIN')dnl"
        fi
        # The lines an administrator adds: etc/sendmail.mc, socket filled in.
        sm_filter_lines
        for l in "$@"; do printf '%s\n' "$l"; done
        echo "MAILER(\`local')dnl"
        echo "MAILER(\`smtp')dnl"
    } > "$d/sendmail.mc"
    m4 "$d/sendmail.mc" > "$d/sendmail.cf" 2>"$d/m4.err" || {
        note "m4 $d/sendmail.mc failed:"; sed 's/^/#   /' "$d/m4.err"; return 1; }
    grep -q "^Xrelaymilter, S=$SM_MILTER_SOCKET," "$d/sendmail.cf" || {
        note "sendmail.cf has no relaymilter filter on $SM_MILTER_SOCKET:"
        grep '^X' "$d/sendmail.cf" | sed 's/^/#   /'; return 1; }
    # Cyrus SASL: Sendmail.conf, found in /usr/lib/sasl2 (bind-mounted).
    cat > "$d/sasl/Sendmail.conf" <<SC
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $d/sasl/sasldb2
mech_list: PLAIN LOGIN
SC
}

# sm_logd_start: a syslog receiver on $SM_DIR/log.sock, appending to
# $SM_DIR/maillog (the namespace's /dev/log)
sm_logd_start() {
    [ -n "$SM_LOGD_PID" ] && kill -0 "$SM_LOGD_PID" 2>/dev/null && return 0
    rm -f "$SM_DIR/log.sock"
    "$PYTHON" - "$SM_DIR/log.sock" "$SM_DIR/maillog" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536).rstrip(b"\0\n") + b"\n")
PY
    SM_LOGD_PID=$!
    local i
    for i in $(seq 50); do
        [ -S "$SM_DIR/log.sock" ] && return 0
        sleep 0.05
    done
    note "the syslog receiver did not start"
    return 1
}

sm_logd_stop() {
    [ -n "$SM_LOGD_PID" ] || return 0
    kill "$SM_LOGD_PID" 2>/dev/null
    wait "$SM_LOGD_PID" 2>/dev/null
    SM_LOGD_PID=
}

# sm_start: run Sendmail (-bD, foreground) in its namespaces; wait until
# every listener accepts connections.  Its output goes to $SM_DIR/sendmail.out,
# the SMTP transcript to $SM_DIR/transcript, its log to $SM_DIR/maillog.
sm_start() {
    local d=$SM_DIR sasl_mount= i
    sm_stop
    sm_logd_start || return 1
    [ "$SM_SASL" = 1 ] && [ -n "$SM_SASL_PLUGINS" ] &&
        sasl_mount="mount --bind '$SM_SASL_PLUGINS' '$SM_SASL_PLUGIN_DIR'"
    # Inside: private /etc-free SASL config, a private /dev, the host name.
    LD_LIBRARY_PATH=$SM_LIBWRAP unshare --uts --mount --pid --fork --kill-child=SIGKILL \
        sh -c "
set -e
for s in /etc/sasl2 /etc/sasl /usr/lib/sasl2; do
    if [ -d \$s ]; then mount --bind '$d/sasl' \$s; fi
done
$sasl_mount
mkdir -p '$d/dev' '$d/hostdev'
mount --bind /dev '$d/hostdev'
mount -t tmpfs -o mode=755,size=64k relaymilter-dev /dev
for n in null zero full random urandom; do
    [ -e '$d/hostdev/'\$n ] || continue
    : > /dev/\$n
    mount --bind '$d/hostdev/'\$n /dev/\$n
done
: > /dev/log
mount --bind '$d/log.sock' /dev/log
umount '$d/hostdev'
hostname '$SM_HOSTNAME'
exec '$SM_BIN' -bD -C '$d/sendmail.cf' -X '$d/transcript'
" >>"$d/sendmail.out" 2>&1 &
    SM_PID=$!
    local hosts="127.0.0.1 127.0.0.2" h
    [ "$E2E_IPV6" = 1 ] && [ "$SM_LISTEN" != any ] && hosts+=" ::1"
    for h in $hosts; do
        if ! wait_port "$h" "$SMTP_PORT" 100; then
            note "sendmail is not listening on [$h]:$SMTP_PORT"
            sm_diag
            return 1
        fi
    done
    return 0
}

# sm_daemon_pid: Sendmail's pid (as seen from here), the child of unshare
sm_daemon_pid() {
    [ -n "$SM_PID" ] || return 1
    local c
    c=$(cat "/proc/$SM_PID/task/$SM_PID/children" 2>/dev/null) ||
        c=$(ps -o pid= --ppid "$SM_PID" 2>/dev/null) || return 1
    # shellcheck disable=SC2086
    set -- $c
    [ -n "${1:-}" ] && echo "$1"
}

sm_running() { [ -n "$SM_PID" ] && kill -0 "$SM_PID" 2>/dev/null; }

# sm_stop: SIGTERM to Sendmail, wait up to 10 s, then SIGKILL.  Its SMTP
# children die with it (it is process 1 of its pid namespace).
sm_stop() {
    [ -n "$SM_PID" ] || return 0
    local pid i
    pid=$(sm_daemon_pid)
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    for i in $(seq 200); do
        kill -0 "$SM_PID" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$SM_PID" 2>/dev/null; then
        pid=$(sm_daemon_pid)
        [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
        # --kill-child: unshare's death kills Sendmail too.
        kill -9 "$SM_PID" 2>/dev/null
    fi
    wait "$SM_PID" 2>/dev/null
    SM_PID=
}

sm_diag() {
    local f
    for f in sendmail.out m4.err maillog transcript; do
        [ -s "$SM_DIR/$f" ] || continue
        note "$SM_DIR/$f:"
        tail -n 10 "$SM_DIR/$f" | sed 's/^/#   /'
    done
}

# sm_log_mark / sm_log_since: Sendmail's log after a mark
sm_log_mark() { SM_LOG_MARK=$(wc -c < "$SM_DIR/maillog" 2>/dev/null || echo 0); }
sm_log_since() { tail -c +"$((${SM_LOG_MARK:-0} + 1))" "$SM_DIR/maillog" 2>/dev/null; }

# sm_rejected_by ADDR: after rm_log_mark and a session in which ADDR was
# refused, say who refused it: "milter" when relaymilter logged its denial
# (it writes the line before it answers Sendmail), else "sendmail" (one of
# its rulesets or its address parser)
sm_rejected_by() {
    # The decision line quotes a value with a space, quote or backslash.
    local q=${1//\\/\\\\}
    q=${q//\"/\\\"}
    if rm_log_since | grep -qF -e "rcpt=<$1> " -e "rcpt=\"<$q>\" "; then
        echo milter
    else
        echo sendmail
    fi
}

# sm_log_wait REGEX: wait (up to 3 s) until Sendmail's log after the mark
# matches REGEX (the receiver writes asynchronously); prints the line
sm_log_wait() {
    local i l
    for i in $(seq 30); do
        l=$(sm_log_since | grep -E -m1 -- "$1") && { printf '%s\n' "$l"; return 0; }
        sleep 0.1
    done
    return 1
}

# sm_queued_id OUTPUT: the queue id from "DATA 250 2.0.0 ID Message accepted for delivery"
sm_queued_id() { printf '%s\n' "$1" | sed -n 's/^DATA 250 [0-9.]* \([0-9A-Za-z]*\) Message accepted.*/\1/p'; }

# sm_queued_rcpts ID: the envelope recipients of a queued message, one a
# line (the R lines of the qf file: "R<flags>:<address>")
sm_queued_rcpts() {
    local qf=$SM_DIR/queue/qf$1
    [ -r "$qf" ] || return 1
    sed -n 's/^R[^:]*:<*\([^>]*\)>*$/\1/p' "$qf"
}
