# SPDX-License-Identifier: BSD-2-Clause
# lib.sh - shared by relayctl's golden test scripts (sourced, not run).
#
# t NAME ARGS...   run relayctl ARGS in the work directory, standard input
#                  from $input when set, and compare standard output, standard
#                  error and exit status with golden/NAME.{out,err,status};
#                  $filt, when set, is a sed script applied to the output first
# tf NAME FILE     compare FILE with golden/NAME.file
# finish           print "N passed, N failed" and exit accordingly
# start_daemon CONF  run relaymilter -f -c CONF in the background ($daemon),
#                  stopped at exit; waits until its control socket answers
#
# RM_GOLDEN_UPDATE=1 rewrites the golden files, for review with git diff.

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
relayctl=$builddir/cli/relayctl
golden=$srcdir/tests/cli/golden
work=$(mktemp -d "${TMPDIR:-/tmp}/relayctl-test.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cp "$srcdir"/tests/cli/data/* "$work"/
chmod 644 "$work"/*
cd "$work" || exit 2
# RELAYCTL_WRAPPER, when set, is a command put in front of every relayctl
# run (tests/valgrind.sh sets it to valgrind and its options): $relayctl
# becomes a script that runs it so, for the scripts that call "$relayctl"
# themselves too.  Unset, nothing changes.
if [ -n "${RELAYCTL_WRAPPER:-}" ]; then
    printf '#!/bin/sh\nexec %s '"'"'%s'"'"' "$@"\n' "$RELAYCTL_WRAPPER" "$relayctl" >"$work/.relayctl-wrapped"
    chmod 755 "$work/.relayctl-wrapped"
    relayctl=$work/.relayctl-wrapped
fi
passed=0 failed=0
input=

pass() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "not ok - $1"; failed=$((failed + 1)); }

t() {
    name=$1
    shift
    if [ -n "$input" ]; then
        printf '%s' "$input" | "$relayctl" "$@" >"$name.out" 2>"$name.err"
    else
        "$relayctl" "$@" >"$name.out" 2>"$name.err" </dev/null
    fi
    echo $? >"$name.status"
    input=
    # The default configuration path follows the build's --sysconfdir.
    sed -i 's|(default [^ )]*/relaymilter/relaymilter.conf)|(default SYSCONFDIR/relaymilter/relaymilter.conf)|' \
        "$name.out" "$name.err"
    if [ -n "${filt:-}" ]; then
        sed "$filt" "$name.out" >"$name.out.f" && mv "$name.out.f" "$name.out"
        filt=
    fi
    if [ "${RM_GOLDEN_UPDATE:-}" = 1 ]; then
        cp "$name.out" "$name.err" "$name.status" "$golden"/
    fi
    ok=1
    for part in out err status; do
        if ! cmp -s "$name.$part" "$golden/$name.$part"; then
            ok=0
            echo "# $name: $part differs (relayctl $*):"
            diff -u "$golden/$name.$part" "$name.$part" | sed 's/^/#   /'
        fi
    done
    if [ $ok = 1 ]; then pass "$name"; else fail "$name"; fi
}

tf() {
    if [ "${RM_GOLDEN_UPDATE:-}" = 1 ]; then
        cp "$2" "$golden/$1.file"
    fi
    if cmp -s "$2" "$golden/$1.file"; then
        pass "$1"
    else
        echo "# $1: $2 differs:"
        diff -u "$golden/$1.file" "$2" | sed 's/^/#   /'
        fail "$1"
    fi
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}

start_daemon() {
    "$builddir/milter/relaymilter" -f -c "$1" >daemon.log 2>&1 &
    daemon=$!
    trap 'kill "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null; rm -rf "$work"' EXIT INT TERM
    i=0
    while ! "$relayctl" -c "$1" status >/dev/null 2>&1; do
        i=$((i + 1))
        if [ $i -gt 100 ] || ! kill -0 "$daemon" 2>/dev/null; then
            echo "# relaymilter did not start:"
            sed 's/^/#   /' daemon.log
            fail "daemon starts"
            finish
        fi
        sleep 0.1
    done
    pass "daemon starts"
}
