#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# shell.sh - relayctl in an administrator's shell: RELAYCTL_CONFIG names
# the configuration when -c does not (and -c wins over it), and "check -"
# reads its standard input as a list file is read: "#" comments, blank
# lines, white space around an address and a byte order mark are skipped.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/lib.sh"

# same NAME A B: two outputs (with their exit statuses) are the same
same() {
    if [ "$2" = "$3" ]; then pass "$1"; else echo "# want:"; printf '%s\n' "$3" | sed 's/^/#   /'
        echo "# got:"; printf '%s\n' "$2" | sed 's/^/#   /'; fail "$1"; fi
}
run() { out=$("$@" 2>&1); echo "$out (exit $?)"; }

# relaymilter.conf turns allow on; denyonly.conf only deny: 192.0.2.7 is
# allowed by the first (allow list) and by the second (deny-only).
# 203.0.113.9 tells them apart: default-deny under the first, deny-only
# allow under the second.
a=$(run "$relayctl" -c relaymilter.conf check 203.0.113.9)
b=$(run "$relayctl" -c denyonly.conf check 203.0.113.9)
[ "$a" != "$b" ] && pass "the two configurations answer differently" || fail "the two configurations answer differently"
same "RELAYCTL_CONFIG names the configuration" "$(RELAYCTL_CONFIG=denyonly.conf run "$relayctl" check 203.0.113.9)" "$b"
same "-c wins over RELAYCTL_CONFIG" "$(RELAYCTL_CONFIG=denyonly.conf run "$relayctl" -c relaymilter.conf check 203.0.113.9)" "$a"
same "--config= wins over RELAYCTL_CONFIG" "$(RELAYCTL_CONFIG=denyonly.conf run "$relayctl" --config=relaymilter.conf check 203.0.113.9)" "$a"
same "RELAYCTL_CONFIG for list" "$(RELAYCTL_CONFIG=denyonly.conf run "$relayctl" list deny)" "$(run "$relayctl" -c denyonly.conf list deny)"
out=$(RELAYCTL_CONFIG=missing.conf "$relayctl" check 192.0.2.7 2>&1)
case $out in *missing.conf*) pass "a RELAYCTL_CONFIG that does not exist is named in the error" ;;
    *) echo "# $out"; fail "a RELAYCTL_CONFIG that does not exist is named in the error" ;; esac
same "an empty RELAYCTL_CONFIG counts as unset" "$(RELAYCTL_CONFIG= run "$relayctl" check 192.0.2.7)" \
    "$(env -u RELAYCTL_CONFIG sh -c 'out=$("$1" check 192.0.2.7 2>&1); echo "$out (exit $?)"' sh "$relayctl")"

clean=$(printf '192.0.2.7\n203.0.113.9\n192.0.2.66\n' | run "$relayctl" -c relaymilter.conf check -)
case $clean in *"(exit 0)") pass "check - of plain addresses exits 0" ;; *) echo "# $clean"; fail "check - of plain addresses exits 0" ;; esac
same "check -: # comments, blank lines and white space are skipped" \
    "$(printf '# the office\n  192.0.2.7\n\n\t203.0.113.9   # the branch\n   # indented comment\n\t\n192.0.2.66  \r\n' |
        run "$relayctl" -c relaymilter.conf check -)" "$clean"
same "check -: a UTF-8 byte order mark before the first line is skipped, as in a list" \
    "$(printf '\357\273\277192.0.2.7\n203.0.113.9\n192.0.2.66\n' | run "$relayctl" -c relaymilter.conf check -)" "$clean"
same "check -: only comments: no output, exit 0" "$(printf '#\n  # x\n' | run "$relayctl" -c relaymilter.conf check -)" " (exit 0)"
out=$(printf '  not-an-address  # why\n' | run "$relayctl" -c relaymilter.conf check -)
case $out in "not-an-address error "*"(exit 2)") pass "check -: a bad address is quoted without its white space or comment" ;;
    *) echo "# $out"; fail "check -: a bad address is quoted without its white space or comment" ;; esac
finish
