# SPDX-License-Identifier: BSD-2-Clause
# tests/mta/scenarios.sh - the driver of tests/mta/scenarios, the relay
# scenarios that the Postfix milter, Postfix policy-service and Sendmail
# suites all run.  Sourced after tests/e2e/lib.sh (smtp, rcpt_reply, expect).
#
# A suite starts relaymilter with the row's relay_flags itself (its daemon
# function) and then runs that part of the table:
#
#   daemon "deny, allow"; mta_scenarios "deny, allow"
#
# and says how its MTA shows each outcome:
#   MTA_DENIED           regex of the relay refusal (outcome deny)
#   MTA_AUTH_USER, MTA_AUTH_PASS
#                        the SMTP AUTH test user; empty: the MTA has no SMTP
#                        AUTH here, and rows that authenticate are left out
#   mta_trick NAME RCPT SMTPC-OPTION...
#                        check a refused routing trick (outcome trick)
# mta_scenarios_done, at the end, fails the suite if a part of the table
# was never run, so that no row is silently dropped.

: "${MTA_TABLE:=$top_srcdir/tests/mta/scenarios}"     # another table, to try the suites
MTA_RUN=" "

# mta_row FLAGS CLIENT SERVER AUTH RCPT OUTCOME NAME: one scenario
mta_row() {
    local client=$2 server=$3 auth=$4 rcpt=$5 outcome=$6 name=$7 out
    local -a opts=(--src "$client" --dst "$server")

    case $auth in
        -) ;;
        plain|login)
            if [ -z "${MTA_AUTH_USER:-}" ]; then
                note "left out (no SMTP AUTH): $name"
                return 0
            fi
            [ "$auth" = login ] && opts+=(--auth-mech LOGIN)
            opts+=(--auth "$MTA_AUTH_USER" "$MTA_AUTH_PASS") ;;
        *) not_ok "$name" "tests/mta/scenarios: bad auth column: $auth"; return 0 ;;
    esac
    case $outcome in
        relay|local)
            out=$(smtp "${opts[@]}" "$rcpt")
            expect "$name" '^250' "$(rcpt_reply "$out" "$rcpt")" ;;
        deny)
            out=$(smtp "${opts[@]}" "$rcpt")
            expect "$name" "$MTA_DENIED" "$(rcpt_reply "$out" "$rcpt")" ;;
        trick)
            mta_trick "$name" "$rcpt" "${opts[@]}" ;;
        *)
            not_ok "$name" "tests/mta/scenarios: bad outcome column: $outcome" ;;
    esac
}

# mta_scenarios FLAGS: every row for relay_flags = FLAGS, in table order
mta_scenarios() {
    local want=${1// /} flags client server auth rcpt outcome name n=0

    MTA_RUN+="$want "
    while read -r -u 3 flags client server auth rcpt outcome name; do
        case $flags in ''|'#'*) continue ;; esac
        [ "$flags" = "$want" ] || continue
        n=$((n + 1))
        if [[ $client == *:* ]] && [ "${E2E_IPV6:-0}" != 1 ]; then
            continue
        fi
        mta_row "$flags" "$client" "$server" "$auth" "$rcpt" "$outcome" "$name" < /dev/null
    done 3< "$MTA_TABLE"
    [ "$n" -gt 0 ] || not_ok "tests/mta/scenarios has rows for relay_flags = $1"
}

# mta_scenarios_done: every part of the table was run
mta_scenarios_done() {
    local f missing=
    for f in $(awk '$1 !~ /^#/ && NF { print $1 }' "$MTA_TABLE" | sort -u); do
        [[ $MTA_RUN == *" $f "* ]] || missing+=" $f"
    done
    [ -z "$missing" ] || not_ok "every part of tests/mta/scenarios is run" "never run: relay_flags =$missing"
}
