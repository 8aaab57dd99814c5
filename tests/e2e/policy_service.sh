#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/policy_service.sh - the Postfix policy service, end to end: a
# real Postfix on loopback with its relay gate shut (no mynetworks, no
# permit_sasl_authenticated) and relaymilter's policy service as the only
# thing that can open it:
#   smtpd_relay_restrictions = check_policy_service inet:127.0.0.1:PORT,
#                              reject_unauth_destination
# (and 127.0.0.8 in mynetworks after the service, see below).  No milter.
# The same lists as policy.sh:
#   allow.list: 127.0.0.5 127.0.0.7 ::1    deny.list: 127.0.0.7
#   local-ip.list: 127.0.0.2 (the second SMTP listener)
# Then the service stopped and hung, malformed and oversized requests, and
# 300 persistent connections, straight to the socket (tests/e2e/polc.py).
# The relay matrix is tests/mta/scenarios, which the milter and Sendmail
# suites run too.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/mta/scenarios.sh"

POLC="$E2E_LIB_DIR/polc.py"
e2e_init
read -r POLICY_PORT _ < <(free_ports)
RM_MILTER_SOCKET=
RM_POLICY_SOCKET=inet:$POLICY_PORT@127.0.0.1
# 127.0.0.8 alone is in Postfix's mynetworks, behind the policy service: it
# shows that the service's answer comes first, and what report mode leaves
# to Postfix's own rules.
RELAY_GATE="check_policy_service inet:127.0.0.1:$POLICY_PORT, permit_mynetworks, reject_unauth_destination"
pf_setup "mynetworks = 127.0.0.8/32" "smtpd_milters =" "smtpd_relay_restrictions = $RELAY_GATE" \
    "smtpd_policy_service_default_action = defer_unauth_destination" \
    "smtpd_policy_service_timeout = 2s" "smtpd_policy_service_try_limit = 2" \
    "smtpd_policy_service_retry_delay = 1s"
pf_add_user user secret || not_ok "saslpasswd2 creates the SASL user"
pf_start || { not_ok "private Postfix starts"; finish; }
rm_have || note "relaymilter is not built ($RELAYMILTER): its checks fail below"

rm_list allow.list 127.0.0.5 127.0.0.7 ::1
rm_list deny.list 127.0.0.7
rm_list local-ip.list 127.0.0.2

# reject_unauth_destination's reply; relay_domains_reject_code sets the code.
DENIED='^554 5\.7\.1 .*Relay access denied'
DEFERRED='^4[0-9][0-9] 4\.[0-9]\.[0-9] '
MTA_DENIED=$DENIED
MTA_AUTH_USER=user@local.test
MTA_AUTH_PASS=secret

# mta_trick NAME RCPT [smtpc options]: the service answers
# reject_unauth_destination, and Postfix's resolver sees through the trick
mta_trick() {
    local name=$1 t=$2 out r; shift 2
    out=$(smtp "$@" "$t")
    r=$(rcpt_reply "$out" "$t")
    if [[ $r =~ ^5 ]] && rm_running; then
        ok "$name for a client that may not relay (${r%% *})"
    else
        not_ok "$name for a client that may not relay" "got: $r"
    fi
}

# daemon FLAGS [LINE...]: (re)start relaymilter with relay_flags = FLAGS
daemon() {
    local what="relay_flags = $1" l
    for l in "${@:2}"; do what+="; $l"; done
    rm_config "relay_flags = $1" "${@:2}"
    if rm_start && wait_port 127.0.0.1 "$POLICY_PORT" 50; then ok "relaymilter starts with $what"
    else not_ok "relaymilter starts with $what"; fi
}

# logline KEY=VALUE...: the last decision line with these values, as
# "key=value " for its keys with a value (tests/e2e/logparse.py reads it)
logline() {
    "$PYTHON" "$E2E_LIB_DIR/logparse.py" "$RM_DIR/daemon.log" "$@" |
        awk -F'\t' '$1 != "_keys" && $2 != "" { printf "%s=%s ", $1, $2 }'
}

