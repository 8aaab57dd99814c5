#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# replay.sh - every fuzz target over its corpus, in the normal build.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
passed=0 failed=0
for target in list config reg rcpt ctl pol; do
    if out=$("$builddir/tests/fuzz/replay_$target" "$srcdir/tests/fuzz/corpus/$target" 2>&1); then
        echo "ok - corpus $target: $(echo "$out" | tail -n 1)"
        passed=$((passed + 1))
    else
        echo "$out" | sed 's/^/# /'
        echo "not ok - corpus $target"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
