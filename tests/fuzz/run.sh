#!/bin/sh
# run.sh - build the libFuzzer targets with clang and fuzz each for a while.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]     (default 60 s, every target)
#
# New inputs that raise coverage are added to a scratch corpus; crashes are
# written as crash-* files in the working directory and fail the run.  Keep
# what a long run finds by copying it into tests/fuzz/corpus/TARGET/.
set -eu
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-list config reg rcpt ctl}
out=${FUZZ_OUT:-$srcdir/tests/fuzz/build}
mkdir -p "$out"
lib_sources=$(ls "$srcdir"/lib/*.c)
status=0
for t in $targets; do
    clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        -I"$srcdir/lib" -o "$out/fuzz_$t" \
        "$srcdir/tests/fuzz/fuzz_$t.c" "$srcdir/tests/fuzz/fuzz_main.c" $lib_sources
    mkdir -p "$out/corpus_$t"
    cp "$srcdir/tests/fuzz/corpus/$t"/* "$out/corpus_$t/" 2>/dev/null || true
    echo "fuzzing $t for $secs s"
    if ! (cd "$out" && ASAN_OPTIONS=detect_leaks=1 "./fuzz_$t" -max_total_time="$secs" \
            -max_len=65536 -print_final_stats=1 "corpus_$t" 2>&1 | tail -n 12); then
        status=1
    fi
    if ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* >/dev/null 2>&1; then
        echo "fuzz $t: found a failure: $(ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* 2>/dev/null)"
        status=1
    fi
done
exit $status
