#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/submission.sh - local submission through a real Postfix with
# non_smtpd_milters, and the decision log joined with Postfix's own.
#
# Postfix's cleanup presents every message that did not come by SMTP
# (pickup: the instance's own `sendmail -C DIR -t`) to the milter as
# localhost[127.0.0.1] with port 0.  relaymilter must count it as a local
# submission: with local_submission = allow it is queued for the (deferred)
# remote transport; with local_submission = policy and no rule allowing it,
# it is bounced at once with the reason.  Never left in maildrop.  A real
# SMTP client from 127.0.0.1 saying HELO localhost is still an SMTP client.
#
# Then the log: every decision line of these sessions parses (tests/e2e/
# logparse.py, written from relaymilter(8), not from the code), has every
# key, and its queue_id is the one Postfix logged for the same message.
#
#   allow.list: 127.0.0.5    deny.list: 127.0.0.7    127.0.0.1, .6: on no list
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# The interpreter itself, not a wrapper on PATH: it runs once per check.
[ -n "${PYTHON:-}" ] || PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || true)
. "$(dirname "$0")/lib.sh"

LOGPARSE="$E2E_LIB_DIR/logparse.py"
PF_SENDMAIL=$(PATH=$PATH:/usr/sbin:/sbin command -v sendmail || true)

e2e_init
[ -n "$PF_SENDMAIL" ] || skip_all "no sendmail command (Postfix's)"
pf_setup "non_smtpd_milters = inet:127.0.0.1:$MILTER_PORT"
pf_add_user user secret || note "no SASL user: the AUTH check fails"
pf_start || { not_ok "private Postfix starts"; finish; }
rm_list allow.list 127.0.0.5
rm_list deny.list 127.0.0.7
rm_list local-ip.list
daemon() {
    rm_config "relay_flags = deny, allow, auth" "log_allowed = yes" "$@"
    if rm_start; then ok "relaymilter starts with $*"; else not_ok "relaymilter starts with $*"; finish; fi
}

# submit FROM RCPT...: the instance's own sendmail -t, as a local user would
submit() {
    local from=$1; shift
    { printf 'From: %s\n' "$from"
      local r; for r in "$@"; do printf 'To: %s\n' "$r"; done
      printf 'Subject: local submission\n\nhello\n'; } |
        "$PF_SENDMAIL" -C "$PF_DIR" -f "$from" -t
}

# pf_wait REGEX [SECONDS]: Postfix's log after the mark matches; prints the line
pf_wait() {
    local i l
    for i in $(seq $((${2:-10} * 10))); do
        l=$(pf_log_since | grep -E -m1 -- "$1") && { printf '%s\n' "$l"; return 0; }
        sleep 0.1
    done
    return 1
}

maildrop_count() { find "$PF_DIR/queue/maildrop" -type f | wc -l; }

# decision KEY=VALUE...: the last of the daemon's decision lines that match,
# into D[KEY] (D[_keys]: its keys in order); D is empty when none matched
declare -A D
decision() {
    local k v
    D=()
    while IFS=$'\t' read -r k v; do D[$k]=$v; done < <("$PYTHON" "$LOGPARSE" "$RM_DIR/daemon.log" "$@")
}

# field KEY: one value of that decision ("<none>" when it has no such key)
field() { printf '%s\n' "${D[$1]-<none>}"; }

# ======================================================================
# local_submission = allow: pickup relays
daemon "local_submission = allow"
pf_log_mark
submit root@local.test user@remote.example
line=$(pf_wait 'to=<user@remote\.example>.*status=deferred \(deferred transport\)') &&
    ok "allow: sendmail -t to a remote recipient is queued for the remote transport" ||
    not_ok "allow: sendmail -t to a remote recipient is queued for the remote transport" "$(pf_log_since | tail -n 8)"
