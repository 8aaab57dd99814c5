#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/postfix.sh - the harness itself, against Postfix alone (no
# relaymilter needed): the private instance starts and listens on both
# addresses, Postfix's own relay check is open so that the milter alone
# guards, SMTP AUTH works through Cyrus SASL, and with the milter configured
# but not running nothing is accepted (milter_default_action = tempfail).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

e2e_init
pf_setup "smtpd_milters ="
pf_add_user user secret || { not_ok "saslpasswd2 creates the SASL user"; finish; }
if pf_start; then ok "private Postfix starts (config $PF_DIR)"; else not_ok "private Postfix starts"; finish; fi

out=$(smtp --dst 127.0.0.1 --src 127.0.0.5 user@local.test)
expect "listener 127.0.0.1:$SMTP_PORT accepts a local recipient" '^250' "$(rcpt_reply "$out" user@local.test)"
out=$(smtp --dst 127.0.0.2 --src 127.0.0.5 user@local.test)
expect "listener 127.0.0.2:$SMTP_PORT accepts a local recipient" '^250' "$(rcpt_reply "$out" user@local.test)"

# Without a milter, Postfix's own relay check lets every routing form through:
# whatever rejects them in the other tests is the milter.
tricks=(user@remote.example 'user%remote.example@local.test' 'remote.example!user@local.test'
        '@local.test:user@remote.example' '"user@remote.example"@local.test'
        'user@remote.example@local.test' 'user@[192.0.2.1]' 'user@REMOTE.EXAMPLE.')
out=$(smtp --src 127.0.0.6 "${tricks[@]}")
for t in "${tricks[@]}"; do
    expect "without milter Postfix itself accepts $t" '^250' "$(rcpt_reply "$out" "$t")"
done

# SMTP AUTH through Cyrus SASL (sasldb in the instance directory).
out=$(smtp --src 127.0.0.6 --auth user@local.test secret user@remote.example)
expect "AUTH PLAIN with the right password" '^235' "$(printf '%s\n' "$out" | awk '$1=="AUTH"{$1="";print substr($0,2)}')"
out=$(smtp --src 127.0.0.6 --auth-mech LOGIN --auth user@local.test secret user@remote.example)
expect "AUTH LOGIN with the right password" '^235' "$(printf '%s\n' "$out" | awk '$1=="AUTH"{$1="";print substr($0,2)}')"
out=$(smtp --src 127.0.0.6 --auth user@local.test wrong user@remote.example)
expect "AUTH with a wrong password is refused" '^535' "$(printf '%s\n' "$out" | awk '$1=="AUTH"{$1="";print substr($0,2)}')"
if command -v "${SWAKS:-swaks}" >/dev/null 2>&1; then
    if swout=$("${SWAKS:-swaks}" --server "127.0.0.1:$SMTP_PORT" --local-interface 127.0.0.5 \
            --to user@remote.example --from sender@local.test --quit-after RCPT \
            --auth PLAIN --auth-user user@local.test --auth-password secret 2>&1); then
        ok "swaks --auth PLAIN authenticates and gets to RCPT"
    else
        not_ok "swaks --auth PLAIN authenticates and gets to RCPT" "$(printf '%s\n' "$swout" | tail -n 5)"
    fi
else
    note "swaks not installed; its check is left out"
fi
sleep 0.5
if grep -q 'sasl_method=PLAIN, sasl_username=user@local.test' "$PF_DIR/maillog"; then
    ok "Postfix logs the SASL login"
else
    not_ok "Postfix logs the SASL login" "$(pf_log_tail 5)"
fi

# A milter that is configured but not running: nothing gets through.
pf_set "smtpd_milters = inet:127.0.0.1:$MILTER_PORT" "milter_default_action = tempfail"
out=$(smtp --src 127.0.0.5 user@remote.example)
expect "milter configured but down: relay recipient not accepted (4xx)" '^4' "$(rcpt_reply "$out" user@remote.example)" "$out"
out=$(smtp --src 127.0.0.5 user@local.test)
expect "milter configured but down: local recipient not accepted (4xx)" '^4' "$(rcpt_reply "$out" user@local.test)"

finish
