#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/deb/build-install.sh - build the Debian package from this source
# tree, install it, check it, purge it; and the upgrade from the previous
# packaging, which shipped the lists as conffiles.
#
# Not part of "make check": it needs root, installs packages with apt-get
# and installs and purges the relaymilter package on this machine.  CI runs
# it separately, on a throwaway Debian 12 machine or container:
#
#     sudo tests/deb/build-install.sh [SRCDIR]
#
# SRCDIR defaults to the top of the git work tree holding this script.
# The files git knows of (tracked, plus untracked ones that are not
# ignored, so an uncommitted debian/ counts) are copied to a temporary
# directory and built there: no build product of an in-place configure
# or make leaks into the package.  The previous packaging (version N-1:
# the debian/ of the commit before the lists left the conffiles, from git)
# is built from the same copy, and an upgrade from it is tested: lists
# edited with relayctl under N-1, then dpkg -i of N with standard input
# closed: no prompt, lists and configuration kept, the daemon started
# again with them.  Prints "ok - NAME" / "not ok - NAME"
# lines and ends with "N passed, N failed"; exits 1 if any check failed.
# The package is never left installed: an EXIT trap purges it.  It refuses
# to run where relaymilter is already installed (that would purge an
# administrator's configuration).
set -u

export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C.UTF-8

here=$(cd "$(dirname "$0")" && pwd)
SRC=${1:-$(git -C "$here" rev-parse --show-toplevel 2>/dev/null)}
if [ -z "$SRC" ] || [ ! -f "$SRC/debian/control" ]; then
    echo "usage: $0 [SRCDIR]  (SRCDIR must hold debian/control)" >&2
    exit 2
fi
if [ "$(id -u)" != 0 ]; then
    echo "$0: must run as root (apt-get, dpkg -i, purge)" >&2
    exit 2
fi

passed=0
failed=0
ok()     { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; failed=$((failed + 1)); }
# check NAME COMMAND...: one test line from a command's exit status
check() {
    name=$1; shift
    if "$@" >>"$LOG" 2>&1; then ok "$name"; else not_ok "$name"; fi
}
installed() {
    [ "$(dpkg-query -W -f '${db:Status-Status}' relaymilter 2>/dev/null)" = installed ]
}
known_to_dpkg() {
    # installed, or removed with its conffiles still there ("config-files")
    st=$(dpkg-query -W -f '${db:Status-Status}' relaymilter 2>/dev/null) &&
        [ -n "$st" ] && [ "$st" != not-installed ]
}

if known_to_dpkg; then
    echo "$0: relaymilter is already installed here; refusing to purge it" >&2
    exit 2
fi

TMP=$(mktemp -d /tmp/relaymilter-deb.XXXXXX)
LOG=$TMP/log
: >"$LOG"
ETC=/etc/relaymilter
EXTRA=$ETC/admin-extra.list.deb-test
LISTS="allow.list deny.list local-ip.list"
daemon_pid=
made_rundir=
systemd=
[ -d /run/systemd/system ] && systemd=yes

cleanup() {
    status=$?
    stop_daemon
    if [ -n "$made_rundir" ]; then
        rm -rf /run/relaymilter
    fi
    if known_to_dpkg; then
        apt-get purge -y -q relaymilter >>"$LOG" 2>&1 || dpkg --purge relaymilter >>"$LOG" 2>&1
    fi
    rm -f "$EXTRA" "$ETC"/*.bak
    rmdir "$ETC" 2>/dev/null
    if [ "$failed" -gt 0 ]; then
        echo "# last lines of $LOG:"
        tail -n 40 "$LOG" | sed 's/^/#   /'
    fi
    rm -rf "$TMP"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# free_port: a TCP port nothing listens on at 127.0.0.1
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# use_port PORT: the installed relaymilter.conf listens there (the sample's
# 8891 may be taken on a test machine)
use_port() {
    sed -i "s/^milter_socket = .*/milter_socket = inet:$1@127.0.0.1/" "$ETC/relaymilter.conf"
}

# stop_daemon: stop the daemon this script started (no systemd)
stop_daemon() {
    if [ -n "$daemon_pid" ]; then
        kill "$daemon_pid" 2>/dev/null
        i=0
        while [ $i -lt 150 ] && kill -0 "$daemon_pid" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
        wait "$daemon_pid" 2>/dev/null
        daemon_pid=
    fi
}

