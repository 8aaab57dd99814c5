#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/reload.sh - relaymilter's life cycle under a running Postfix:
# reload by SIGHUP and by the control socket (Postfix is never restarted),
# STATUS and CHECK, a bad or missing list on reload (the old policy stays in
# force, the error names file and line), relay_flags changed by reload, a
# clean stop, report mode, the milter going down before or in the middle of a
# transaction (nothing relays; it comes back without touching Postfix), and a
# unix milter socket with privileges dropped to the postfix user.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

e2e_init
pf_setup
pf_start || { not_ok "private Postfix starts"; finish; }
rm_have || note "relaymilter is not built ($RELAYMILTER): its checks fail below"

DENIED='^550 5\.7\.1 .*Relay access denied'

# relay_code SRC: the reply code to a relay recipient from SRC
relay_code() { rcpt_code "$(smtp --src "$1" user@remote.example)" user@remote.example; }

# allow_list LINE...: rewrite allow.list exactly (line 1 is the first LINE)
allow_list() { printf '%s\n' "$@" > "$RM_DIR/allow.list"; }

allow_list 127.0.0.5
rm_list deny.list
rm_list local-ip.list
rm_config "relay_flags = allow"
if rm_start; then ok "relaymilter starts"; else not_ok "relaymilter starts"; fi
master0=$(pf_master_pid)
daemon0=$RM_PID

relay "before reload: 127.0.0.5 relays" '^250' --src 127.0.0.5
relay "before reload: 127.0.0.6 may not relay" "$DENIED" --src 127.0.0.6

# ---- SIGHUP
allow_list 127.0.0.5 127.0.0.6
rm_log_mark
kill -HUP "$RM_PID" 2>/dev/null
code=
for i in $(seq 50); do
    code=$(relay_code 127.0.0.6)
    [ "$code" = 250 ] && break
    sleep 0.1
done
expect "SIGHUP reload: 127.0.0.6 added to allow.list now relays" '^250$' "$code"
relay "SIGHUP reload: 127.0.0.5 still relays" '^250' --src 127.0.0.5

# ---- control socket
allow_list 127.0.0.5 127.0.0.6 127.0.0.8
reply=$(ctl RELOAD)
expect "control socket RELOAD answers OK" '^OK ' "$reply"
relay "control reload: 127.0.0.8 added to allow.list relays at once" '^250' --src 127.0.0.8
reply=$(ctl STATUS)
expect "control socket STATUS answers OK" '^OK ' "$reply"
reply=$(ctl CHECK 127.0.0.8)
expect "control socket CHECK 127.0.0.8 says allow" '^OK .*allow' "$reply"
reply=$(ctl CHECK 127.0.0.9)
expect "control socket CHECK 127.0.0.9 says deny" '^OK .*deny' "$reply"
reply=$(ctl BOGUS)
expect "control socket rejects an unknown command with ERR" '^ERR ' "$reply"

allow_list 127.0.0.5 127.0.0.8
reply=$(ctl RELOAD)
expect "control reload that removes 127.0.0.6 answers OK" '^OK ' "$reply"
relay "control reload: 127.0.0.6 removed from allow.list may no longer relay" "$DENIED" --src 127.0.0.6

# ---- a bad list: nothing of it is loaded, the old lists stay in force
gen_ok=$(ctl STATUS | sed -n 's/^generation: //p')
allow_list '# allow.list with an error on line 4' 127.0.0.5 127.0.0.6 'not-an-address' 127.0.0.9
reply=$(ctl RELOAD)
expect "bad list: RELOAD answers ERR and keeps the previous lists" \
    '^ERR reload failed; previous lists remain in force' "$reply"
