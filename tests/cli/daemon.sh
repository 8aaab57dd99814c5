#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# daemon.sh - relayctl against a running relaymilter: edits reload the
# daemon and print its answer, status and check --live read what is in
# force, and a list the daemon refuses leaves the previous one in force.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/lib.sh"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir run
cat > live.conf <<EOC
milter_socket = inet:$port@127.0.0.1
control_socket = $work/run/control.sock
relay_flags = deny, allow
allow_list = live-allow.list
deny_list = live-deny.list
local_domains = local.test
# reloads are relayctl's and counted: no reload of its own on a change
watch_files = no
EOC
printf '# office\n192.0.2.0/24\n' > live-allow.list
printf '192.0.2.66\n' > live-deny.list
chmod 644 live.conf live-allow.list live-deny.list

start_daemon live.conf

# expect NAME PATTERN COMMAND... - exit status 0..2 saved in $rc, output matched
expect() {
    name=$1 pattern=$2
    shift 2
    out=$("$@" 2>&1)
    rc=$?
    if printf '%s\n' "$out" | grep -q -E -- "$pattern"; then
        pass "$name"
    else
        echo "# want /$pattern/ in:"
        printf '%s\n' "$out" | sed 's/^/#   /'
        fail "$name"
    fi
}
status_is() {
    if [ "$rc" -eq "$2" ]; then pass "$1"; else echo "# exit status $rc, want $2"; fail "$1"; fi
}

c="-c live.conf"
expect "status: generation 1, the lists' entries" '^generation: 1$' "$relayctl" $c status
expect "status: counts allow entries" '^entries_allow: 1$' "$relayctl" $c status
expect "check --live: listed client" '^rule: allow-list$' "$relayctl" $c check 192.0.2.9 --live
expect "check --live: outsider denied" '^deny$' "$relayctl" $c check 203.0.113.7 --live
status_is "check --live: deny exits 1" 1

expect "add: the daemon reloads and says so" \
    '^relaymilter: OK reloaded generation 2: deny 1, allow 2, local 0 entries$' \
    "$relayctl" $c add allow 203.0.113.0/24 --comment "branch office"
status_is "add: exit 0" 0
expect "add: in force at once" '^match: .*live-allow.list:3 203.0.113.0/24$' \
    "$relayctl" $c check 203.0.113.7 --live
expect "add: files and daemon agree" '^match: live-allow.list:3 203.0.113.0/24$' \
    "$relayctl" $c check 203.0.113.7

expect "del: the daemon reloads" '^relaymilter: OK reloaded generation 3' \
    "$relayctl" $c del allow 203.0.113.0/24
expect "del: out of force" '^rule: default-deny$' "$relayctl" $c check 203.0.113.7 --live

# An edit by hand that the daemon refuses: the answer names the error, the
# previous lists stay in force, and relayctl reload exits 1.
printf '10.1\n' >> live-allow.list
expect "reload of a bad list: refused, previous lists in force" \
    'ERR reload failed; previous lists remain in force \(generation 3\)' "$relayctl" $c reload
status_is "reload of a bad list: exit 1" 1
expect "reload of a bad list: the error has file, line and column" \
    'live-allow.list:3:5: error: short IPv4 forms are not accepted' "$relayctl" $c reload
expect "reload of a bad list: the daemon still decides by the old lists" '^rule: allow-list$' \
    "$relayctl" $c check 192.0.2.9 --live
expect "status: the failed reload is reported" '^last_reload: failed$' "$relayctl" $c status
expect "check from the files refuses the bad list" 'did not load' "$relayctl" $c check 192.0.2.9
# An edit while another list is broken: written, and the reload fails.
# "written; reload failed" is not "not written": its own message and exit 4.
expect "add while the reload fails: says the file is written and the previous lists stay" \
    '^relayctl: add: live-deny.list is written; reload failed: relaymilter still uses the previous lists \(generation 3\) until a reload succeeds$' \
    "$relayctl" $c add deny 198.51.100.1
