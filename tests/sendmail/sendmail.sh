#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/sendmail/sendmail.sh - relaymilter behind a real Sendmail, end to end.
#
# Sendmail 8.17 from Debian's packages, unpacked (not installed) into a cache
# under the build tree, runs on loopback with a private .cf whose relaymilter
# lines are those of etc/sendmail.mc, its own relay check opened for loopback
# (RELAY_DOMAIN(127)), so that relaymilter alone decides.  Clients connect
# from 127.0.0.x source addresses.
#
#   allow.list: 127.0.0.5 127.0.0.7 ::1    deny.list: 127.0.0.7
#   local-ip.list: 127.0.0.2 ::1 (the second listener, and [::1])
#   127.0.0.6 is on no list.
#
# The .cf keeps Sendmail's default Milter.macros (cf/m4/cfhead.m4), which do
# not include {daemon_addr}: every local-interface check that passes proves
# that Sendmail honours relaymilter's smfi_setsymlist ({if_addr} is empty on
# loopback).  A later part runs Sendmail with no Milter.macros at all.
#
# Parts: the harness; relay_flags deny+allow (lists, local recipients, a
# mixed message, relay tricks); local ({daemon_addr}); auth (Cyrus SASL);
# deny only; relay_detect = mailer with Sendmail's mailer names; reject_reply;
# reload by SIGHUP and the control socket; the milter down (F=T).  Sendmail
# is never restarted during these.  Then it is restarted twice: with no
# Milter.macros in its .cf, and with S=local:PATH and a SMART_HOST (remote
# mail goes to its "relay" mailer).  Needs root and the packages that
# .ci/fetch-sendmail.sh unpacked; skips (77) without them.
#
# The relay matrix is tests/mta/scenarios, which the Postfix milter and
# policy-service suites run too (flags 0 and 10 included); what is
# Sendmail's own (its mailer names, its address literals, F=T) stays here.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/mta/scenarios.sh"

sm_init
sm_setup || { not_ok "sendmail.cf builds from the .mc with m4"; finish; }
if [ "$SM_SASL" = 1 ]; then
    sm_add_user user secret || not_ok "saslpasswd2 creates the SASL user"
fi
rm_have || note "relaymilter is not built ($RELAYMILTER): its checks fail below"

rm_list allow.list 127.0.0.5 127.0.0.7 ::1
rm_list deny.list 127.0.0.7
rm_list local-ip.list 127.0.0.2 ::1
rm_config "relay_flags = deny, allow"
rm_start || note "relaymilter does not start"

if sm_start; then ok "private Sendmail starts on 127.0.0.1 and 127.0.0.2$([ "$E2E_IPV6" = 1 ] && echo ' and [::1]')"
else not_ok "private Sendmail starts"; finish; fi
sm_pid0=$(sm_daemon_pid)

DENIED='^550 5\.7\.1 .*Relay access denied'
MTA_DENIED=$DENIED
MTA_AUTH_USER=
MTA_AUTH_PASS=
if [ "$SM_SASL" = 1 ]; then MTA_AUTH_USER=user; MTA_AUTH_PASS=secret; fi

# daemon FLAGS [LINE...]: (re)start relaymilter with relay_flags = FLAGS
# (Sendmail stays up: it connects to the milter per SMTP session)
daemon() {
    local what="relay_flags = $1" l
    for l in "${@:2}"; do what+="; $l"; done
    rm_config "relay_flags = $1" "${@:2}"
    if rm_start; then ok "relaymilter starts with $what"
    else not_ok "relaymilter starts with $what"; fi
}

# refused_by NAME ADDR WHO [smtpc options]: ADDR is refused, by WHO
# (milter: relaymilter logged the denial; sendmail: it did not)
refused_by() {
    local name=$1 addr=$2 who=$3 out r by; shift 3
    rm_log_mark
    out=$(smtp "$@" "$addr")
    r=$(rcpt_reply "$out" "$addr")
    if [[ $r =~ ^[45] ]]; then
        by=$(sm_rejected_by "$addr")
        if [ "$by" = "$who" ]; then ok "$name (${r%% *}, by $by)"
        else not_ok "$name" "refused by $by, not by $who: $r"; fi
    else
        not_ok "$name" "got: $r"
    fi
}

