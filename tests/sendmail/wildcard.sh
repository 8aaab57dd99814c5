#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/sendmail/wildcard.sh - relaymilter's local-interface rule behind a
# Sendmail that listens on every address (DAEMON_OPTIONS without Addr=, as
# an MX does).  Such a listener's {daemon_addr} is 0.0.0.0 for every
# connection; the address the client reached is only in {if_addr}, which
# Sendmail leaves empty on loopback.
#
# A listener on every address must not be opened on the test machine: the
# script runs in a network namespace of its own (unshare --net), whose
# loopback also carries 192.0.2.10, 192.0.2.20 and the client 192.0.2.30
# (Sendmail takes only 127.0.0.0/8 for loopback, so these get {if_addr}).
#
#   local-ip.list: 192.0.2.10    allow.list: 127.0.0.5    SASL user: user
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

if [ "${SM_NETNS:-0}" != 1 ]; then
    [ "$(id -u)" -eq 0 ] || skip_all "Sendmail end-to-end tests need root (namespaces, bind mounts)"
    command -v ip >/dev/null 2>&1 || skip_all "ip (iproute2) not found"
    unshare --net true 2>/dev/null || skip_all "unshare --net does not work here"
    # top_srcdir and friends may be set but not exported in a manual run.
    exec unshare --net env SM_NETNS=1 top_srcdir="$top_srcdir" top_builddir="$top_builddir" \
        RELAYMILTER="$RELAYMILTER" SM_CACHE="$SM_CACHE" PYTHON="$PYTHON" bash "$0" "$@"
fi

ip link set lo up || skip_all "cannot bring up lo in the network namespace"
for a in 192.0.2.10 192.0.2.20 192.0.2.30; do
    ip addr add "$a/32" dev lo || skip_all "cannot add $a to lo in the network namespace"
done

SM_LISTEN=any
sm_init
sm_setup || { not_ok "sendmail.cf builds from the .mc with m4"; finish; }
if [ "$SM_SASL" = 1 ]; then
    sm_add_user user secret || not_ok "saslpasswd2 creates the SASL user"
fi
rm_list allow.list 127.0.0.5
rm_list deny.list
rm_list local-ip.list 192.0.2.10
rm_config "relay_flags = local"
rm_start || note "relaymilter does not start"
if sm_start; then ok "private Sendmail starts on *:$SMTP_PORT (in its own network namespace)"
else not_ok "private Sendmail starts"; finish; fi

DENIED='^550 5\.7\.1 .*Relay access denied'

expect "sendmail.cf listens on every address (no Addr=)" "^O DaemonPortOptions=Port=$SMTP_PORT, Name=MTA-any\$" \
    "$(grep '^O DaemonPortOptions' "$SM_DIR/sendmail.cf")"

relay "wildcard listener: client reaching 192.0.2.10 (on local-ip.list) relays ({if_addr})" '^250' --src 192.0.2.30 --dst 192.0.2.10
relay "wildcard listener: client reaching 192.0.2.20 (not listed) may not relay" "$DENIED" --src 192.0.2.30 --dst 192.0.2.20

# Over loopback there is no server address at all: the local rule cannot
# decide, and on_error (tempfail) does, with the reason logged.
rm_log_mark
relay "wildcard listener, loopback: no server address, on_error = tempfail (451)" '^451 4\.3\.0' --src 127.0.0.6 --dst 127.0.0.1
expect "wildcard listener, loopback: the log names the reason" 'verdict=no-decision .*reason=wildcard-daemon_addr-and-no-if_addr$' "$(rm_log_since)"
local0=$(smtp --src 127.0.0.6 --dst 127.0.0.1 user@local.test)
expect "wildcard listener, loopback: local recipient still 250" '^250' "$(rcpt_reply "$local0" user@local.test)"

# An earlier rule decides without the server address: loopback clients on
# the allow list relay, the others are refused, nobody waits for on_error.
rm_config "relay_flags = allow, local" "on_error = reject"
reply=$(ctl RELOAD)
expect "RELOAD to relay_flags = allow, local; on_error = reject answers OK" '^OK ' "$reply"
relay "wildcard listener, loopback: 127.0.0.5 on the allow list relays" '^250' --src 127.0.0.5 --dst 127.0.0.1
relay "wildcard listener, loopback: unlisted 127.0.0.6 is refused (on_error = reject)" "$DENIED" --src 127.0.0.6 --dst 127.0.0.1
relay "wildcard listener: 192.0.2.30 reaching 192.0.2.10 still relays by the local rule" '^250' --src 192.0.2.30 --dst 192.0.2.10

# The auth rule's allow stands without the server address: the local rule
# could only have allowed too (webmail on the same host, say, with AUTH).
if [ "$SM_SASL" = 1 ]; then
    rm_config "relay_flags = local, auth"
    reply=$(ctl RELOAD)
    expect "RELOAD to relay_flags = local, auth answers OK" '^OK ' "$reply"
    relay "wildcard listener, loopback: authenticated client relays (auth rule)" '^250' --src 127.0.0.6 --dst 127.0.0.1 --auth user secret
    relay "wildcard listener, loopback: unauthenticated client: no decision (451)" '^451 4\.3\.0' --src 127.0.0.6 --dst 127.0.0.1
fi

finish
