#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/sendmail/submission.sh - Sendmail's command line and relaymilter.
#
# Sendmail calls milters only from its SMTP server.  `sendmail -bs` (SMTP
# on standard input: no peer address) reaches relaymilter with no client
# address at all, a local submission: local_submission = allow lets it
# relay, policy refuses the relay recipient at RCPT, at once, to the
# program that submits.  `sendmail -t` delivering (here: queueing) by
# itself never reaches the milter.  Sendmail's daemon is not needed: each
# command runs on its own with the private .cf, in a UTS namespace with a
# qualified host name (else Sendmail sleeps 60 s).
#
#   allow.list: 127.0.0.5
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

sm_init
sm_setup || { not_ok "sendmail.cf builds from the .mc with m4"; finish; }
rm_list allow.list 127.0.0.5
rm_list deny.list
rm_list local-ip.list

daemon() {
    rm_config "relay_flags = allow" "log_allowed = yes" "$@"
    if rm_start; then ok "relaymilter starts with $*"; else not_ok "relaymilter starts with $*"; finish; fi
}

# sm_cmd ARGS...: the sendmail command with the private .cf, stdin passed on
sm_cmd() {
    LD_LIBRARY_PATH=$SM_LIBWRAP unshare --uts sh -c \
        "hostname '$SM_HOSTNAME' && exec '$SM_BIN' -C '$SM_DIR/sendmail.cf' -odq $*"
}

# bs RCPT: one SMTP dialogue with `sendmail -bs`, waiting for each reply;
# prints "STEP code text" lines like tests/e2e/smtpc.py
bs() {
    "$PYTHON" - "$1" "$SM_BIN" "$SM_DIR/sendmail.cf" "$SM_HOSTNAME" "$SM_LIBWRAP" <<'PY'
import os, subprocess, sys
rcpt, binary, cf, host, libwrap = sys.argv[1:]
env = dict(os.environ, LD_LIBRARY_PATH=libwrap)
p = subprocess.Popen(["unshare", "--uts", "sh", "-c",
                      "hostname '%s' && exec '%s' -C '%s' -odq -bs" % (host, binary, cf)],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
def reply():
    lines = []
    while True:
        l = p.stdout.readline().decode(errors="replace").rstrip("\r\n")
        lines.append(l)
        if l[3:4] != "-":
            return l[:3], " | ".join(x[4:] for x in lines)
def cmd(step, text):
    p.stdin.write((text + "\r\n").encode()); p.stdin.flush()
    code, t = reply()
    print(step, code, t)
    return code
print("CONNECT", *reply())
cmd("HELO", "HELO localhost")
cmd("MAIL", "MAIL FROM:<root@local.test>")
if cmd("RCPT <%s>" % rcpt, "RCPT TO:<%s>" % rcpt)[0] == "2":
    if cmd("DATA", "DATA")[0] == "3":
        cmd("DATA", "Subject: sendmail -bs\r\n\r\nhello\r\n.")
cmd("QUIT", "QUIT")
p.wait(10)
PY
}

queued() { ls "$SM_DIR/queue" | grep -c '^qf'; }

# ======================================================================
daemon "local_submission = allow"
rm_log_mark
out=$(bs user@remote.example)
expect "allow: sendmail -bs: the milter sees a local submission; the relay recipient is accepted" \
    '^250' "$(rcpt_reply "$out" user@remote.example)" "$out"
qid=$(printf '%s\n' "$out" | sed -n 's/^DATA 250 [0-9.]* \([0-9A-Za-z]*\) Message accepted.*/\1/p')
[ -n "$qid" ] && [ -e "$SM_DIR/queue/qf$qid" ] && ok "allow: sendmail -bs: the message is queued as $qid" ||
    not_ok "allow: sendmail -bs: the message is queued" "$out"
expect "allow: logged as a local submission with Sendmail's queue id" \
    "verdict=allow action=accept queue_id=$qid client=local helo=localhost .*rcpt=<user@remote\\.example> rule=local-submission " \
    "$(rm_log_since)"

rm_log_mark
n0=$(queued)
printf 'From: root@local.test\nTo: user2@remote.example\nSubject: -t\n\nhello\n' | sm_cmd -t >/dev/null 2>&1
expect "sendmail -t (delivering itself) queues the message" "^$((n0 + 1))\$" "$(queued)"
expect "sendmail -t never reaches the milter (nothing logged)" '^$' "$(rm_log_since | grep 'verdict=')"

# ======================================================================
daemon "local_submission = policy"
rm_log_mark
n0=$(queued)
out=$(bs user@remote.example)
expect "policy: sendmail -bs: the relay recipient is refused at RCPT, at once" \
    '^550 5\.7\.1 .*Relay access denied' "$(rcpt_reply "$out" user@remote.example)" "$out"
expect "policy: nothing is queued" "^$n0\$" "$(queued)"
expect "policy: logged as a denial of the local submission" \
    'verdict=deny action=reject queue_id=[0-9A-Za-z]+ client=local .*rule=default-deny ' "$(rm_log_since)"
out=$(bs user@local.test)
expect "policy: sendmail -bs to a local recipient is accepted" '^250' "$(rcpt_reply "$out" user@local.test)" "$out"
finish
