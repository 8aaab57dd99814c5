#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# json.sh - relayctl --json: every command, errors included, prints exactly
# one JSON document on standard output; a failure (exit 2, other than
# check's no-decision and reload's outcome) is an "error" object with file, line, column and
# text, as relayctl(8) documents, and a refused input (exit 1) may be one.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/lib.sh"

c=relaymilter.conf
cp allow.list json-allow.list
printf 'relay_flags = deny, allow\nallow_list = json-allow.list\ndeny_list = deny.list\ncontrol_socket = nowhere/control.sock\n' > json.conf
printf 'REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeIMC\\Parameters]\r\n"RelayFlags"=dword:00000002\r\n"RelayAllowList"=hex(7):31,30,2e,31,2e,32,2e,33,00,00\r\n' > json.reg
mkdir jsondir

# j NAME ARGS...: run relayctl --json ARGS and check what it printed
j() {
    name=$1
    shift
    "$relayctl" --json "$@" >"$name.json" 2>/dev/null </dev/null
    rc=$?
    if python3 - "$name.json" "$rc" <<'EOP'; then pass "$name"; else fail "$name"; fi
import json, sys
text = open(sys.argv[1]).read()
rc = int(sys.argv[2])
try:
    doc, end = json.JSONDecoder().raw_decode(text)
except ValueError as e:
    sys.exit("# not JSON (%s): %r" % (e, text[:200]))
if text[end:].strip():
    sys.exit("# more than one document: %r" % text[:300])
err = doc.get("error")
if rc == 2 and "decision" not in doc and "outcome" not in doc and err is None:
    sys.exit("# exit 2 without an error object: %r" % doc)
if err is not None and (rc == 0 or not isinstance(err, dict) or sorted(err) != ["column", "file", "line", "text"]):
    sys.exit("# a bad error object (exit %d): %r" % (rc, doc))
EOP
}

j json-check-allow        -c $c check 192.0.2.7
j json-check-local        -c $c check 203.0.113.9 --rcpt u@local.test
j json-check-none         -c $c check 203.0.113.9
j json-check-explain      -c $c check 192.0.2.7 --local-ip 127.0.0.2 --explain
j json-check-bad-address  -c $c check 300.1.1.1
j json-check-usage        -c $c check
j json-check-bad-config   -c badconf.conf check 192.0.2.1
j json-check-live-down    -c $c check 192.0.2.1 --live
j json-lint               -c $c lint warn.list
j json-lint-errors        -c $c lint bad.list
j json-lint-usage         -c $c lint --frob
j json-list               -c $c list allow
j json-list-usage         -c $c list everything
j json-list-missing       -c missing.conf list allow
j json-add                -c json.conf add allow 198.18.0.0/15
j json-add-refused        -c json.conf add allow 0.0.0.0/0
j json-add-invalid        -c json.conf add allow 300.1.1.1
j json-add-usage          -c json.conf add allow
j json-del                -c json.conf del allow 198.18.0.0/15
j json-reload-down        -c $c reload
j json-status-down        -c $c status
j json-import             -c json.conf import-exchange json.reg --dir jsondir --dry-run
j json-import-missing     -c json.conf import-exchange nosuch.reg --dir jsondir
j json-doctor-usage       -c $c doctor --frob
j json-unknown-command    -c $c frob
j json-no-command
finish
