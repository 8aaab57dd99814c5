#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# static.sh - static analysis of lib/, cli/ and milter/: cppcheck, and
# clang's analyzer through scan-build.  Any finding fails.
#
#   tests/static.sh [BUILDDIR]
#
# BUILDDIR (default: build-scan/ beside this tree) is a build of its own,
# configured here through scan-build when it has no Makefile yet; its
# config.h is what cppcheck sees too.  The library and both programs are
# rebuilt from clean every time, since scan-build analyzes only what it
# compiles.
#
# A finding is fixed, or, when it is a false positive, suppressed where it
# stands with the reason: "cppcheck-suppress ID ; why" comments for cppcheck,
# an assertion that states the invariant for clang's analyzer.  The one
# check turned off as a whole is cppcheck's variableScope: it asks for
# declarations in the innermost block, and this code declares them at the
# top of the function or block, Postfix and style(9) fashion, on purpose.
# cppcheck also reports suppressions that no longer match anything, so a
# stale one fails too.
#
# Prints "ok - NAME" or "not ok - NAME" per tool and ends with
# "N passed, N failed".
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-$top/build-scan}
passed=0 failed=0

pass() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "not ok - $1"; failed=$((failed + 1)); }

mkdir -p "$builddir"
builddir=$(cd "$builddir" && pwd)
cd "$builddir" || exit 2

have_scan=1
command -v scan-build >/dev/null 2>&1 || have_scan=0
if [ ! -f Makefile ]; then
    if [ $have_scan = 1 ]; then
        scan-build "$top/configure" -q >configure.out 2>&1
    else
        "$top/configure" -q >configure.out 2>&1
    fi || { sed 's/^/# /' configure.out | tail -n 20; fail "static: configure $builddir"; }
fi

# cppcheck, with what it knows of POSIX; -I the build for config.h, and
# SYSCONFDIR defined as the build defines it, so that the configuration
# checked is the one compiled.  The system headers are not given to it
# (cppcheck's advice: its posix library describes them), so its note that
# it did not find them is turned off.
if ! command -v cppcheck >/dev/null 2>&1; then
    fail "cppcheck: cppcheck is not installed (apt-get install cppcheck)"
else
    start=$(date +%s)
    (cd "$top" && cppcheck -q --inline-suppr --library=posix \
        --enable=warning,style,performance,portability,information \
        --suppress=variableScope --suppress=missingIncludeSystem \
        -I "$builddir" -I lib -I milter -D'SYSCONFDIR="/etc"' \
        --template='{file}:{line}:{column}: {severity}: {id}: {message}' \
        lib cli milter) >cppcheck.out 2>&1
    n=$(grep -c ': \(error\|warning\|style\|performance\|portability\|information\): ' cppcheck.out)
    if [ "$n" -eq 0 ] && [ ! -s cppcheck.out ]; then
        pass "cppcheck lib cli milter ($(( $(date +%s) - start )) s)"
    else
        sed 's/^/#   /' cppcheck.out | head -n 80
        fail "cppcheck lib cli milter: $n findings"
    fi
fi

# clang's analyzer, over a clean build of what lib/, cli/ and milter/ make.
if [ $have_scan = 0 ]; then
    fail "scan-build: not installed (apt-get install clang-tools)"
elif [ -f Makefile ]; then
    start=$(date +%s)
    rm -rf scan-build.d
    targets="lib/librelay.a cli/relayctl milter/relaymilter"
    make clean >/dev/null 2>&1
    # shellcheck disable=SC2086
    scan-build -o "$builddir/scan-build.d" --status-bugs make -j2 $targets >scan-build.out 2>&1
    rc=$?
    bugs=$(sed -n 's/^scan-build: \([0-9][0-9]*\) bugs\{0,1\} found.*/\1/p' scan-build.out | tail -n 1)
    if [ "$rc" -eq 0 ] && grep -q '^scan-build: No bugs found' scan-build.out; then
        pass "scan-build lib cli milter ($(( $(date +%s) - start )) s)"
    else
        grep -E 'warning:|error:' scan-build.out | sort -u | head -n 40 | sed 's/^/#   /'
        tail -n 3 scan-build.out | sed 's/^/#   /'
        fail "scan-build lib cli milter: ${bugs:-build failed, exit $rc}"
    fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