# polc ARGS: the direct policy client
polc() { "$PYTHON" "$POLC" "$POLICY_PORT" "$@"; }

# req CLIENT [SERVER] [SASL]: one policy request as Postfix writes it
req() {
    printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=%s\n' "$1"
    [ -z "${2:-}" ] || printf 'server_address=%s\n' "$2"
    printf 'sasl_username=%s\nrecipient=user@remote.example\ninstance=a.b.c\n\n' "${3:-}"
}

# ---- relay_flags = deny, allow (3)
daemon "deny, allow"
mta_scenarios "deny, allow"
relay "not listed, once more: 127.0.0.6 may not relay" "$DENIED" --src 127.0.0.6
expect "the refusal is the policy service's (its decision line)" \
    '^verdict=deny action=reject_unauth_destination client=127\.0\.0\.6 helo=client\.example sender=<sender@local\.test> server=127\.0\.0\.1 rcpt=<user@remote\.example> rule=default-deny $' \
    "$(logline client=127.0.0.6)"
relay "mynetworks after the service: 127.0.0.8 on no list may not relay" "$DENIED" --src 127.0.0.8

mixed_message "mixed message from a denied client" "$DENIED" 127.0.0.7

# Relay tricks of this suite's own (the table has the ones every MTA shares).
for t in 'user@[IPv6:2001:db8::1]' 'user@remote.example.'; do
    mta_trick "relay trick $t is refused" "$t" --src 127.0.0.6
done

# ---- relay_flags = local (4): server_address decides
daemon "local"
mta_scenarios "local"
out=$(req 127.0.0.6 | polc send)
expect "local rule, a request without server_address: no decision, on_error tempfail defers" '^action=defer_unauth_destination$' "$(head -n 1 <<<"$out")"

# ---- relay_flags = deny (1): everyone not denied relays
daemon "deny"
mta_scenarios "deny"

# ---- relay_flags = 0: nobody relays
daemon "0"
mta_scenarios "0"

# ---- relay_flags = auth (8): sasl_username, from Postfix's Cyrus SASL
daemon "auth"
mta_scenarios "auth"

# ---- relay_flags = allow, auth (the default, 10), Exchange number form
daemon "10"
mta_scenarios "10"

# ---- every relay_flags value, 0 to 15: 12 requests each, straight to the
# socket, against KB Q193922's rules worked out by the client
for flags in $(seq 0 15); do
    rm_config "relay_flags = $flags"
    if ! rm_start || ! wait_port 127.0.0.1 "$POLICY_PORT" 50; then
        not_ok "relay_flags = $flags: relaymilter starts"
        continue
    fi
    expect "relay_flags = $flags: every client, server address and auth as KB Q193922 says" '^ok 12$' "$(polc matrix "$flags")"
done

