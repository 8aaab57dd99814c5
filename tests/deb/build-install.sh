#!/bin/sh
# tests/deb/build-install.sh - build the Debian package from this source
# tree, install it, check it, purge it.
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
# or make leaks into the package.  Prints "ok - NAME" / "not ok - NAME"
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
EXTRA=/etc/relaymilter/admin-extra.list.deb-test
daemon_pid=
made_rundir=

cleanup() {
    status=$?
    if [ -n "$daemon_pid" ]; then
        kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    fi
    if [ -n "$made_rundir" ]; then
        rm -rf /run/relaymilter
    fi
    if known_to_dpkg; then
        apt-get purge -y -q relaymilter >>"$LOG" 2>&1 || dpkg --purge relaymilter >>"$LOG" 2>&1
    fi
    rm -f "$EXTRA"
    rmdir /etc/relaymilter 2>/dev/null
    if [ "$failed" -gt 0 ]; then
        echo "# last lines of $LOG:"
        tail -n 40 "$LOG" | sed 's/^/#   /'
    fi
    rm -rf "$TMP"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

start=$(date +%s)

# 1. build dependencies (and the tools this script uses)
check "install build dependencies" sh -c '
    apt-get update -q &&
    apt-get install -y -q --no-install-recommends \
        build-essential dpkg-dev debhelper devscripts fakeroot lintian \
        git cpio autoconf automake libtool pkg-config \
        libmilter-dev libcidr-dev check'

# 2. a clean copy of the source tree
mkdir "$TMP/src"
if ( cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
         xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
         cpio -0 -pdm --quiet "$TMP/src" ) >>"$LOG" 2>&1 &&
   [ -f "$TMP/src/debian/rules" ] && [ ! -e "$TMP/src/config.status" ]; then
    ok "source copy holds debian/ and no build products"
else
    not_ok "source copy holds debian/ and no build products"
fi
check "build dependencies satisfied" sh -c 'cd "$1" && dpkg-checkbuilddeps' sh "$TMP/src"

# 3. build
check "dpkg-buildpackage -us -uc -b" sh -c 'cd "$1" && dpkg-buildpackage -us -uc -b' sh "$TMP/src"
deb=$(ls "$TMP"/relaymilter_*_*.deb 2>/dev/null | head -n 1)
if [ -n "$deb" ]; then ok "built $(basename "$deb")"; else not_ok "built relaymilter_*.deb"; fi

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
check "configuration and lists are conffiles" sh -c '
    c=$(dpkg-query -W -f "\${Conffiles}" relaymilter) &&
    for f in relaymilter.conf allow.list deny.list local-ip.list; do
        echo "$c" | grep -q " /etc/relaymilter/$f " || exit 1
    done'
check "packaged relaymilter.conf sets user = relaymilter" \
    grep -q '^user = relaymilter$' /etc/relaymilter/relaymilter.conf
check "relaymilter -n -c /etc/relaymilter/relaymilter.conf" \
    /usr/sbin/relaymilter -n -c /etc/relaymilter/relaymilter.conf
check "relayctl lint" /usr/sbin/relayctl lint

if [ -d /run/systemd/system ]; then
    check "systemctl is-enabled relaymilter" systemctl is-enabled relaymilter
    check "systemctl is-active relaymilter" systemctl is-active relaymilter
    check "/run/relaymilter created by the unit" test -d /run/relaymilter
    check "relayctl status answers" /usr/sbin/relayctl status
else
    # No systemd running (a container): postinst could not start the unit,
    # but deb-systemd-helper still enables it with a symlink.
    echo "# systemd is not the running init: checking the enablement symlink instead of systemctl is-enabled, and not starting the unit"
    check "unit enabled (multi-user.target.wants symlink)" \
        test -L /etc/systemd/system/multi-user.target.wants/relaymilter.service
    # Run the daemon as the unit would (foreground), with the directory
    # that RuntimeDirectory= would have created.
    if [ ! -d /run/relaymilter ]; then
        mkdir -m 0755 /run/relaymilter && made_rundir=1
    fi
    /usr/sbin/relaymilter -f -c /etc/relaymilter/relaymilter.conf >>"$LOG" 2>&1 &
    daemon_pid=$!
    i=0
    while [ $i -lt 50 ] && [ ! -S /run/relaymilter/control.sock ]; do
        sleep 0.1; i=$((i + 1))
    done
    check "daemon serves (relayctl status)" /usr/sbin/relayctl status
    check "daemon dropped to the relaymilter user" sh -c '
        [ "$(ps -o user= -p "$1")" = relaymilter ]' sh "$daemon_pid"
    check "control socket relaymilter:relaymilter 0660" sh -c '
        [ "$(stat -c "%U:%G %a" /run/relaymilter/control.sock)" = "relaymilter:relaymilter 660" ]'
    kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    daemon_pid=
fi

# 6. remove: the administrator's configuration and lists stay
echo "# an administrator's own file" >"$EXTRA"
check "apt-get remove relaymilter" apt-get remove -y -q relaymilter
check "binaries gone after remove" sh -c '! test -e /usr/sbin/relaymilter && ! test -e /usr/sbin/relayctl'
check "configuration and lists kept after remove" sh -c '
    for f in relaymilter.conf allow.list deny.list local-ip.list; do
        test -f /etc/relaymilter/$f || exit 1
    done'

# 7. purge: dpkg removes its conffiles, and nothing of the administrator's
check "apt-get purge relaymilter" apt-get purge -y -q relaymilter
check "package no longer known to dpkg" sh -c '! dpkg-query -W -f "\${db:Status-Status}" relaymilter 2>/dev/null | grep -qv not-installed'
check "binaries gone after purge" sh -c '! test -e /usr/sbin/relaymilter && ! test -e /usr/sbin/relayctl'
check "conffiles gone after purge" sh -c '
    for f in relaymilter.conf allow.list deny.list local-ip.list; do
        ! test -e /etc/relaymilter/$f || exit 1
    done'
check "administrator's own file kept after purge" test -f "$EXTRA"
check "unit file gone after purge" sh -c '! test -e /lib/systemd/system/relaymilter.service &&
    ! test -e /etc/systemd/system/multi-user.target.wants/relaymilter.service'

echo "# run time: $(( $(date +%s) - start ))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