# mta_trick NAME RCPT [smtpc options]: Sendmail's relay check is open for
# loopback, so the trick must reach relaymilter and be refused there
mta_trick() {
    local name=$1 t=$2; shift 2
    refused_by "$name" "$t" milter "$@"
}

# ---- the harness: Sendmail itself
out=$(smtp --src 127.0.0.6 user@local.test)
expect "Sendmail answers: banner names Sendmail" '^CONNECT 220 .*Sendmail' "$out"
expect "Sendmail's host name is qualified (no 60 s sleep at start)" "^CONNECT 220 $SM_HOSTNAME " "$out"
if [ "$SM_SASL" = 1 ]; then
    ehlo=$("$PYTHON" - "$SMTP_PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
f = s.makefile("rb"); f.readline()
s.sendall(b"EHLO client.example\r\n")
while True:
    l = f.readline().decode()
    print(l.rstrip())
    if l[3:4] != "-": break
s.sendall(b"QUIT\r\n")
PY
)
    expect "Sendmail offers AUTH PLAIN LOGIN (Cyrus SASL, private sasldb)" '250-AUTH (LOGIN PLAIN|PLAIN LOGIN)' "$ehlo"
fi

# ---- relay_flags = deny, allow (3): the daemon started above
mta_scenarios "deny, allow"
sm_log_mark
relay "not listed, once more: 127.0.0.6 may not relay (550 5.7.1)" "$DENIED" --src 127.0.0.6
expect "Sendmail logs the refusal as the milter's" 'Milter: to=<user@remote\.example>, reject=550 5\.7\.1' \
    "$(sm_log_wait 'Milter: to=')"

# One transaction, a local and a relay recipient: each decided on its own.
out=$(smtp --src 127.0.0.6 --data user@local.test user@remote.example other@local.test)
expect "mixed message: local recipient 250" '^250' "$(rcpt_reply "$out" user@local.test)"
expect "mixed message: relay recipient 550 in the same transaction" "$DENIED" "$(rcpt_reply "$out" user@remote.example)"
expect "mixed message: second local recipient still 250" '^250' "$(rcpt_reply "$out" other@local.test)"
qid=$(sm_queued_id "$out")
if [ -n "$qid" ]; then
    got=$(sm_queued_rcpts "$qid" | sort | tr '\n' ' ')
    expect "mixed message: queued (qf$qid) for the local recipients only" '^other@local\.test user@local\.test $' "$got"
else
    not_ok "mixed message: queued for the local recipients only" "DATA was not accepted:" "$out"
fi

# Relay tricks of Sendmail's own (the table has the ones every MTA shares).
# Sendmail resolves user@[127.0.0.2] to its esmtp mailer, so it reaches the
# milter; user@remote@local is a route Sendmail's parser refuses itself
# (553) before any milter.
refused_by "relay trick user@[127.0.0.2] is refused" 'user@[127.0.0.2]' milter --src 127.0.0.6
refused_by "relay trick user@remote.example@local.test is refused" 'user@remote.example@local.test' sendmail --src 127.0.0.6
# Sendmail's own address literal is local to Sendmail, but not listed in
# local_domains: relay_detect = domains refuses it (mailer mode accepts it).
refused_by "address literal [127.0.0.1], not in local_domains, is refused" 'user@[127.0.0.1]' milter --src 127.0.0.6
# Names Sendmail takes for local but local_domains does not list: in
# relay_detect = domains they are relay attempts (mailer mode accepts them).
refused_by "Sendmail's own host name $SM_HOSTNAME, not in local_domains, is refused" "user@$SM_HOSTNAME" milter --src 127.0.0.6
refused_by "unqualified user (no domain; Sendmail would deliver it locally) is refused" user milter --src 127.0.0.6