expect "bad list: the error names allow.list line 4" 'allow\.list:4:[0-9]+: error: ' "$reply"
relay "bad list: old policy in force, 127.0.0.8 still relays" '^250' --src 127.0.0.8
relay "bad list: no entry of the bad file loaded, 127.0.0.6 may not relay" "$DENIED" --src 127.0.0.6
relay "bad list: no entry of the bad file loaded, 127.0.0.9 may not relay" "$DENIED" --src 127.0.0.9
st=$(ctl STATUS)
expect "bad list: STATUS reports the failed reload" $'(^|\n)last_reload: failed' "$st"
expect "bad list: STATUS still shows the previous generation ${gen_ok:-?}" $'(^|\n)generation: '"${gen_ok:-none}"$'(\n|$)' "$st"

rm_log_mark
kill -HUP "$RM_PID" 2>/dev/null
sleep 1
if rm_running; then ok "bad list by SIGHUP: relaymilter keeps running"; else not_ok "bad list by SIGHUP: relaymilter keeps running"; fi
expect "bad list by SIGHUP: the log names allow.list line 4" 'allow\.list:4:[0-9]+: error' "$(rm_log_since)"
relay "bad list by SIGHUP: old policy in force, 127.0.0.8 still relays" '^250' --src 127.0.0.8
relay "bad list by SIGHUP: 127.0.0.6 may not relay" "$DENIED" --src 127.0.0.6

mv "$RM_DIR/allow.list" "$RM_DIR/allow.list.gone"
reply=$(ctl RELOAD)
expect "missing list: RELOAD answers ERR and names the file" '^ERR .*allow\.list' "$reply"
relay "missing list: old policy in force, 127.0.0.8 still relays" '^250' --src 127.0.0.8

allow_list 127.0.0.5 127.0.0.6
reply=$(ctl RELOAD)
expect "fixed list: RELOAD answers OK" '^OK ' "$reply"
relay "fixed list: 127.0.0.6 relays" '^250' --src 127.0.0.6
relay "fixed list: 127.0.0.8 (no longer listed) may not relay" "$DENIED" --src 127.0.0.8

expect "Postfix was never restarted (same master pid)" "^${master0:-none}\$" "$(pf_master_pid)"
if [ -n "$daemon0" ] && [ "$daemon0" = "$RM_PID" ] && rm_running; then
    ok "relaymilter was never restarted (same pid, still running)"
else
    not_ok "relaymilter was never restarted (same pid, still running)"
fi

# ---- relaymilter.conf itself is reloaded too: relay_flags
rm_config "relay_flags = deny"
reply=$(ctl RELOAD)
expect "RELOAD after relay_flags = deny in relaymilter.conf answers OK" '^OK ' "$reply"
relay "after that reload: unlisted 127.0.0.9 relays (deny-only)" '^250' --src 127.0.0.9
rm_config "relay_flags = allow"
reply=$(ctl RELOAD)
relay "after reloading relay_flags = allow: 127.0.0.9 may not relay" "$DENIED" --src 127.0.0.9

# ---- a clean stop
rm_log_mark
if rm_stop; then
    ok "relaymilter stops on SIGTERM (in ${RM_STOP_SECONDS}s)"
else
    not_ok "relaymilter stops on SIGTERM within 10 s" "it had to be killed"
fi
expect "the stop is logged" 'stopped' "$(rm_log_since)"

# ---- report mode: nothing is rejected, the would-be rejection is logged
rm_config "relay_flags = allow" "mode = report"
if rm_start; then ok "relaymilter starts in report mode"; else not_ok "relaymilter starts in report mode"; fi
rm_log_mark
relay "report mode: unlisted 127.0.0.9 gets 250" '^250' --src 127.0.0.9
sleep 0.3
logged=$(rm_log_since | grep -Ei 'would[ _-]?(deny|reject)' | head -n 3)
expect "report mode: the log says it would deny" '[Ww]ould[ _-]?([Dd]eny|[Rr]eject)' "$logged" "log: $(rm_log_since | tail -n 5)"
expect "report mode: the would-deny line names the client 127.0.0.9" '127\.0\.0\.9' "$logged"
relay "report mode: listed 127.0.0.5 gets 250" '^250' --src 127.0.0.5

