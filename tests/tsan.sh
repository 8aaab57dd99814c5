#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tsan.sh - the snapshot concurrency test under ThreadSanitizer: readers on
# four threads deciding while the main thread rebuilds and swaps the
# snapshot a thousand times (tests/check_alloc.c, test case "threads").
#
#   tests/tsan.sh [BUILDDIR]
#
# BUILDDIR (default: build-tsan/ beside this tree) is a build of its own,
# configured here when it has no Makefile yet with -fsanitize=thread
# (TSAN_CC, default gcc, compiles it).  Only the library and check_alloc
# are built.  The test runs TSAN_RUNS times (default 5; thread schedules
# differ from run to run) with CK_FORK=no, so that the process ThreadSanitizer
# watches is the one with the threads.  A run passes when the test passes
# and ThreadSanitizer reported nothing.
#
# Prints "ok - NAME" or "not ok - NAME" and ends with "N passed, N failed".
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-$top/build-tsan}
runs=${TSAN_RUNS:-5}
passed=0 failed=0

pass() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "not ok - $1"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

mkdir -p "$builddir"
builddir=$(cd "$builddir" && pwd)
cd "$builddir" || exit 2
if [ ! -f Makefile ]; then
    # -O2 as in the normal build: at -O1 gcc's -Wmaybe-uninitialized
    # guesses wrong about lib/rm_entry.c, and warnings are errors.
    if ! "$top/configure" -q CC="${TSAN_CC:-gcc}" CFLAGS="-g -O2 -fsanitize=thread" \
        LDFLAGS="-fsanitize=thread" >configure.out 2>&1; then
        sed 's/^/# /' configure.out | tail -n 20
        fail "tsan: configure with -fsanitize=thread"
        finish
    fi
fi
if ! make -j2 tests/check_alloc >make.out 2>&1; then
    grep -E 'error|Error' make.out | head -n 20 | sed 's/^/# /'
    fail "tsan: build check_alloc with -fsanitize=thread"
    finish
fi

for i in $(seq 1 "$runs"); do
    name="tsan check_alloc threads, run $i of $runs"
    log=$builddir/tsan-$i.log
    CK_FORK=no CK_RUN_CASE=threads TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
        tests/check_alloc >"$log" 2>&1
    rc=$?
    # Kernels with more mmap randomization than this ThreadSanitizer knows
    # refuse to start it; without randomization it runs.
    if grep -q 'unexpected memory mapping' "$log" && command -v setarch >/dev/null; then
        CK_FORK=no CK_RUN_CASE=threads TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
            setarch "$(uname -m)" -R tests/check_alloc >"$log" 2>&1
        rc=$?
    fi
    if [ "$rc" -eq 0 ] && ! grep -q 'ThreadSanitizer' "$log" && grep -q 'Checks: 1, Failures: 0, Errors: 0' "$log"; then
        pass "$name"
    else
        head -n 80 "$log" | sed 's/^/#   /'
        fail "$name (exit $rc)"
    fi
done
finish
