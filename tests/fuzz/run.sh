#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run.sh - build the libFuzzer targets with clang and fuzz each for a while.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]     (default 60 s, every target)
#
# New inputs that raise coverage are added to a scratch corpus; crashes are
# written as crash-* files in the working directory and fail the run.  With
# FUZZ_KEEP=1, what a run found is kept: the inputs of the scratch corpus
# that reach code (edges, not hit counts) the corpus under
# tests/fuzz/corpus/TARGET/ does not are added to it (libFuzzer -merge).
set -eu
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-list config reg rcpt ctl pol}
out=${FUZZ_OUT:-$srcdir/tests/fuzz/build}
mkdir -p "$out"
lib_sources=$(ls "$srcdir"/lib/*.c)
# lib/ checks list signatures with libsodium
sodium=$(pkg-config --cflags --libs libsodium)
passed=0 failed=0
for t in $targets; do
    clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        -I"$srcdir/lib" -o "$out/fuzz_$t" \
        "$srcdir/tests/fuzz/fuzz_$t.c" "$srcdir/tests/fuzz/fuzz_main.c" $lib_sources $sodium
    mkdir -p "$out/corpus_$t"
    cp "$srcdir/tests/fuzz/corpus/$t"/* "$out/corpus_$t/" 2>/dev/null || true
    rm -f "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-*
    echo "# fuzzing $t for $secs s"
    ok=1
    if ! (cd "$out" && ASAN_OPTIONS=detect_leaks=1 "./fuzz_$t" -max_total_time="$secs" \
            -max_len=65536 -print_final_stats=1 "corpus_$t" 2>&1 | tail -n 12 | sed 's/^/#   /'); then
        ok=0
    fi
    if ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-* >/dev/null 2>&1; then
        echo "# fuzz $t found a failure: $(ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-* 2>/dev/null)"
        ok=0
    fi
    if [ $ok = 1 ] && [ "${FUZZ_KEEP:-0}" = 1 ]; then
        n0=$(ls "$srcdir/tests/fuzz/corpus/$t" | wc -l)
        (cd "$out" && "./fuzz_$t" -merge=1 -use_counters=0 -max_len=65536 \
            "$srcdir/tests/fuzz/corpus/$t" "corpus_$t" >"merge_$t.log" 2>&1) || ok=0
        echo "# kept $(($(ls "$srcdir/tests/fuzz/corpus/$t" | wc -l) - n0)) new inputs in tests/fuzz/corpus/$t"
    fi
    if [ $ok = 1 ]; then
        echo "ok - fuzz $t for $secs s: no crash, leak or sanitizer report"
        passed=$((passed + 1))
    else
        echo "not ok - fuzz $t"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
