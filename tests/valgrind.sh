#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# valgrind.sh - the library's Check suites and relayctl's golden test
# scripts under valgrind: no memory error, no definite or indirect leak.
#
#   tests/valgrind.sh [BUILDDIR]
#
# BUILDDIR is a normal (not a sanitizer) build in which `make check` has
# built the test programs; default: build/ beside this tree.  Each Check
# suite (tests/check_*) runs with CK_FORK=no, so that valgrind follows the
# tests themselves and not only Check's parent process.  Each script of
# tests/cli/ that runs relayctl (those that source tests/cli/lib.sh) runs
# with RELAYCTL_WRAPPER set, so that every relayctl it starts runs under
# valgrind.  Every process writes its valgrind log to BUILDDIR/tests/valgrind/;
# a suite passes when it passes and every log it left is empty (a relayctl
# killed on purpose, as tests/cli/safety.sh does, leaves an empty one).
#
# Prints "ok - NAME" or "not ok - NAME" per suite, the logs of those that
# failed, and ends with "N passed, N failed".  Exit status 0 when none
# failed.  VALGRIND_JOBS (default 2) suites run at once.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${1:-$top/build}" 2>/dev/null && pwd) || {
    echo "not ok - valgrind: no build directory ${1:-$top/build}"
    echo "0 passed, 1 failed"
    exit 1
}
jobs=${VALGRIND_JOBS:-2}
out=$builddir/tests/valgrind
vg="valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect"
passed=0 failed=0

if ! command -v valgrind >/dev/null 2>&1; then
    echo "not ok - valgrind: valgrind is not installed (apt-get install valgrind)"
    echo "0 passed, 1 failed"
    exit 1
fi

rm -rf "$out"
mkdir -p "$out"

# The suites, the slowest first so that two jobs finish together.
suites=()
for p in check_list check_alloc "$builddir"/tests/check_*; do
    p=${p##*/}
    case $p in *.*) continue ;; esac
    [ -x "$builddir/tests/$p" ] || continue
    case " ${suites[*]:-} " in *" $p "*) continue ;; esac
    suites+=("$p")
done
for s in "$top"/tests/cli/*.sh; do
    # live.sh runs relayctl check some 4,800 times to compare it with the
    # daemon on the whole matrix: a test of agreement, not of memory, whose
    # check, check --live and --json paths golden.sh, json.sh and daemon.sh
    # already run under valgrind (under it, it alone would take an hour).
    case $s in */lib.sh|*/live.sh) continue ;; esac
    grep -q 'tests/cli/lib.sh' "$s" && suites+=("cli/${s##*/}")
done
if [ ${#suites[@]} -eq 0 ]; then
    echo "not ok - valgrind: no test programs in $builddir/tests (run make check there first)"
    echo "0 passed, 1 failed"
    exit 1
fi

# run NAME - one suite; writes $out/NAME.out and $out/NAME.rc
run() {
    local name=$1 tag=${1//\//_} rc
    if [ "${name#cli/}" != "$name" ]; then
        top_srcdir=$top top_builddir=$builddir \
            RELAYCTL_WRAPPER="$vg --log-file=$out/$tag.relayctl.%p.vg" \
            sh "$top/tests/$name" >"$out/$tag.out" 2>&1
        rc=$?
    else
        CK_FORK=no $vg --log-file="$out/$tag.%p.vg" "$builddir/tests/$name" >"$out/$tag.out" 2>&1
        rc=$?
    fi
    echo "$rc" >"$out/$tag.rc"
}

start=$(date +%s)
running=0
for name in "${suites[@]}"; do
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
    run "$name" &
    running=$((running + 1))
done
wait

for name in "${suites[@]}"; do
    tag=${name//\//_}
    rc=$(cat "$out/$tag.rc" 2>/dev/null || echo 255)
    dirty=$(find "$out" -name "$tag.*vg" -size +0 | sort)
    what=$(grep -E '^[0-9]+%: Checks: |^[0-9]+ passed, [0-9]+ failed' "$out/$tag.out" | tail -n 1)
    if [ "$rc" -eq 0 ] && [ -z "$dirty" ]; then
        echo "ok - valgrind $name${what:+ ($what)}"
        passed=$((passed + 1))
    else
        echo "not ok - valgrind $name${what:+ ($what)}, exit $rc"
        grep -E '^not ok|^#|Failure|Error' "$out/$tag.out" | head -n 20 | sed 's/^/#   /'
        for f in $dirty; do
            echo "# $f:"
            head -n 60 "$f" | sed 's/^/#   /'
        done
        failed=$((failed + 1))
    fi
done
echo "# valgrind: ${#suites[@]} suites in $(( $(date +%s) - start )) s; logs in $out"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
