#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# safety.sh - relayctl edits under pressure: many writers at once lose
# nothing, and a writer killed at any moment leaves the old list or the
# new one, never a partial one.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/lib.sh"

# Many concurrent writers on one list: every entry must end up in it.
printf 'relay_flags = allow\nallow_list = many.list\ncontrol_socket = nowhere.sock\n' > many.conf
printf '# concurrent writers\n192.0.2.0/24\n' > many.list
writers=40
i=1
while [ $i -le $writers ]; do
    "$relayctl" -c many.conf add allow "10.50.$i.1" --comment "writer $i" >/dev/null 2>&1 &
    i=$((i + 1))
done
wait
missing=0
i=1
while [ $i -le $writers ]; do
    grep -q "^10\.50\.$i\.1  # writer $i\$" many.list || missing=$((missing + 1))
    i=$((i + 1))
done
if [ "$missing" -eq 0 ] && [ "$(grep -c '^10\.50\.' many.list)" -eq $writers ]; then
    pass "concurrent-writers-all-kept"
else
    echo "# $missing of $writers entries missing"
    fail "concurrent-writers-all-kept"
fi
if "$relayctl" lint many.list >/dev/null 2>&1; then pass concurrent-writers-list-loads; else fail concurrent-writers-list-loads; fi

# Writers killed at random moments.  The list is large enough that reading,
# validating and writing it take a while, so the kills land in every step.
printf 'relay_flags = allow\nallow_list = big.list\ncontrol_socket = nowhere.sock\n' > big.conf
python3 -c '
import random
r = random.Random(7)
with open("big.list", "w") as f:
    for i in range(200000):
        f.write("%d.%d.%d.0/24\n" % (r.randrange(11, 223), r.randrange(256), r.randrange(256)))
'
rounds=30 bad=0 killed=0 completed=0
n=1
while [ $n -le $rounds ]; do
    cp big.list before
    "$relayctl" -c big.conf add allow "10.9.$n.1" >/dev/null 2>&1 &
    pid=$!
    # Spread the kills over 0 to 0.25 s: one edit of this list takes ~0.2 s.
    sleep "$(awk "BEGIN { print (($n * 37) % 26) / 100 }")"
    if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
    wait "$pid" 2>/dev/null
    if cmp -s big.list before; then
        :
    elif cp before after && printf '10.9.%s.1\n' "$n" >>after && cmp -s big.list after; then
        completed=$((completed + 1))
    else
        echo "# round $n: big.list is neither the old nor the new list"
        bad=$((bad + 1))
    fi
    # The previous version kept beside it must be whole too.
    if [ -f big.list.bak ] && ! "$relayctl" lint big.list.bak >/dev/null 2>&1; then
        echo "# round $n: big.list.bak does not load"
        bad=$((bad + 1))
    fi
    rm -f .big.list.*
    n=$((n + 1))
done
echo "# $rounds rounds: $killed writers killed, $completed edits completed"
if [ $bad -eq 0 ]; then pass killed-writers-leave-whole-lists; else fail killed-writers-leave-whole-lists; fi
if [ $killed -gt 0 ]; then pass killed-writers-were-killed; else fail killed-writers-were-killed; fi

finish
