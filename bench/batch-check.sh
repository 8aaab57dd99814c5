#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# batch-check.sh - how fast `relayctl check -` answers a million addresses.
#
#   bench/batch-check.sh [BUILDDIR] [COUNT]
#
# Builds an allow list of 100,000 random IPv4 and IPv6 prefixes and COUNT
# (default 1,000,000) random addresses, half IPv4 and half IPv6, runs the
# batch check three times, and prints the median wall time and addresses
# per second.  Not part of make check: timings belong to benchmarks.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top}
count=${2:-1000000}
relayctl=$build/cli/relayctl
work=$(mktemp -d "${TMPDIR:-/tmp}/batch-check.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

python3 - "$work" "$count" <<'PY'
import random, sys
work, count = sys.argv[1], int(sys.argv[2])
r = random.Random(42)
with open(work + "/allow.list", "w") as f:
    for i in range(100000):
        if i % 2:
            f.write("%d.%d.%d.0/24\n" % (r.randrange(1, 224), r.randrange(256), r.randrange(256)))
        else:
            f.write("2001:db8:%x:%x::/64\n" % (r.randrange(65536), r.randrange(65536)))
with open(work + "/addrs", "w") as f:
    for i in range(count):
        if i % 2:
            f.write("%d.%d.%d.%d\n" % tuple(r.randrange(256) for _ in range(4)))
        else:
            f.write("2001:db8:%x:%x::%x\n" % (r.randrange(65536), r.randrange(65536), r.randrange(65536)))
PY
printf 'relay_flags = allow\nallow_list = allow.list\n' >"$work/relaymilter.conf"

times=""
for run in 1 2 3; do
    start=$(date +%s.%N)
    "$relayctl" -c "$work/relaymilter.conf" check - <"$work/addrs" >"$work/out"
    end=$(date +%s.%N)
    times="$times $(awk "BEGIN { printf \"%.3f\", $end - $start }")"
done
lines=$(wc -l <"$work/out")
[ "$lines" -eq "$count" ] || { echo "batch-check: got $lines answers for $count addresses" >&2; exit 1; }
median=$(printf '%s\n' $times | sort -n | sed -n 2p)
allowed=$(grep -c ' allow ' "$work/out" || true)
echo "addresses: $count (allowed: $allowed)"
echo "runs (s):$times"
echo "median: $median s, $(awk "BEGIN { printf \"%d\", $count / $median }") addresses/s"
