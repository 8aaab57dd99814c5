#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# docs.sh - the manuals render without warnings, and every configuration key
# of the code's table is documented in relaymilter.conf(5), with its default,
# and appears in the sample configuration.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
passed=0 failed=0
pass() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "not ok - $1"; failed=$((failed + 1)); }

for page in "$srcdir"/cli/relayctl.8 "$srcdir"/etc/relaymilter.conf.5 "$srcdir"/milter/relaymilter.8; do
    [ -f "$page" ] || continue
    warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
    if [ -z "$warnings" ]; then
        pass "renders: $(basename "$page")"
    else
        echo "$warnings" | sed 's/^/# /'
        fail "renders: $(basename "$page")"
    fi
done

manual=$(MANWIDTH=200 man -l "$srcdir/etc/relaymilter.conf.5" 2>/dev/null)
"$builddir/tests/config_keys" >keys.$$ || fail "config_keys runs"
while IFS="	" read -r key dflt; do
    [ -n "$dflt" ] || dflt=none
    if printf '%s\n' "$manual" | grep -q -- "$key (default: $dflt)"; then
        pass "manual documents $key = $dflt"
    else
        fail "manual documents $key = $dflt"
    fi
    if grep -q -E "^#?$key = " "$srcdir/etc/relaymilter.conf"; then
        pass "sample has $key"
    else
        fail "sample has $key"
    fi
done <keys.$$
rm -f keys.$$
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