# start_daemon: (re)start the packaged daemon: systemctl where systemd
# runs, otherwise in the foreground as the unit would, in the directory
# RuntimeDirectory= would have made; then serving_pid waits for it
start_daemon() {
    if [ -n "$systemd" ]; then
        systemctl restart relaymilter >>"$LOG" 2>&1
        want_pid=$(systemctl show -p MainPID --value relaymilter)
        return
    fi
    stop_daemon
    if [ ! -d /run/relaymilter ]; then
        mkdir -m 0755 /run/relaymilter && made_rundir=1
    fi
    /usr/sbin/relaymilter -f -c "$ETC/relaymilter.conf" >>"$LOG" 2>&1 &
    daemon_pid=$!
    want_pid=$daemon_pid
}

# serving: wait up to 10 s until the daemon just started answers STATUS
# (its own pid in the answer: a stale socket, or one of another daemon,
# does not count)
serving() {
    i=0
    while [ $i -lt 100 ]; do
        got=$(/usr/sbin/relayctl status 2>/dev/null | sed -n 's/^pid: //p')
        [ -n "$got" ] && [ "$got" = "$want_pid" ] && return 0
        [ -z "$systemd" ] && ! kill -0 "$want_pid" 2>/dev/null && return 1
        sleep 0.1; i=$((i + 1))
    done
    return 1
}

# conffile_flags FILE: how dpkg lists FILE among relaymilter's conffiles
# ("" normal, "obsolete", ...), or "none" when it is not one
conffile_flags() {
    dpkg-query -W -f '${Conffiles}\n' relaymilter | awk -v f="$1" '
        $1 == f { found = 1; print ($3 == "" ? "" : $3) } END { if (!found) print "none" }'
}

# build DIR: dpkg-buildpackage in DIR (a copy of the tree); the .deb is
# written beside DIR, and its name printed
build() {
    (cd "$1" && dpkg-buildpackage -us -uc -b) >>"$LOG" 2>&1 || return 1
    ls "$(dirname "$1")"/relaymilter_*_*.deb 2>/dev/null | head -n 1
}

start=$(date +%s)

# 1. build dependencies (and the tools this script uses)
check "install build dependencies" sh -c '
    apt-get update -q &&
    apt-get install -y -q --no-install-recommends \
        build-essential dpkg-dev debhelper devscripts fakeroot lintian \
        git cpio autoconf automake libtool pkg-config python3 \
        libmilter-dev libcidr-dev check libsystemd-dev bash-completion'

# 2. a clean copy of the source tree (N), and one with the previous
# packaging (N-1): the debian/ of the commit before the one that moved the
# lists' samples to /usr/share/relaymilter
mkdir -p "$TMP/new/src" "$TMP/old"
if ( cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
         xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
         cpio -0 -pdm --quiet "$TMP/new/src" ) >>"$LOG" 2>&1 &&
   [ -f "$TMP/new/src/debian/rules" ] && [ ! -e "$TMP/new/src/config.status" ]; then
    ok "source copy holds debian/ and no build products"
else
    not_ok "source copy holds debian/ and no build products"
fi
check "build dependencies satisfied" sh -c 'cd "$1" && dpkg-checkbuilddeps' sh "$TMP/new/src"
moved=$(git -C "$SRC" log --format=%H --reverse -S'usr/share/relaymilter' -- debian/rules 2>/dev/null | head -n 1)
if [ -n "$moved" ]; then
    oldrev=$moved^
elif ! git -C "$SRC" show HEAD:debian/rules 2>/dev/null | grep -q usr/share/relaymilter; then
    oldrev=HEAD                         # the move is not committed yet
else
    oldrev=
fi
cp -a "$TMP/new/src" "$TMP/old/src"
rm -rf "$TMP/old/src/debian"
if [ -n "$oldrev" ] && git -C "$SRC" archive "$oldrev" debian | tar -x -C "$TMP/old/src" 2>>"$LOG" &&
   ! grep -q usr/share/relaymilter "$TMP/old/src/debian/rules"; then
    ok "the previous packaging, from git ($(git -C "$SRC" rev-parse --short "$oldrev"))"
else
    not_ok "the previous packaging, from git"
fi
newver=$(cd "$TMP/new/src" && dpkg-parsechangelog -S Version)
oldver=$(cd "$TMP/old/src" && dpkg-parsechangelog -S Version 2>/dev/null)
check "version $newver is newer than the previous $oldver" dpkg --compare-versions "$newver" gt "$oldver"

# 3. build both
deb=$(build "$TMP/new/src")
if [ -n "$deb" ]; then ok "built $(basename "$deb")"; else not_ok "built relaymilter_$newver_*.deb"; fi
olddeb=$(build "$TMP/old/src")
if [ -n "$olddeb" ]; then ok "built the previous $(basename "$olddeb")"; else not_ok "built the previous relaymilter_${oldver}_*.deb"; fi