status_is "add while the reload fails: exit 4" 4
expect "...the daemon's answer names the error" \
    '^relaymilter: ERR reload failed; previous lists remain in force \(generation 3\)$' printf '%s\n' "$out"
expect "...the entry is in the file" '^198\.51\.100\.1$' cat live-deny.list
expect "...and not in force" '^rule: default-deny$' "$relayctl" $c check 198.51.100.1 --live
expect "del while the reload fails: the same" \
    '^relayctl: del: live-deny.list is written; reload failed: relaymilter still uses the previous lists \(generation 3\)' \
    "$relayctl" $c del deny 198.51.100.1
status_is "del while the reload fails: exit 4" 4
expect "add --json while the reload fails: the outcome by name" '"outcome":"reload-failed"' \
    "$relayctl" $c --json add deny 198.51.100.1
"$relayctl" $c del deny 198.51.100.1 >/dev/null 2>&1
sed -i '$d' live-allow.list
expect "reload after the fix" '^relaymilter: OK reloaded generation 4' "$relayctl" $c reload
status_is "reload after the fix: exit 0" 0

expect "status --json is JSON with numbers" '"generation": 4' \
    sh -c "'$relayctl' $c --json status | python3 -m json.tool"
expect "reload --json" '"reloaded":true' "$relayctl" $c --json reload
expect "status --prometheus: decisions by rule" '^relaymilter_decisions_total\{rule="allow_list"\} [0-9]+$' \
    "$relayctl" $c status --prometheus
# failed: the two reloads of the bad list, and the four edits made while it was bad
expect "status --prometheus: reloads by result" '^relaymilter_reloads_total\{result="failed"\} 6$' \
    "$relayctl" $c status --prometheus
expect "status --prometheus: entries per list" '^relaymilter_list_entries\{list="deny"\} 1$' \
    "$relayctl" $c status --prometheus
expect "status --prometheus: up" '^relaymilter_up 1$' "$relayctl" $c status --prometheus
if command -v promtool >/dev/null 2>&1; then
    "$relayctl" $c status --prometheus | promtool check metrics && pass "promtool accepts it" || fail "promtool accepts it"
fi
# import-exchange into the configured lists asks the daemon to reload
printf 'REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeIMC\\Parameters]\r\n"RelayFlags"=dword:00000003\r\n"RelayAllowList"=hex(7):31,39,38,2e,35,31,2e,31,30,30,2e,30,3b,32,35,35,2e,32,35,35,2e,32,35,35,2e,30,00,00\r\n' > ims.reg
expect "import-exchange refuses to replace the configured lists" 'would be replaced; nothing was written' \
    "$relayctl" $c import-exchange ims.reg
status_is "import-exchange refusal: exit 1" 1
expect "import-exchange --force: says what it replaced" 'replacing its 1 entry' "$relayctl" $c import-exchange ims.reg --force
expect "import-exchange --force: the daemon reloads" '^relaymilter: OK reloaded generation [0-9]+' \
    "$relayctl" $c import-exchange ims.reg --force
expect "add --json: one document, the reload's answer inside" '"reload": \{"reloaded": true' \
    sh -c "'$relayctl' $c --json add allow 198.18.0.0/24 | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))'"
expect "import-exchange: the imported list is in force" '^match: .*live-allow.list:2 198\.51\.100\.0;255\.255\.255\.0$' \
    "$relayctl" $c check 198.51.100.7 --live

kill "$daemon"; wait "$daemon" 2>/dev/null
expect "add with the daemon down: written, and used when it starts" \
    '^relayctl: add: live-allow.list is written; relaymilter is not running \(nothing listens on .*/run/control.sock\): it uses the edit when it starts$' \
    "$relayctl" $c add allow 203.0.113.0/24
status_is "add with the daemon down: exit 3" 3
expect "...the entry is in the file" '^203\.0\.113\.0/24$' cat live-allow.list
expect "status --prometheus: down" '^relaymilter_up 0$' "$relayctl" $c status --prometheus
status_is "status --prometheus: down exits 2" 2

finish
