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
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

e2e_init
pf_setup
pf_add_user user secret || not_ok "saslpasswd2 creates the SASL user"
pf_start || { not_ok "private Postfix starts"; finish; }
rm_have || note "relaymilter is not built ($RELAYMILTER): its checks fail below"

rm_list allow.list 127.0.0.5 127.0.0.7 ::1
rm_list deny.list 127.0.0.7
rm_list local-ip.list 127.0.0.2

DENIED='^550 5\.7\.1 .*Relay access denied'

# daemon FLAGS [LINE...]: (re)start relaymilter with relay_flags = FLAGS
daemon() {
    local what="relay_flags = $1" l
    for l in "${@:2}"; do what+="; $l"; done
    rm_config "relay_flags = $1" "${@:2}"
    if rm_start; then ok "relaymilter starts with $what"
    else not_ok "relaymilter starts with $what"; fi
}

# relay NAME WANT [smtpc options]: one session, one relay recipient
relay() {
    local name=$1 want=$2 out; shift 2
    out=$(smtp "$@" user@remote.example)
    expect "$name" "$want" "$(rcpt_reply "$out" user@remote.example)"
}

# ---- relay_flags = deny, allow (3)
daemon "deny, allow"
relay "allow list: 127.0.0.5 relays" '^250' --src 127.0.0.5
relay "not listed: 127.0.0.6 may not relay (550 5.7.1)" "$DENIED" --src 127.0.0.6
relay "deny list beats allow list: 127.0.0.7 on both may not relay" "$DENIED" --src 127.0.0.7
relay "allow flag does not need the local listener: 127.0.0.5 via 127.0.0.2 relays" '^250' --src 127.0.0.5 --dst 127.0.0.2
if [ "$E2E_IPV6" = 1 ]; then
    relay "IPv6: client ::1 on the allow list relays" '^250' --src ::1 --dst ::1
fi

out=$(smtp --src 127.0.0.6 user@local.test)
expect "local recipient from an unlisted client: 250" '^250' "$(rcpt_reply "$out" user@local.test)"
out=$(smtp --src 127.0.0.6 USER@LOCAL.TEST.)
expect "local domain in upper case with a trailing dot is local: 250" '^250' "$(rcpt_reply "$out" USER@LOCAL.TEST.)"
out=$(smtp --src 127.0.0.7 user@local.test)
expect "local recipient from a denied client: 250" '^250' "$(rcpt_reply "$out" user@local.test)"

# One transaction, a local and a relay recipient: each decided on its own.
out=$(smtp --src 127.0.0.6 --data user@local.test user@remote.example other@local.test)
expect "mixed message: local recipient 250" '^250' "$(rcpt_reply "$out" user@local.test)"
expect "mixed message: relay recipient 550 in the same transaction" "$DENIED" "$(rcpt_reply "$out" user@remote.example)"
expect "mixed message: second local recipient still 250" '^250' "$(rcpt_reply "$out" other@local.test)"
qid=$(queued_id "$out")
if [ -n "$qid" ]; then
    got=$(queued_rcpts "$qid" | sort | tr '\n' ' ')
    expect "mixed message: queued for the local recipients only" '^other@local\.test user@local\.test $' "$got"
else
    not_ok "mixed message: queued for the local recipients only" "DATA was not accepted:" "$out"
fi

# Relay tricks from an unlisted client.  Postfix's own relay check is open,
# so whatever rejects them should be the milter; the log says which.
tricks=('user%remote.example@local.test' 'remote.example!user@local.test'
        '@local.test:user@remote.example' '@other.example,@local.test:user@remote.example'
        '"user@remote.example"@local.test' 'user@remote.example@local.test'
        'user@[192.0.2.1]' 'user@REMOTE.EXAMPLE.' 'user@remote.example.'
        'user%remote.example@LOCAL.TEST')
for t in "${tricks[@]}"; do
    pf_log_mark
    out=$(smtp --src 127.0.0.6 "$t")
    r=$(rcpt_reply "$out" "$t")
    if [[ $r =~ ^[45] ]] && rm_running; then
        ok "relay trick $t is refused (${r%% *}, by $(pf_rejected_by))"
    else
        not_ok "relay trick $t is refused by a running relaymilter" "got: $r"
    fi
done
# The same forms from an allowed client are relays it may make.
out=$(smtp --src 127.0.0.5 'user%remote.example@local.test' '"user@remote.example"@local.test')
expect "allowed client: % hack is let through as a relay" '^250' "$(rcpt_reply "$out" 'user%remote.example@local.test')"

# ---- relay_flags = local (4): the server address decides
daemon "local"
relay "local interface: unlisted client via listener 127.0.0.2 relays" '^250' --src 127.0.0.6 --dst 127.0.0.2
relay "local interface: unlisted client via listener 127.0.0.1 may not relay" "$DENIED" --src 127.0.0.6 --dst 127.0.0.1
relay "local interface: allow list is ignored without the allow flag" "$DENIED" --src 127.0.0.5 --dst 127.0.0.1
relay "local interface: deny list is ignored without the deny flag" '^250' --src 127.0.0.7 --dst 127.0.0.2
if [ "$E2E_IPV6" = 1 ]; then
    relay "IPv6: listener [::1] is not on local-ip.list, ::1 may not relay" "$DENIED" --src ::1 --dst ::1
fi

# ---- relay_flags = deny (1): everyone not denied relays
daemon "deny"
relay "deny-only: unlisted client relays" '^250' --src 127.0.0.6
relay "deny-only: client on the allow list relays" '^250' --src 127.0.0.5
relay "deny-only: denied client may not relay" "$DENIED" --src 127.0.0.7

# ---- relay_flags = 0: nobody relays
daemon "0"
relay "flags 0: client on the allow list may not relay" "$DENIED" --src 127.0.0.5
relay "flags 0: local listener does not help" "$DENIED" --src 127.0.0.6 --dst 127.0.0.2
if [ "$E2E_IPV6" = 1 ]; then
    relay "flags 0: IPv6 client ::1 on the allow list may not relay" "$DENIED" --src ::1 --dst ::1
fi
relay "flags 0: authenticated client may not relay" "$DENIED" --src 127.0.0.6 --auth user@local.test secret
out=$(smtp --src 127.0.0.6 user@local.test)
expect "flags 0: local recipient still accepted" '^250' "$(rcpt_reply "$out" user@local.test)"

# ---- relay_flags = auth (8): SMTP AUTH through Postfix's Cyrus SASL
daemon "auth"
relay "auth: authenticated (PLAIN) client relays" '^250' --src 127.0.0.6 --auth user@local.test secret
relay "auth: authenticated (LOGIN) client relays" '^250' --src 127.0.0.6 --auth-mech LOGIN --auth user@local.test secret
relay "auth: unauthenticated client may not relay" "$DENIED" --src 127.0.0.6
relay "auth: allow list is ignored without the allow flag" "$DENIED" --src 127.0.0.5
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
relay "flags 10: listed client relays" '^250' --src 127.0.0.5
relay "flags 10: unlisted authenticated client relays" '^250' --src 127.0.0.6 --auth user@local.test secret
relay "flags 10: unlisted unauthenticated client may not relay" "$DENIED" --src 127.0.0.6

# ---- reject_reply: the text of the rejection is the administrator's
daemon "allow" "reject_reply = 554 5.7.1 Relaying denied by local policy"
relay "reject_reply: unlisted client gets the configured reply" '^554 5\.7\.1 Relaying denied by local policy' --src 127.0.0.6

finish