# 4. lintian: no errors or warnings left (the remaining tags are
# overridden in debian/relaymilter.lintian-overrides, each with a reason)
if [ -n "$deb" ]; then
    lintian --tag-display-limit 0 "$deb" >"$TMP/lintian.out" 2>&1
    sed 's/^/# lintian: /' "$TMP/lintian.out"
    if grep -q '^[EW]: ' "$TMP/lintian.out"; then
        not_ok "lintian: no errors or warnings"
    else
        ok "lintian: no errors or warnings"
    fi
fi

# 5. install
if [ -n "$deb" ]; then
    if ! dpkg -i "$deb" >>"$LOG" 2>&1; then
        apt-get install -f -y -q >>"$LOG" 2>&1
    fi
fi
if installed; then
    ok "dpkg -i the package"
else
    not_ok "dpkg -i the package"
    echo "# the package is not installed: the remaining checks are skipped"
    echo "$passed passed, $failed failed"
    exit 1
fi

check "relaymilter system user exists" sh -c '
    getent passwd relaymilter >/dev/null &&
    [ "$(id -u relaymilter)" -lt 1000 ] &&
    [ "$(id -gn relaymilter)" = relaymilter ]'
check "binaries in /usr/sbin" test -x /usr/sbin/relaymilter -a -x /usr/sbin/relayctl
check "unit file installed" test -f /lib/systemd/system/relaymilter.service
check "the unit is Type=notify" grep -qx 'Type=notify' /lib/systemd/system/relaymilter.service
check "bash completion where bash-completion looks" \
    test -f "$(pkg-config --variable=completionsdir bash-completion)/relayctl"
check "relaymilter.conf is a conffile" test "$(conffile_flags $ETC/relaymilter.conf)" = ""
for f in $LISTS; do
    check "$f is not a conffile" test "$(conffile_flags $ETC/$f)" = none
    check "$f created from its sample in /usr/share/relaymilter" cmp /usr/share/relaymilter/$f $ETC/$f
done
check "packaged relaymilter.conf sets user = relaymilter" \
    grep -q '^user = relaymilter$' $ETC/relaymilter.conf
check "relaymilter -n -c $ETC/relaymilter.conf" \
    /usr/sbin/relaymilter -n -c $ETC/relaymilter.conf
check "relayctl lint" /usr/sbin/relayctl lint

if [ -n "$systemd" ]; then
    check "systemctl is-enabled relaymilter" systemctl is-enabled relaymilter
else
    # No systemd running (a container): postinst could not start the unit,
    # but deb-systemd-helper still enables it with a symlink.
    echo "# systemd is not the running init: checking the enablement symlink instead of systemctl is-enabled, and running the daemon as the unit would"
    check "unit enabled (multi-user.target.wants symlink)" \
        test -L /etc/systemd/system/multi-user.target.wants/relaymilter.service
fi
use_port "$(free_port)"
start_daemon
check "daemon serves (relayctl status answers, with its pid)" serving
check "/run/relaymilter holds the control socket" test -S /run/relaymilter/control.sock
check "daemon dropped to the relaymilter user" sh -c '
    [ "$(ps -o user= -p "$1")" = relaymilter ]' sh "$want_pid"
check "control socket relaymilter:relaymilter 0660" sh -c '
    [ "$(stat -c "%U:%G %a" /run/relaymilter/control.sock)" = "relaymilter:relaymilter 660" ]'
[ -n "$systemd" ] && check "systemctl reload relaymilter (relayctl reload)" systemctl reload relaymilter
stop_daemon

# 6. remove: the administrator's configuration and lists stay
echo "# an administrator's own file" >"$EXTRA"
check "apt-get remove relaymilter" apt-get remove -y -q relaymilter
check "binaries gone after remove" sh -c '! test -e /usr/sbin/relaymilter && ! test -e /usr/sbin/relayctl'
check "configuration and lists kept after remove" sh -c '
    for f in relaymilter.conf $1; do test -f /etc/relaymilter/$f || exit 1; done' sh "$LISTS"

# 7. purge: dpkg removes its conffile, postrm the lists, nothing of the
# administrator's
check "apt-get purge relaymilter" apt-get purge -y -q relaymilter
check "package no longer known to dpkg" sh -c '! dpkg-query -W -f "\${db:Status-Status}" relaymilter 2>/dev/null | grep -qv not-installed'
check "binaries gone after purge" sh -c '! test -e /usr/sbin/relaymilter && ! test -e /usr/sbin/relayctl'
check "configuration and lists gone after purge" sh -c '
    for f in relaymilter.conf $1; do ! test -e /etc/relaymilter/$f || exit 1; done' sh "$LISTS"
check "administrator's own file kept after purge" test -f "$EXTRA"
check "unit file gone after purge" sh -c '! test -e /lib/systemd/system/relaymilter.service &&
    ! test -e /etc/systemd/system/multi-user.target.wants/relaymilter.service'