# ---- relay_flags = local (4): Sendmail's {daemon_addr} decides
rm_log_mark
daemon "local"
mta_scenarios "local"
if [ "$E2E_IPV6" = 1 ]; then
    relay "local interface: ::1 via listener [::1] relays ({daemon_addr} = IPv6:::1)" '^250' --src ::1 --dst ::1
fi
got=$(rm_log_since | grep -E 'verdict=no-decision' | head -n 3)
expect "local interface: no 'no decision' (the server address always arrived)" '^$' "$got"

# ---- relay_flags = auth (8): SMTP AUTH through Sendmail's Cyrus SASL
# (without it the table's authenticated rows are left out)
daemon "auth"
mta_scenarios "auth"
if [ "$SM_SASL" = 1 ]; then
    relay "auth: wrong password, no AUTH, may not relay" '^535' --src 127.0.0.6 --auth user wrong
    if command -v "${SWAKS:-swaks}" >/dev/null 2>&1; then
        sw() { "${SWAKS:-swaks}" --server "127.0.0.1:$SMTP_PORT" --local-interface 127.0.0.6 \
            --from sender@local.test --to user@remote.example --quit-after RCPT "$@" 2>&1; }
        if swout=$(sw --auth PLAIN --auth-user user --auth-password secret); then
            ok "auth: swaks --auth PLAIN relays"
        else
            not_ok "auth: swaks --auth PLAIN relays" "$(printf '%s\n' "$swout" | grep -E '^(<|\*)' | tail -n 3)"
        fi
        swout=$(sw)
        expect "auth: swaks without AUTH gets 550 5.7.1" '<\*\* 550 5\.7\.1' "$swout"
    fi
else
    note "SMTP AUTH is off (no Cyrus SASL): the auth checks of Sendmail's own are left out"
fi

# ---- relay_flags = deny (1): everyone not denied relays
daemon "deny"
mta_scenarios "deny"

# ---- relay_flags = 0: nobody relays; 10 (allow, auth; the default)
daemon "0"
mta_scenarios "0"
daemon "10"
mta_scenarios "10"

# ---- relay_detect = mailer: Sendmail's {rcpt_mailer} says what is local,
# with the daemon's default local_mailers (local, virtual, lmtp).
# local_domains names another domain: only the mailer can make local.test local.
RM_LOCAL_DOMAINS=elsewhere.test
rm_log_mark
daemon "deny, allow" "relay_detect = mailer"
RM_LOCAL_DOMAINS=
relay "mailer: unlisted client may not relay (mailer esmtp)" "$DENIED" --src 127.0.0.6
relay "mailer: listed client relays" '^250' --src 127.0.0.5
out=$(smtp --src 127.0.0.6 user@local.test "user@$SM_HOSTNAME" 'user@[127.0.0.1]' postmaster)
expect "mailer: local recipient (mailer local) from an unlisted client: 250" '^250' "$(rcpt_reply "$out" user@local.test)"
expect "mailer: Sendmail's own host name (mailer local) is local: 250" '^250' "$(rcpt_reply "$out" "user@$SM_HOSTNAME")"
expect "mailer: Sendmail's own address literal (mailer local) is local: 250" '^250' "$(rcpt_reply "$out" 'user@[127.0.0.1]')"
expect "mailer: bare postmaster (mailer local): 250" '^250' "$(rcpt_reply "$out" postmaster)"
out=$(smtp --src 127.0.0.6 user)
expect "mailer: unqualified local user (mailer local): 250" '^250' "$(rcpt_reply "$out" user)"
for t in 'user%remote.example@local.test' 'remote.example!user@local.test' \
         '"user@remote.example"@local.test' '@local.test:user@remote.example' 'user@[192.0.2.1]'; do
    refused_by "mailer: $t (mailer esmtp) from an unlisted client is refused" "$t" milter --src 127.0.0.6
