#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# peer.sh - relayctl against a broken control peer: an answer that is not
# a reply (cut short, a control byte, a line left over, a number out of
# range, a first line that says otherwise than its fields) is refused
# with the reason and an exit status of 2, and never reaches the
# terminal raw.  The peer is a stand-in on the control socket that
# answers each connection with the text of the file "answer".
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/lib.sh"

printf 'control_socket = %s/peer.sock\nrelay_flags = allow\nallow_list = a.list\n' "$work" > peer.conf
printf '192.0.2.0/24\n' > a.list
chmod 644 peer.conf a.list
python3 - "$work/peer.sock" "$work/answer" <<'EOF' &
import os, socket, sys
path, answer = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(8)
while True:
    c, _ = s.accept()
    c.settimeout(5)
    try:
        got = b""
        while not got.endswith(b"\n"):
            b = c.recv(4096)
            if not b:
                break
            got += b
        if got == b"QUIT\n":
            break
        with open(answer, "rb") as f:
            c.sendall(f.read())
    except OSError:
        pass
    c.close()
EOF
peer=$!
trap 'kill "$peer" 2>/dev/null; wait "$peer" 2>/dev/null; rm -rf "$work"' EXIT INT TERM
i=0
while [ ! -S peer.sock ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done

status_lines() {
    printf 'OK status\npid: 1\nversion: 1.0\nuptime_seconds: 5\ngeneration: 2\n'
    printf 'loaded_at: 2024-05-01T12:00:00Z\nrelay_flags: allow\nmode: enforce\n'
    printf 'entries_deny: 0\nentries_allow: 1\nentries_local: 0\nreloads_ok: 1\nreloads_failed: 0\n'
    printf 'last_reload: ok\nlast_reload_error: none\n'
    for d in deny_list allow_list local_ip auth default_deny deny_only local_submission local_recipient error; do
        printf 'decisions_%s: 0\n' "$d"
    done
}

# refused NAME PATTERN ARGS... - with answer in place: exit 2, PATTERN
# on standard error, no control byte in the output
refused() {
    name=$1 pattern=$2
    shift 2
    "$relayctl" -c peer.conf "$@" >out 2>err
    rc=$?
    if [ $rc -eq 2 ] && grep -q -E -- "$pattern" err && ! LC_ALL=C grep -q '[[:cntrl:]]' out err; then
        pass "$name"
    else
        echo "# exit $rc; want 2 and /$pattern/ on standard error, no control byte; got:"
        sed 's/^/#   out: /' out | cat -v
        sed 's/^/#   err: /' err | cat -v
        fail "$name"
    fi
}

# The stand-in answers as the daemon would: relayctl reads it.
status_lines > answer
if "$relayctl" -c peer.conf status >out 2>err && grep -q '^generation: 2$' out; then
    pass "a well-formed STATUS reply is shown"
else
    fail "a well-formed STATUS reply is shown"
fi

{ status_lines; printf 'list_deny_source: /x\n'; } > answer
refused "status: a reply cut short after a list's first line" 'the reply ends before "list_deny_last_change"' status
# A newer daemon may report keys this relayctl does not know: they are
# stepped over.  A key twice, or a line that is no field, is refused.
{ status_lines; printf 'extra_counter: 1\n'; } > answer
if "$relayctl" -c peer.conf status >out 2>err && grep -q '^generation: 2$' out && ! grep -q extra out; then
    pass "status: a key a newer daemon adds is stepped over"
else
    fail "status: a key a newer daemon adds is stepped over"
fi
{ status_lines; printf 'generation: 3\n'; } > answer
refused "status: a key twice" 'line 25 is left over after the last field: "generation: 3"' status
{ status_lines; printf 'extra 1\n'; } > answer
refused "status: a line left over" 'line 25 is left over after the last field: "extra 1"' status
status_lines | sed 's/^version: 1.0$/version: 1.0\x1b]0;owned\x07\x1b[2J/' > answer
refused "status: an escape sequence in a value" 'control byte 0x1b in line 3, column 13' status
status_lines | sed 's/^generation: 2$/generation: 18446744073709551616/' > answer
refused "status: a number over 64 bits" '"generation" is over 18446744073709551615' status
status_lines | sed 's/^generation: 2$/generation: 18446744073709551616/' > answer
refused "status --json: the same" '"generation" is over' --json status
status_lines | head -c 100 > answer
refused "status --prometheus: a reply cut short" 'cut short: line 7 has no newline' status --prometheus
if grep -q '^relaymilter_up 0$' out; then pass "status --prometheus: up 0"; else fail "status --prometheus: up 0"; fi

printf 'OK reloaded generation 3: deny 0, allow 1, local 0 entries\n' > answer
if "$relayctl" -c peer.conf reload >out 2>err \
    && grep -q '^relaymilter: OK reloaded generation 3: deny 0, allow 1, local 0 entries$' out; then
    pass "a well-formed RELOAD reply is shown"
else
    fail "a well-formed RELOAD reply is shown"
fi
printf 'OK reloaded generation 3: deny 0, allow 1, local 0 entries\n\033[2Jgone\n' > answer
refused "reload: a control byte after the reply" 'control byte 0x1b in line 2, column 1' reload
if [ ! -s out ]; then pass "reload: what is not a reply is not shown"; else fail "reload: what is not a reply is not shown"; fi
printf 'OK reloaded generation 3: deny 4294967296, allow 1, local 0 entries\n' > answer
refused "reload: an entry count over 32 bits" 'the number 4294967296 is over 4294967295' reload
printf 'ERR reload failed; previous lists remain in force (generation 3)' > answer
refused "reload: a refusal cut short" 'cut short: line 1 has no newline' reload

printf 'OK deny default-deny\nverdict: allow\nrule: default-deny\n' > answer
refused "check --live: a first line that says otherwise" 'line 1 does not say what the fields say' check 192.0.2.1 --live
printf 'OK allow auth\nverdict: allow\nrule: auth\nrule: auth\n' > answer
refused "check --live: a field twice" 'line 4 is left over' check 192.0.2.1 --live
printf 'OK allow allow-list a.list:99999999999 x\nverdict: allow\nrule: allow-list\nfile: a.list\nentry: x\nline: 99999999999\n' > answer
refused "check --live: a line number out of range" '"line" is over 4294967295' check 192.0.2.1 --live

python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"QUIT\n")' \
    "$work/peer.sock" 2>/dev/null
finish