rm -f "$EXTRA"

# 8. the upgrade from N-1, whose lists were conffiles, edited by relayctl
if [ -n "$olddeb" ] && [ -n "$deb" ] && dpkg -i "$olddeb" >>"$LOG" 2>&1 && installed; then
    ok "dpkg -i the previous package ($oldver)"
    check "N-1 ships the lists as conffiles (what the upgrade starts from)" sh -c '
        for f in $1; do
            dpkg-query -W -f "\${Conffiles}\n" relaymilter | grep -q " /etc/relaymilter/$f " || exit 1
        done' sh "$LISTS"
    port=$(free_port)
    use_port "$port"                    # an edited conffile, too
    start_daemon
    check "N-1: daemon serves" serving
    check "N-1: relayctl add allow (the daemon reloads)" sh -c '
        /usr/sbin/relayctl add allow 198.18.0.0/15 --comment "edited before the upgrade" |
            grep -q "^relaymilter: OK reloaded"'
    check "N-1: relayctl add deny" /usr/sbin/relayctl add deny 192.0.2.99
    check "N-1: relayctl del allow (a sample entry)" /usr/sbin/relayctl del allow 203.0.113.200-203.0.113.220
    for f in relaymilter.conf $LISTS; do cp -p "$ETC/$f" "$TMP/before.$f"; done
    entries_before=$(/usr/sbin/relayctl status 2>>"$LOG" | grep '^entries_')
    old_pid=$want_pid
    # What prerm does under systemd (the unit is stopped for the upgrade)
    # is done by hand without it.
    [ -z "$systemd" ] && stop_daemon
    dpkg -i "$deb" >"$TMP/upgrade.out" 2>&1 0<&-
    rc=$?
    cat "$TMP/upgrade.out" >>"$LOG"
    check "dpkg -i $newver over $oldver, standard input closed: exit 0" test "$rc" -eq 0
    check "...with no conffile prompt" sh -c '! grep -Eq "Configuration file|\(Y/I/N/O/D/Z\)|end of file on stdin" "$1"' sh "$TMP/upgrade.out"
    check "...and $newver installed" test "$(dpkg-query -W -f '${Version}' relaymilter)" = "$newver"
    for f in relaymilter.conf $LISTS; do
        check "$f kept as edited" cmp "$TMP/before.$f" "$ETC/$f"
    done
    for f in $LISTS; do
        check "$f: dpkg keeps it as an obsolete conffile" test "$(conffile_flags $ETC/$f)" = obsolete
    done
    check "relaymilter.conf is still a conffile" test "$(conffile_flags $ETC/relaymilter.conf)" = ""
    [ -z "$systemd" ] && start_daemon
    [ -n "$systemd" ] && want_pid=$(systemctl show -p MainPID --value relaymilter)
    check "after the upgrade the daemon serves again (a new process)" sh -c '
        [ "$1" != "$2" ]' sh "$want_pid" "$old_pid"
    check "...on the edited port" grep -q "^milter_socket = inet:$port@127.0.0.1\$" "$ETC/relaymilter.conf"
    if serving; then
        ok "...and answers STATUS"
    else
        not_ok "...and answers STATUS"
    fi
    status=$(/usr/sbin/relayctl status 2>>"$LOG")
    echo "$status" >>"$LOG"
    check "...with the edited lists in force (the entries N-1 had: $(echo $entries_before))" sh -c '
        [ -n "$2" ] && [ "$(printf "%s\n" "$1" | grep "^entries_")" = "$2" ]' sh "$status" "$entries_before"
    check "...the added allow entry decides" sh -c '
        /usr/sbin/relayctl check 198.18.7.7 --live | grep -q "allow.list:[0-9]* 198.18.0.0/15\$"'
    check "...the added deny entry too" sh -c '
        /usr/sbin/relayctl check 192.0.2.99 --live | grep -qx "rule: deny-list"'
    check "...and the deleted one no longer allows" sh -c '
        /usr/sbin/relayctl check 203.0.113.210 --live | grep -qx deny'
    stop_daemon
    echo "# an administrator's own file" >"$EXTRA"
    check "purge after the upgrade" apt-get purge -y -q relaymilter
    check "...removes the configuration and the lists, obsolete conffiles or not" sh -c '
        for f in relaymilter.conf $1; do ! test -e /etc/relaymilter/$f || exit 1; done' sh "$LISTS"
    check "...and keeps the administrator's own file" test -f "$EXTRA"
else
    not_ok "dpkg -i the previous package ($oldver)"
fi

echo "# run time: $(( $(date +%s) - start ))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