# ---- on_error: a request that can not be decided
for oe in "tempfail defer_unauth_destination" "accept DUNNO" "reject reject_unauth_destination"; do
    daemon "local" "on_error = ${oe% *}"
    out=$(req 127.0.0.6 | polc send)
    expect "on_error = ${oe% *}: no server_address under the local rule answers ${oe#* }" "^action=${oe#* }\$" "$(head -n 1 <<<"$out")"
    out=$(printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nrecipient=x@remote.example\n\n' | polc send)
    expect "on_error = ${oe% *}: no client_address answers ${oe#* } (never OK)" "^action=${oe#* }\$" "$(head -n 1 <<<"$out")"
done

# ---- mode = report: always DUNNO; the log says what it would have done
daemon "allow" "mode = report"
out=$( { req 127.0.0.6 127.0.0.1; req 127.0.0.5 127.0.0.1; } | polc send)
expect "report mode: a client that may not relay gets DUNNO" '^action=DUNNO' "$(sed -n 1p <<<"$out")"
expect "report mode: a client that may relay gets DUNNO too" '^action=DUNNO' "$(sed -n 2p <<<"$out")"
expect "report mode: the decision line says what it would have answered" \
    '^verdict=deny action=would-reject_unauth_destination client=127\.0\.0\.6 ' "$(logline client=127.0.0.6)"
# Behind report mode Postfix's own rules decide.
relay "report mode: Postfix's own mynetworks lets 127.0.0.8 relay" '^250' --src 127.0.0.8
relay "report mode: a client the allow list names relays no more (Postfix's gate)" "$DENIED" --src 127.0.0.5

# ---- the service stopped: nothing relays, relay recipients 4xx, local ones go on
daemon "allow"
relay "service up: allowed client relays" '^250' --src 127.0.0.5
rm_stop
relay "service stopped: allowed client does not relay (4xx)" "$DEFERRED" --src 127.0.0.5
out=$(smtp --src 127.0.0.5 user@local.test)
expect "service stopped: local recipient still accepted" '^250' "$(rcpt_reply "$out" user@local.test)"

# ---- the service hung (SIGSTOP): the same, after smtpd_policy_service_timeout
daemon "allow"
kill -STOP "$RM_PID"
relay "service hung: allowed client does not relay (4xx)" "$DEFERRED" --src 127.0.0.5 --timeout 60
out=$(smtp --src 127.0.0.5 --timeout 60 user@local.test)
expect "service hung: local recipient still accepted" '^250' "$(rcpt_reply "$out" user@local.test)"
kill -CONT "$RM_PID"
relay "service resumed: allowed client relays again" '^250' --src 127.0.0.5

# ---- straight to the socket: pipelining, malformed and oversized requests
daemon "deny, allow"
out=$( { req 127.0.0.5 127.0.0.1; req 127.0.0.6 127.0.0.1; req 127.0.0.7 127.0.0.1; } | polc send)
expect "pipelined requests: answered in order" '^action=OK action=reject_unauth_destination action=reject_unauth_destination OPEN$' "$(tr '\n' ' ' <<<"$out" | sed 's/ $//')"
counts=$(ctl STATUS | sed -n 's/^decisions_\(allow_list\|deny_list\|default_deny\): /\1=/p' | tr '\n' ' ')
expect "the daemon's counters (STATUS) count the policy service's decisions" '^deny_list=1 allow_list=1 default_deny=1 $' "$counts"
out=$( { printf 'request=smtpd_access_policy\nno equals sign\nclient_address=127.0.0.5\n\n'; req 127.0.0.5 127.0.0.1; } | polc send)
expect "a line without '=' gets the no-decision action, and the connection goes on" '^action=defer_unauth_destination action=OK OPEN$' "$(tr '\n' ' ' <<<"$out" | sed 's/ $//')"
out=$(printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=127.0.0.5\nclient_address=127.0.0.6\n\n' | polc send)
expect "client_address twice: no decision, never OK" '^action=defer_unauth_destination' "$out"
out=$(printf 'request=junk\nprotocol_state=RCPT\nclient_address=127.0.0.5\n\n' | polc send)
expect "not smtpd_access_policy: no decision, never OK" '^action=defer_unauth_destination' "$out"
out=$(printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=127.0.0.5x\n\n' | polc send)
expect "a client_address that is not an address: no decision" '^action=defer_unauth_destination' "$out"
out=$(printf 'request=smtpd_access_policy\nprotocol_state=DATA\nclient_address=127.0.0.6\n\n' | polc send)
expect "protocol_state DATA: DUNNO (relay is decided at RCPT)" '^action=DUNNO' "$out"
out=$("$PYTHON" -c 'import sys; sys.stdout.write("request=smtpd_access_policy\nclient_address=127.0.0.5\nx=" + "a" * 20000 + "\n\n")' | polc send)
expect "a request over 16384 bytes: closed without an answer" '^CLOSED$' "$out"
out=$("$PYTHON" -c 'import sys; sys.stdout.write("request=smtpd_access_policy\n" + "x=y\n" * 200 + "client_address=127.0.0.5\n\n")' | polc send)
expect "a request of 200 lines: closed without an answer" '^CLOSED$' "$out"
out=$(printf 'request=smtpd_access_policy\nclient_address=127.0.0.5\x00\n\n' | polc send)
expect "a NUL byte: closed without an answer" '^CLOSED$' "$out"
out=$(printf 'request=smtpd_access_policy\nclient_address=127.0.0.5\n' | polc send --wait 14)
expect "a request left half sent is closed after $((10))-odd seconds" '^CLOSED$' "$out"
if rm_running && [ "$(req 127.0.0.5 127.0.0.1 | polc send | head -n 1)" = action=OK ]; then
    ok "after all that the service still answers"
else
    not_ok "after all that the service still answers"
fi
relay "and Postfix still relays for the allowed client" '^250' --src 127.0.0.5

# ---- 300 persistent connections, as 300 smtpd processes hold them
fds_before=$(ls "/proc/$RM_PID/fd" 2>/dev/null | wc -l)
"$PYTHON" "$POLC" "$POLICY_PORT" many 300 5 --hold 3 > "$E2E_TMP/many.out" 2>&1 &
many_pid=$!
sleep 2
fds_during=$(ls "/proc/$RM_PID/fd" 2>/dev/null | wc -l)
wait "$many_pid"
expect "300 persistent connections, 5 requests each: every answer right" '^ok 1500$' "$(cat "$E2E_TMP/many.out")"
if [ "$fds_during" -ge $((fds_before + 300)) ]; then ok "300 connections held open at once ($fds_during descriptors)"
else not_ok "300 connections held open at once" "descriptors before $fds_before, during $fds_during"; fi
threads=$(ls "/proc/$RM_PID/task" 2>/dev/null | wc -l)
if [ "$threads" -lt 20 ]; then ok "no thread per connection ($threads threads)"
else not_ok "no thread per connection" "$threads threads"; fi
for i in $(seq 50); do
    [ "$(ls "/proc/$RM_PID/fd" 2>/dev/null | wc -l)" -le "$fds_before" ] && break
    sleep 0.1
done
fds_after=$(ls "/proc/$RM_PID/fd" 2>/dev/null | wc -l)
expect "their descriptors are closed when the peers go" "^$fds_before\$" "$fds_after"

# SIGTERM with 300 connections open: prompt.
"$PYTHON" "$POLC" "$POLICY_PORT" many 300 1 --hold 10 > "$E2E_TMP/many.out" 2>&1 &
many_pid=$!
sleep 2
if rm_stop && awk -v s="$RM_STOP_SECONDS" 'BEGIN { exit !(s < 3) }'; then
    ok "SIGTERM with 300 connections open stops in ${RM_STOP_SECONDS}s"
else
    not_ok "SIGTERM with 300 connections open stops promptly" "took ${RM_STOP_SECONDS}s"
fi
kill "$many_pid" 2>/dev/null; wait "$many_pid" 2>/dev/null

# ---- the milter and the policy service in one daemon
RM_MILTER_SOCKET=inet:$MILTER_PORT@127.0.0.1
daemon "allow"
if wait_port 127.0.0.1 "$MILTER_PORT" 10; then ok "milter and policy service together: the milter listens too"
else not_ok "milter and policy service together: the milter listens too"; fi
relay "milter and policy service together: the policy service answers" '^250' --src 127.0.0.5
rm_stop

# ---- a unix policy_socket: mode 0660, answered, removed at stop
RM_MILTER_SOCKET=
RM_POLICY_SOCKET=unix:$RM_DIR/policy.sock
rm_config "relay_flags = allow"
if rm_start; then ok "relaymilter starts with policy_socket = unix:PATH"
else not_ok "relaymilter starts with policy_socket = unix:PATH"; fi
expect "unix policy_socket: mode 0660" '^660$' "$(stat -c %a "$RM_DIR/policy.sock" 2>&1)"
out=$(req 127.0.0.5 127.0.0.1 | "$PYTHON" "$POLC" "$RM_DIR/policy.sock" send)
expect "unix policy_socket: answers" '^action=OK' "$out"
rm_stop
if [ -e "$RM_DIR/policy.sock" ]; then not_ok "unix policy_socket: removed at stop"
else ok "unix policy_socket: removed at stop"; fi

mta_scenarios_done
finish
