#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# peerbench.sh - bench/peerbench builds, runs a tiny workload of each
# family beside every DPDK library, and every implementation agrees with
# relaymilter on every query.  Run only in a build configured with
# --enable-peerbench.  Times are not judged here (bench/, not tests).
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
pb=$builddir/bench/peerbench
work=$(mktemp -d "${TMPDIR:-/tmp}/peerbench-test.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
passed=0 failed=0

pass() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "not ok - $1"; failed=$((failed + 1)); }

tiny="--prefixes 400 --queries 20000 --runs 1 --eal-mb 256"

# shellcheck disable=SC2086
"$pb" --json --workload v4-1k,v6-200k $tiny >"$work/out" 2>"$work/err"
rc=$?
[ $rc -eq 0 ] && pass "tiny run exits 0" || { fail "tiny run exits $rc"; cat "$work/err"; }
n=$(grep -c '^{' "$work/out")
[ "$n" -eq 6 ] && pass "six JSON lines" || fail "JSON lines: want 6, got $n"
for impl in relaymilter:v4-1k rte_lpm:v4-1k rte_fib:v4-1k relaymilter:v6-200k rte_lpm6:v6-200k rte_fib6:v6-200k; do
    i=${impl%%:*} w=${impl#*:}
    line=$(grep "\"impl\": \"$i\", \"workload\": \"$w\"" "$work/out")
    case $line in
    *'"single_ns": '*'"batch_ns": '[0-9]*'"bytes_per_prefix": '[0-9]*'"mismatches": 0}') pass "$i $w: figures, no mismatch" ;;
    *) fail "$i $w: line '$line'" ;;
    esac
done
grep -q '"impl": "rte_fib", .*"single_ns": null' "$work/out" &&
    grep -q '"impl": "rte_fib6", .*"single_ns": null' "$work/out" &&
    pass "the rte_fib pair has no single call: null" || fail "single_ns of the rte_fib pair is not null"
grep -q '"impl": "rte_lpm", .*"single_ns": [0-9]' "$work/out" &&
    pass "rte_lpm has a single figure" || fail "rte_lpm single_ns"

# One address per batched call takes the batch code's edge everywhere.
# shellcheck disable=SC2086
"$pb" --json --workload v4-1k --batch 1 $tiny >"$work/out1" 2>"$work/err1" &&
    [ "$(grep -c '"mismatches": 0' "$work/out1")" -eq 3 ] &&
    pass "batches of one agree" || { fail "batches of one"; cat "$work/err1"; }

"$pb" --workload v9-9 >/dev/null 2>"$work/err2"
rc=$?
[ $rc -eq 2 ] && grep -q "unknown workload 'v9-9'" "$work/err2" &&
    pass "an unknown workload is a usage error" || fail "unknown workload: exit $rc"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