done
got=$(rm_log_since | grep -E 'verdict=no-decision' | head -n 3)
expect "mailer: no 'no decision' ({rcpt_mailer} always arrived)" '^$' "$got"

# ---- reject_reply: the text of the rejection is the administrator's
daemon "allow" "reject_reply = 554 5.7.1 Relaying denied by local policy"
relay "reject_reply: unlisted client gets the configured reply through Sendmail" '^554 5\.7\.1 .*Relaying denied by local policy' --src 127.0.0.6

# ---- reload without restarting Sendmail: SIGHUP and the control socket
rm_list allow.list 127.0.0.5
rm_config "relay_flags = allow"
if rm_start; then ok "relaymilter starts for the reload checks"; else not_ok "relaymilter starts for the reload checks"; fi
daemon0=$RM_PID
relay "before reload: 127.0.0.6 may not relay" "$DENIED" --src 127.0.0.6

rm_list allow.list 127.0.0.5 127.0.0.6
kill -HUP "$RM_PID" 2>/dev/null
code=
for i in $(seq 50); do
    code=$(rcpt_code "$(smtp --src 127.0.0.6 user@remote.example)" user@remote.example)
    [ "$code" = 250 ] && break
    sleep 0.1
done
expect "SIGHUP reload: 127.0.0.6 added to allow.list now relays" '^250$' "$code"

rm_list allow.list 127.0.0.5 127.0.0.8
reply=$(ctl RELOAD)
expect "control socket RELOAD answers OK" '^OK reloaded' "$reply"
relay "control reload: 127.0.0.8 added to allow.list relays at once" '^250' --src 127.0.0.8
relay "control reload: 127.0.0.6 removed from allow.list may no longer relay" "$DENIED" --src 127.0.0.6

printf '%s\n' 127.0.0.5 127.0.0.6 not-an-address > "$RM_DIR/allow.list"
reply=$(ctl RELOAD)
expect "bad list: RELOAD answers ERR, previous lists remain in force" '^ERR reload failed; previous lists remain in force' "$reply"
relay "bad list: 127.0.0.8 still relays through Sendmail" '^250' --src 127.0.0.8
relay "bad list: 127.0.0.6 (only in the bad file) may not relay" "$DENIED" --src 127.0.0.6

rm_list allow.list 127.0.0.5
reply=$(ctl RELOAD)
expect "fixed list: RELOAD answers OK" '^OK ' "$reply"
relay "fixed list: 127.0.0.8 may no longer relay" "$DENIED" --src 127.0.0.8
if [ -n "$daemon0" ] && [ "$daemon0" = "$RM_PID" ] && rm_running; then
    ok "relaymilter was never restarted during the reloads"
else
    not_ok "relaymilter was never restarted during the reloads"
fi
expect "Sendmail was never restarted (same daemon pid)" "^${sm_pid0:-none}\$" "$(sm_daemon_pid)"

# ---- the milter goes down: F=T makes Sendmail refuse (451 4.3.2 at MAIL)
kill -9 "$RM_PID" 2>/dev/null; wait "$RM_PID" 2>/dev/null; RM_PID=
for src in 127.0.0.5 127.0.0.6; do
    out=$(smtp --src $src user@remote.example)
    step=$(printf '%s\n' "$out" | awk '$2 !~ /^[23]/ {print $1 " " $2 " " $3; exit}')
    expect "milter down (F=T): client $src cannot relay (4xx)" '^(MAIL|RCPT) 4[0-9][0-9] ' "$step"
done
expect "milter down: Sendmail answers 451 4.3.2 at MAIL" '^MAIL 451 4\.3\.2' "$(printf '%s\n' "$out" | grep '^MAIL')"
if rm_start; then ok "relaymilter comes back"; else not_ok "relaymilter comes back"; fi
relay "milter back: 127.0.0.5 relays again, Sendmail untouched" '^250' --src 127.0.0.5
relay "milter back: 127.0.0.6 may not relay" "$DENIED" --src 127.0.0.6
expect "Sendmail still the same daemon after the milter came back" "^${sm_pid0:-none}\$" "$(sm_daemon_pid)"

