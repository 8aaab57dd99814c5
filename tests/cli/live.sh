#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# live.sh - relayctl check from the files and relayctl check --live from the
# running daemon's control CHECK give the same verdict, rule, reason and
# entry, byte for byte (text and JSON) and with the same exit status, on the
# milter's own matrix: every relay_flags value, both relay_detect modes,
# client and server address states, authentication and recipients.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/lib.sh"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir run
printf '192.0.2.0/24\n2001:db8:a::/48\n' > m-allow.list
printf '192.0.2.66\n2001:db8:a::66\n' > m-deny.list
printf '10.0.0.25\n2001:db8:f::25\n' > m-local.list
# conf FLAGS DETECT: the configuration the daemon and the files share
conf() {
    cat > m.conf <<EOC
milter_socket = inet:$port@127.0.0.1
control_socket = $work/run/control.sock
relay_flags = $1
relay_detect = $2
allow_list = m-allow.list
deny_list = m-deny.list
local_ip_list = m-local.list
local_domains = example.com, [192.0.2.1]
EOC
    chmod 644 m.conf m-allow.list m-deny.list m-local.list
}
conf 15 domains
start_daemon m.conf

# same ARGS...: check and check --live agree (text, JSON, exit status).
# The daemon names files by their absolute paths; so does relayctl when
# the configuration is named so.
bad=0 cases=0
same() {
    cases=$((cases + 1))
    a=$("$relayctl" -c "$work/m.conf" check "$@" 2>/dev/null); ra=$?
    b=$("$relayctl" -c "$work/m.conf" check "$@" --live 2>/dev/null); rb=$?
    ja=$("$relayctl" -c "$work/m.conf" --json check "$@" 2>/dev/null)
    jb=$("$relayctl" -c "$work/m.conf" --json check "$@" --live 2>/dev/null)
    if [ "$a" != "$b" ] || [ "$ra" != "$rb" ] || [ "$ja" != "$jb" ] || [ -z "$a" ]; then
        bad=$((bad + 1))
        if [ $bad -le 5 ]; then
            echo "# check $* differs: files ($ra) / live ($rb):"
            printf '%s\n' "$a" "---" "$b" "$ja" "$jb" | sed 's/^/#   /'
        fi
    fi
    printf '%s\n' "$jb" >>live.json
}
# matrix FLAGS: every address state, with and without auth and recipients
matrix() {
    for client in 192.0.2.7 192.0.2.66 203.0.113.9 2001:db8:a::7 none; do
        for local in - 10.0.0.25 10.0.0.1 0.0.0.0 2001:db8:f::25; do
            set -- "$client"
            [ "$local" = - ] || set -- "$@" --local-ip "$local"
            same "$@"
            same "$@" --auth
        done
    done
    for rcpt in x@example.net x@example.com 'u%x@example.com' 'x!u@example.com' '@example.com:u@example.net' \
        'u@[192.0.2.1]' 'u@[192.0.2.2]' '"a b"@example.com' 'junk' '<>' 'a+b=c@example.net'; do
        same 203.0.113.9 --local-ip 10.0.0.1 --rcpt "$rcpt"
        same 192.0.2.7 --rcpt "$rcpt"
    done
}
for flags in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
    conf "$flags" domains
    out=$("$relayctl" -c m.conf reload 2>&1) || { echo "# $out"; fail "reload with relay_flags $flags"; continue; }
    before=$bad
    matrix
    if [ $bad -eq $before ]; then pass "relay_flags $flags: check and check --live agree"; else fail "relay_flags $flags: check and check --live agree"; fi
done
# relay_detect = mailer: the mailer decides, and its absence is no decision
for flags in 2 15; do
    conf "$flags" mailer
    "$relayctl" -c m.conf reload >/dev/null 2>&1 || fail "reload with relay_detect = mailer"
    before=$bad
    for rcpt in x@example.net 'u%x@example.com' user '@a:u@b' 'junk@'; do
        for mailer in - local smtp virtual; do
            set -- 203.0.113.9 --local-ip 10.0.0.1 --rcpt "$rcpt"
            [ "$mailer" = - ] || set -- "$@" --mailer "$mailer"
            same "$@"
        done
    done
    if [ $bad -eq $before ]; then pass "relay_detect mailer, flags $flags: check and check --live agree"; else fail "relay_detect mailer, flags $flags: check and check --live agree"; fi
done
echo "# $cases cases compared"
# every answer is one JSON document with the fields relayctl(8) documents
if python3 - live.json <<'EOP'
import json, sys
keys = ["address", "local_ip", "auth", "rcpt", "mailer", "decision", "rule", "no_decision",
        "recipient", "recipient_reason", "list", "file", "line", "entry"]
for n, line in enumerate(open(sys.argv[1]), 1):
    doc = json.loads(line)
    if list(doc) != keys:
        sys.exit("line %d: keys %s" % (n, list(doc)))
    if doc["decision"] not in ("allow", "deny", "local", "no-decision"):
        sys.exit("line %d: decision %r" % (n, doc["decision"]))
EOP
then pass "check --live --json: every answer parses, with the documented fields"; else fail "check --live --json: every answer parses, with the documented fields"; fi
# the matrix reached every kind of answer
conf 15 domains
"$relayctl" -c m.conf reload >/dev/null 2>&1
for want in 'allow' 'deny' 'local' 'no-decision'; do
    case $want in
    allow) args="192.0.2.7" ;;
    deny) args="192.0.2.66" ;;
    local) args="203.0.113.9 --rcpt x@example.com" ;;
    no-decision) args="203.0.113.9" ;;
    esac
    # shellcheck disable=SC2086
    got=$("$relayctl" -c m.conf check $args --live 2>/dev/null | head -1)
    if [ "$got" = "$want" ]; then pass "check --live answers $want"; else echo "# got $got"; fail "check --live answers $want"; fi
done
finish