qid=${line#*]: }; qid=${qid%%:*}
expect_no_stuck() {
    local i
    for i in $(seq 30); do [ "$(maildrop_count)" -eq 0 ] && break; sleep 0.1; done
    expect "$1: nothing left in maildrop" '^0$' "$(maildrop_count)"
}
expect_no_stuck allow
got=$(pf_log_since | grep -E "can't reject recipient|milter-reject" | head -n 2)
expect "allow: cleanup logs no milter rejection" '^$' "$got"
decision verdict=allow client=local
expect "allow: the relay is logged (log_allowed) as a local submission" \
    '^local-submission$' "$(field rule)"
expect "allow: its queue_id is the message's ($qid)" "^$qid\$" "$(field queue_id)"
expect "allow: the pickup line has the same queue id" "postfix/pickup\\[[0-9]+\\]: $qid: uid=0 from=<root@local.test>" "$(pf_log_since)"
expect "allow: HELO as cleanup sends it" '^localhost$' "$(field helo)"

# A real SMTP client from 127.0.0.1 naming itself localhost: no privilege.
pf_log_mark
out=$(smtp --src 127.0.0.1 --helo localhost --from root@local.test user@remote.example)
expect "HELO localhost from 127.0.0.1 over SMTP: judged by the policy (550)" '^550 5\.7\.1' \
    "$(rcpt_reply "$out" user@remote.example)" "$out"
decision verdict=deny client=127.0.0.1 helo=localhost
expect "... logged as the SMTP client 127.0.0.1, rule default-deny" '^default-deny$' "$(field rule)"
expect "... Postfix logs the milter's rejection" 'milter-reject: RCPT from unknown\[127\.0\.0\.1\]' "$(pf_wait 'milter-reject: RCPT')"

# ======================================================================
# local_submission = policy: bounced at once, with the reason
daemon "local_submission = policy"
pf_log_mark
submit root@local.test user@local.test user2@remote.example
line=$(pf_wait 'to=<user2@remote\.example>.*status=bounced') &&
    ok "policy: sendmail -t to a remote recipient is bounced at once" ||
    not_ok "policy: sendmail -t to a remote recipient is bounced at once" "$(pf_log_since | tail -n 8)"
expect "policy: the bounce says why, naming the recipient" \
    'status=bounced \(Relay access denied \(relay recipient <user2@remote\.example>\)\)' "$line"
qid=${line#*]: }; qid=${qid%%:*}
expect_no_stuck policy
expect "policy: the sender gets the non-delivery notice" "$qid: sender non-delivery notification: " "$(pf_wait "$qid: sender non-delivery")"
got=$(pf_log_since | grep -F "can't reject recipient" | head -n 1)
expect "policy: no \"can't reject recipient\" from cleanup" '^$' "$got"
decision verdict=deny client=local action=reject-message
expect "policy: logged as a message rejection with the queue id" "^$qid\$" "$(field queue_id)"
expect "policy: ... recipient" '^<user2@remote\.example>$' "$(field rcpt)"
# Postfix's sendmail -bs: stand-alone smtpd, no milter there; its message
# goes through maildrop and pickup like sendmail -t.
pf_log_mark
"$PYTHON" - "$PF_SENDMAIL" "$PF_DIR" <<'PY'
import subprocess, sys
p = subprocess.Popen([sys.argv[1], "-C", sys.argv[2], "-bs"], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE)
def reply():
    while True:
        l = p.stdout.readline().decode()
        if l[3:4] != "-":
            return
reply()
for c in ["HELO localhost", "MAIL FROM:<root@local.test>", "RCPT TO:<user3@remote.example>",
          "DATA", "Subject: -bs\r\n\r\nhello\r\n.", "QUIT"]:
    p.stdin.write((c + "\r\n").encode()); p.stdin.flush(); reply()
p.wait(10)
PY
expect "policy: Postfix's sendmail -bs to a remote recipient is bounced at once, too" \
    'to=<user3@remote\.example>.*status=bounced \(Relay access denied' \
    "$(pf_wait 'to=<user3@remote\.example>.*status=')"
expect_no_stuck "policy, sendmail -bs"
pf_log_mark
submit root@local.test user@local.test
expect "policy: a local-only message is still delivered (queued)" 'to=<user@local\.test>.*status=deferred' \
    "$(pf_wait 'to=<user@local\.test>.*status=')"
expect_no_stuck "policy, local only"

# ======================================================================
# the log: every key of real sessions, joined with Postfix's by queue id
pf_log_mark
rm_log_mark
out=$(smtp --src 127.0.0.6 --helo 'client.example' --from '"odd sender"@x.example' --data \
    user@local.test user@remote.example)
expect "log: the relay recipient from 127.0.0.6 is refused" '^550' "$(rcpt_reply "$out" user@remote.example)" "$out"
qid=$(queued_id "$out")
[ -n "$qid" ] && ok "log: the message (local recipient) is queued as $qid" || not_ok "log: the message is queued" "$out"
decision verdict=deny client=127.0.0.6
keys="verdict action queue_id client helo sender sasl_user server rcpt rule list entry relay_reason reason"
expect "log: every key, in order" "^$keys\$" "$(field _keys)"
want=(verdict=deny action=reject "queue_id=$qid" client=127.0.0.6 helo=client.example
      'sender=<"odd sender"@x.example>' sasl_user= server=127.0.0.1 'rcpt=<user@remote.example>'
      rule=default-deny list= entry= relay_reason=remote-domain reason=)
for kv in "${want[@]}"; do
    k=${kv%%=*} v=${kv#*=}
    expect "log: $k" "^$(printf '%s' "$v" | sed 's/[][\\.*^$+?(){}|]/\\&/g')\$" "$(field "$k")"
done
expect "log: Postfix's line for the same queue id is the milter's rejection" \
    "$qid: milter-reject: RCPT from unknown\\[127\\.0\\.0\\.6\\]: 550 5\\.7\\.1 .*to=<user@remote\\.example>" \
    "$(pf_wait "$qid: milter-reject: RCPT")"
out=$(smtp --src 127.0.0.7 --dst 127.0.0.2 user@remote.example)
decision verdict=deny client=127.0.0.7
expect "log: a deny-list decision names list FILE:LINE" "^$RM_DIR/deny\\.list:2\$" "$(field list)"
expect "log: ... the entry" '^127\.0\.0\.7$' "$(field entry)"
expect "log: ... the server address the client reached" '^127\.0\.0\.2$' "$(field server)"
out=$(smtp --src 127.0.0.6 --auth user@local.test secret 'user%remote.example@local.test')
decision verdict=allow client=127.0.0.6
expect "log: an authenticated relay (log_allowed) names the SASL user" '^user@local\.test$' "$(field sasl_user)"
expect "log: ... the rule" '^auth$' "$(field rule)"
expect "log: ... why the recipient counted as relay" '^percent-hack$' "$(field relay_reason)"
if "$PYTHON" "$LOGPARSE" "$RM_DIR/daemon.log" >/dev/null; then
    ok "log: every decision line of these sessions parses"
else
    not_ok "log: every decision line parses" "$("$PYTHON" "$LOGPARSE" "$RM_DIR/daemon.log" 2>&1 >/dev/null | head -n 3)"
fi
got=$(LC_ALL=C grep -c -P '[^\x20-\x7e]' "$RM_DIR/daemon.log")
expect "log: no byte outside printable ASCII" '^0$' "$got"
finish