# ---- the milter goes down: Postfix's milter_default_action = tempfail
rm_config "relay_flags = allow"
if rm_start; then ok "relaymilter restarts in enforce mode"; else not_ok "relaymilter restarts in enforce mode"; fi
relay "milter up: 127.0.0.5 relays" '^250' --src 127.0.0.5
kill -9 "$RM_PID" 2>/dev/null; wait "$RM_PID" 2>/dev/null; RM_PID=
for src in 127.0.0.5 127.0.0.6; do
    out=$(smtp --src $src user@remote.example)
    step=$(printf '%s\n' "$out" | awk '$2 !~ /^[23]/ {print $1; exit}')
    r=$(rcpt_reply "$out" user@remote.example)
    expect "milter down: $src does not relay (4xx${step:+ at $step})" '^4[0-9][0-9] ' "$r" "$out"
done
out=$(smtp --src 127.0.0.5 --data user@remote.example)
if printf '%s\n' "$out" | grep -q '^DATA 250'; then
    not_ok "milter down: no message is queued" "$out"
else
    ok "milter down: no message is queued"
fi
if rm_start; then ok "relaymilter comes back"; else not_ok "relaymilter comes back"; fi
relay "milter back: 127.0.0.5 relays" '^250' --src 127.0.0.5

# Killed in the middle of a transaction: after MAIL, before RCPT.
rm -f "$E2E_TMP/go"
"$PYTHON" "$SMTPC" --port "$SMTP_PORT" --src 127.0.0.5 --wait-file "$E2E_TMP/go" user@remote.example > "$E2E_TMP/mid.out" 2>&1 &
mid=$!
for i in $(seq 100); do grep -q '^MAIL ' "$E2E_TMP/mid.out" 2>/dev/null && break; sleep 0.05; done
kill -9 "$RM_PID" 2>/dev/null; wait "$RM_PID" 2>/dev/null; RM_PID=
touch "$E2E_TMP/go"
wait "$mid"
out=$(cat "$E2E_TMP/mid.out")
expect "milter killed after MAIL: the MAIL had been accepted" '^250' "$(printf '%s\n' "$out" | awk '$1=="MAIL"{$1="";print substr($0,2)}')"
expect "milter killed after MAIL: the relay recipient gets 4xx" '^4[0-9][0-9] ' "$(rcpt_reply "$out" user@remote.example)" "$out"
if rm_start; then ok "relaymilter comes back again"; else not_ok "relaymilter comes back again"; fi
relay "milter back: 127.0.0.5 relays again without touching Postfix" '^250' --src 127.0.0.5
relay "milter back: 127.0.0.9 may not relay" "$DENIED" --src 127.0.0.9
expect "Postfix still the same instance (same master pid)" "^${master0:-none}\$" "$(pf_master_pid)"

# ---- a unix milter socket, privileges dropped to the postfix user: the
# socket must be one smtpd (running as postfix) can connect to, and reload
# must still read the lists.
allow_list 127.0.0.5
RM_MILTER_SOCKET=unix:$RM_DIR/milter.sock
rm_config "relay_flags = allow" "user = postfix"
if rm_start; then ok "relaymilter starts on a unix socket with user = postfix"
else not_ok "relaymilter starts on a unix socket with user = postfix"; fi
pf_set "smtpd_milters = unix:$RM_DIR/milter.sock"
relay "unix socket: 127.0.0.5 relays" '^250' --src 127.0.0.5
relay "unix socket: 127.0.0.9 may not relay" "$DENIED" --src 127.0.0.9
allow_list 127.0.0.5 127.0.0.9
reply=$(ctl RELOAD)
expect "unix socket, user = postfix: RELOAD answers OK" '^OK ' "$reply"
relay "unix socket, user = postfix: 127.0.0.9 relays after the reload" '^250' --src 127.0.0.9

finish