# ---- no Milter.macros in sendmail.cf at all: everything relaymilter needs
# comes from its smfi_setsymlist request.
sm_stop
sm_setup "undefine(\`confMILTER_MACROS_CONNECT')dnl" "undefine(\`confMILTER_MACROS_HELO')dnl" \
    "undefine(\`confMILTER_MACROS_ENVFROM')dnl" "undefine(\`confMILTER_MACROS_ENVRCPT')dnl" \
    "undefine(\`confMILTER_MACROS_EOM')dnl" || not_ok "sendmail.cf without Milter.macros builds"
expect "sendmail.cf without Milter.macros has no Milter.macros option" '^$' \
    "$(grep -E '^O Milter\.macros' "$SM_DIR/sendmail.cf")"
if sm_start; then ok "Sendmail restarts without Milter.macros"; else not_ok "Sendmail restarts without Milter.macros"; fi
RM_LOCAL_DOMAINS=elsewhere.test
rm_log_mark
if [ "$SM_SASL" = 1 ]; then daemon "local, auth" "relay_detect = mailer"; else daemon "local" "relay_detect = mailer"; fi
RM_LOCAL_DOMAINS=
relay "setsymlist: {daemon_addr}: unlisted client via 127.0.0.2 relays" '^250' --src 127.0.0.6 --dst 127.0.0.2
relay "setsymlist: unlisted client via 127.0.0.1 may not relay" "$DENIED" --src 127.0.0.6 --dst 127.0.0.1
if [ "$SM_SASL" = 1 ]; then
    relay "setsymlist: {auth_authen}: authenticated client via 127.0.0.1 relays" '^250' --src 127.0.0.6 --auth user secret
fi
out=$(smtp --src 127.0.0.6 user@local.test)
expect "setsymlist: {rcpt_mailer}: local user (mailer local) accepted" '^250' "$(rcpt_reply "$out" user@local.test)"
got=$(rm_log_since | grep -E 'verdict=no-decision' | head -n 3)
expect "setsymlist: no 'no decision' (every macro arrived)" '^$' "$got"

# ---- a unix milter socket (relaymilter's unix:PATH is Sendmail's
# local:PATH), and a smart host: remote mail now goes to Sendmail's "relay"
# mailer, which relay_detect = mailer must not take for local.
# Sendmail does not start when a directory on the socket's path is world
# writable, as /tmp is: the harness's .cf trusts /tmp's sticky bit
# (DontBlameSendmail=TrustStickyBit).  A real socket in /run/relaymilter
# needs no such option.
sm_stop
RM_MILTER_SOCKET=unix:$RM_DIR/milter.sock
SM_MILTER_SOCKET=local:$RM_DIR/milter.sock
sm_setup "define(\`SMART_HOST', \`[192.0.2.1]')dnl" || not_ok "sendmail.cf with S=local:PATH and SMART_HOST builds"
RM_LOCAL_DOMAINS=elsewhere.test
daemon "deny, allow" "relay_detect = mailer"
RM_LOCAL_DOMAINS=
if sm_start; then ok "Sendmail restarts with S=local:$RM_DIR/milter.sock"; else not_ok "Sendmail restarts with S=local:PATH"; fi
relay "unix socket, smart host: 127.0.0.5 relays (mailer relay)" '^250' --src 127.0.0.5
relay "unix socket, smart host: 127.0.0.6 may not relay (mailer relay is not local)" "$DENIED" --src 127.0.0.6
out=$(smtp --src 127.0.0.6 user@local.test 'user%remote.example@local.test')
expect "unix socket, smart host: local recipient (mailer local): 250" '^250' "$(rcpt_reply "$out" user@local.test)"
expect "unix socket, smart host: % hack (mailer relay) is refused" "$DENIED" "$(rcpt_reply "$out" 'user%remote.example@local.test')"

mta_scenarios_done
finish
