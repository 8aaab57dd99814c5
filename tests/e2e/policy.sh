#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/policy.sh - relaymilter's relay policy, end to end: a real Postfix
# on loopback with its own relay check opened (mynetworks = 0.0.0.0/0), so
# that relaymilter alone decides, and clients on 127.0.0.x source addresses.
#
#   allow.list: 127.0.0.5 127.0.0.7 ::1    deny.list: 127.0.0.7
#   local-ip.list: 127.0.0.2 (the second SMTP listener)
#   127.0.0.6 is on no list.  With IPv6 on loopback Postfix also listens on
#   [::1] and ::1 is a client too.
#
# The relay matrix is tests/mta/scenarios, which the policy-service and
# Sendmail suites run too; what is Postfix's own milter path stays here.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/mta/scenarios.sh"

e2e_init
pf_setup
pf_add_user user secret || not_ok "saslpasswd2 creates the SASL user"
pf_start || { not_ok "private Postfix starts"; finish; }
rm_have || note "relaymilter is not built ($RELAYMILTER): its checks fail below"

rm_list allow.list 127.0.0.5 127.0.0.7 ::1
rm_list deny.list 127.0.0.7
rm_list local-ip.list 127.0.0.2

DENIED='^550 5\.7\.1 .*Relay access denied'
MTA_DENIED=$DENIED
MTA_AUTH_USER=user@local.test
MTA_AUTH_PASS=secret

# mta_trick NAME RCPT [smtpc options]: Postfix's own relay check is open, so
# a refusal is the milter's (Postfix logs "milter-reject")
mta_trick() {
    local name=$1 t=$2 out r by; shift 2
    pf_log_mark
    out=$(smtp "$@" "$t")
    r=$(rcpt_reply "$out" "$t")
    by=$(pf_rejected_by)
    if [[ $r =~ ^[45] ]] && rm_running && [ "$by" = milter ]; then
        ok "$name (${r%% *}, by $by)"
    else
        not_ok "$name by a running relaymilter" "got: $r (by $by)"
    fi
}

# daemon FLAGS [LINE...]: (re)start relaymilter with relay_flags = FLAGS
daemon() {
    local what="relay_flags = $1" l
    for l in "${@:2}"; do what+="; $l"; done
    rm_config "relay_flags = $1" "${@:2}"
    if rm_start; then ok "relaymilter starts with $what"
    else not_ok "relaymilter starts with $what"; fi
}

# ---- relay_flags = deny, allow (3)
daemon "deny, allow"
mta_scenarios "deny, allow"

# One transaction, a local and a relay recipient: each decided on its own.
mixed_message "mixed message" "$DENIED" 127.0.0.6

# Relay tricks of Postfix's own (the table has the ones every MTA shares).
for t in 'user@remote.example@local.test' 'user@remote.example.'; do
    mta_trick "relay trick $t is refused" "$t" --src 127.0.0.6
done

# ---- relay_flags = local (4): the server address decides
daemon "local"
mta_scenarios "local"
if [ "$E2E_IPV6" = 1 ]; then
    relay "IPv6: listener [::1] is not on local-ip.list, ::1 may not relay" "$DENIED" --src ::1 --dst ::1
fi

# ---- relay_flags = deny (1): everyone not denied relays
daemon "deny"
mta_scenarios "deny"

# ---- relay_flags = 0: nobody relays
daemon "0"
mta_scenarios "0"

# ---- relay_flags = auth (8): SMTP AUTH through Postfix's Cyrus SASL
daemon "auth"
mta_scenarios "auth"
if command -v "${SWAKS:-swaks}" >/dev/null 2>&1; then
    sw() { "${SWAKS:-swaks}" --server "127.0.0.1:$SMTP_PORT" --local-interface 127.0.0.6 \
        --from sender@local.test --to user@remote.example --quit-after RCPT "$@" 2>&1; }
    if swout=$(sw --auth PLAIN --auth-user user@local.test --auth-password secret); then
        ok "auth: swaks --auth PLAIN relays"
    else
        not_ok "auth: swaks --auth PLAIN relays" "$(printf '%s\n' "$swout" | grep -E '^(<|\*)' | tail -n 3)"
    fi
    swout=$(sw)
    expect "auth: swaks without AUTH gets 550 5.7.1" '<\*\* 550 5\.7\.1' "$swout"
fi

# ---- relay_detect = mailer: Postfix's {rcpt_mailer} says what is local
# local_domains names another domain, so only the mailer can make local.test local.
RM_LOCAL_DOMAINS=elsewhere.test
daemon "deny, allow" "relay_detect = mailer"
RM_LOCAL_DOMAINS=
relay "mailer: unlisted client may not relay" "$DENIED" --src 127.0.0.6
relay "mailer: listed client relays" '^250' --src 127.0.0.5
out=$(smtp --src 127.0.0.6 user@local.test 'user%remote.example@local.test' '"user@remote.example"@local.test')
expect "mailer: local recipient (mailer local) from an unlisted client: 250" '^250' "$(rcpt_reply "$out" user@local.test)"
expect "mailer: % hack (mailer smtp) from an unlisted client is refused" "$DENIED" "$(rcpt_reply "$out" 'user%remote.example@local.test')"
expect "mailer: quoted @ (mailer smtp) from an unlisted client is refused" "$DENIED" "$(rcpt_reply "$out" '"user@remote.example"@local.test')"

# ---- relay_flags = allow, auth (the default, 10), Exchange number form
daemon "10"
mta_scenarios "10"

# ---- reject_reply: the text of the rejection is the administrator's
daemon "allow" "reject_reply = 554 5.7.1 Relaying denied by local policy"
relay "reject_reply: unlisted client gets the configured reply" '^554 5\.7\.1 Relaying denied by local policy' --src 127.0.0.6

mta_scenarios_done
finish
