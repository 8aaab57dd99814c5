# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/lib.sh - harness for the end-to-end tests against a real Postfix.
#
# Sourced by tests/e2e/*.sh.  Builds a private Postfix instance in a temporary
# directory (the facts about Postfix it relies on are said where they are
# used), runs relaymilter against it, and talks SMTP to it from chosen
# 127.0.0.x source addresses.  Everything it starts is stopped by an EXIT trap.
#
# Environment (set by `make check`, or guessed for a manual run):
#   top_srcdir, top_builddir   source and build trees
#   RELAYMILTER                the daemon (default $top_builddir/milter/relaymilter)
#   POSTFIX                    the postfix command (default: found on PATH)
#   E2E_KEEP=1                 keep the temporary directory for inspection
#   E2E_VERBOSE=1              show every SMTP dialogue
#
#   E2E_TIME=1                 show the seconds each check took
#
# Reporting: ok NAME / not_ok NAME [DETAIL...] / expect NAME REGEX GOT print
# "ok - NAME" or "not ok - NAME"; finish prints "N passed, N failed" and
# exits 1 if anything failed.  Without root or postfix a script skips (77).
#
# Postfix facts this harness depends on (Postfix 3.7):
# - smtpd_delay_reject = yes: a milter that cannot be reached at CONNECT
#   (milter_default_action = tempfail) shows as 451 4.7.1 at MAIL (and 454
#   4.3.0 at AUTH), not at the banner.
# - With mynetworks = 0.0.0.0/0 Postfix accepts every routing form (%, !,
#   source routes, quoted @, address literals), so rejections in these tests
#   are the milter's; Postfix logs them as "milter-reject: RCPT".
# - default_transport = error:... is checked by smtpd at RCPT (550 5.1.1
#   "Recipient address rejected"), before the milter: use defer_transports
#   or the discard transport to keep mail in.

set -u

E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)
: "${top_srcdir:=$(cd "$E2E_LIB_DIR/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${RELAYMILTER:=$top_builddir/milter/relaymilter}"
: "${POSTFIX:=}"
[ -n "$POSTFIX" ] || POSTFIX=$(PATH=$PATH:/usr/sbin:/sbin command -v postfix || true)
: "${PYTHON:=$(command -v python3 || true)}"
SMTPC="$E2E_LIB_DIR/smtpc.py"
CTLC="$E2E_LIB_DIR/ctl.py"

E2E_PASS=0
E2E_FAIL=0
E2E_TMP=
PF_DIR=
RM_DIR=
RM_PID=
SMTP_PORT=
MILTER_PORT=
LOCAL_DOMAIN=local.test

# ---------------------------------------------------------------- reporting

note() { printf '# %s\n' "$*"; }

# E2E_TIME=1 appends the seconds since the previous check to each result.
E2E_ELAPSED=
e2e_elapsed() {
    E2E_ELAPSED=
    [ "${E2E_TIME:-0}" = 1 ] || return 0
    local now=${EPOCHREALTIME/,/.}
    E2E_ELAPSED=$(awk -v a="${E2E_T0:-$now}" -v b="$now" 'BEGIN { printf " (%.2fs)", b - a }')
    E2E_T0=$now
}

ok() { E2E_PASS=$((E2E_PASS + 1)); e2e_elapsed; printf 'ok - %s%s\n' "$1" "$E2E_ELAPSED"; }

not_ok() {
    E2E_FAIL=$((E2E_FAIL + 1))
    e2e_elapsed
    printf 'not ok - %s%s\n' "$1" "$E2E_ELAPSED"
    shift
    local l
    for l in "$@"; do printf '#   %s\n' "$l"; done
}

# expect NAME WANT GOT [DETAIL]: WANT is a regex matched against GOT
expect() {
    if [[ $3 =~ $2 ]]; then
        ok "$1"
    else
        not_ok "$1" "expected: /$2/" "got:      $3" ${4:+"$4"}
    fi
}

finish() {
    printf '%d passed, %d failed\n' "$E2E_PASS" "$E2E_FAIL"
    [ "$E2E_FAIL" -eq 0 ] && exit 0
    exit 1
}

skip_all() {
    printf '# SKIP: %s\n' "$*"
    printf '0 passed, 0 failed\n'
    exit 77
}

# ---------------------------------------------------------------- setup

e2e_require() {
    [ "$(id -u)" -eq 0 ] || skip_all "end-to-end tests need root (they run a private Postfix)"
    [ -n "$POSTFIX" ] && [ -x "$POSTFIX" ] || skip_all "postfix not installed"
    [ -n "$PYTHON" ] || skip_all "python3 not found"
    local ip
    for ip in 127.0.0.2 127.0.0.5; do
        "$PYTHON" -c "import socket,sys; s=socket.socket(); s.bind(('$ip',0))" 2>/dev/null ||
            skip_all "cannot bind $ip (no 127.0.0.0/8 on loopback)"
    done
}

e2e_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    rm_stop 2>/dev/null
    pf_stop 2>/dev/null
    if [ -n "$E2E_TMP" ] && [ -d "$E2E_TMP" ]; then
        if [ "${E2E_KEEP:-0}" = 1 ] || { [ "$E2E_FAIL" -gt 0 ] && [ "${E2E_KEEP_ON_FAIL:-0}" = 1 ]; }; then
            note "kept $E2E_TMP"
        else
            rm -rf "$E2E_TMP"
        fi
    fi
    exit $rc
}

# e2e_init: temp dir, ports, trap.  Call once, first.
e2e_init() {
    e2e_require
    E2E_TMP=$(mktemp -d /tmp/rm-e2e.XXXXXX)
    # Postfix's daemons run as the postfix user and must reach the queue.
    chmod 755 "$E2E_TMP"
    trap e2e_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    PF_DIR=$E2E_TMP/postfix
    RM_DIR=$E2E_TMP/relaymilter
    mkdir -p "$PF_DIR" "$RM_DIR"
    read -r SMTP_PORT MILTER_PORT < <(free_ports)
    # Cyrus SASL for SMTP AUTH: saslpasswd2 (sasl2-bin) and the PLAIN/LOGIN
    # plugins (libsasl2-modules).  Without them AUTH is off and its checks fail.
    E2E_SASL=0
    if PATH=$PATH:/usr/sbin command -v saslpasswd2 >/dev/null 2>&1 &&
        compgen -G '/usr/lib/*/sasl2/libplain.so*' >/dev/null; then
        E2E_SASL=1
    else
        note "Cyrus SASL missing (install sasl2-bin libsasl2-modules): SMTP AUTH is off"
    fi
    # IPv6 on loopback: then Postfix also listens on [::1]:$SMTP_PORT.
    E2E_IPV6=0
    "$PYTHON" -c "import socket; s=socket.socket(socket.AF_INET6); s.bind(('::1',$SMTP_PORT))" 2>/dev/null && E2E_IPV6=1
    note "tmp $E2E_TMP smtp port $SMTP_PORT milter port $MILTER_PORT"
}

# free_ports: two TCP ports free on 127.0.0.1 and 127.0.0.2
free_ports() {
    "$PYTHON" - <<'PY'
import socket
ports = []
while len(ports) < 2:
    s = socket.socket(); s.bind(('127.0.0.1', 0)); p = s.getsockname()[1]
    try:
        t = socket.socket(); t.bind(('127.0.0.2', p)); t.close()
    except OSError:
        s.close(); continue
    s.close()
    if p not in ports:
        ports.append(p)
print(*ports)
PY
}

# wait_port HOST PORT [TENTHS]: until something accepts connections
wait_port() {
    "$PYTHON" - "$1" "$2" "${3:-100}" <<'PY'
import socket, sys, time
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for _ in range(n):
    try:
        socket.create_connection((host, port), 0.5).close(); sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
}

# ---------------------------------------------------------------- Postfix

# pf_setup [NAME=VALUE...]: write a private instance in $PF_DIR; the
# arguments override main.cf settings (postconf -e).
pf_setup() {
    local d=$PF_DIR
    # postfix(1) insists on the default main.cf existing, even with -c.
    [ -e /etc/postfix/main.cf ] || : > /etc/postfix/main.cf
    mkdir -p "$d/queue" "$d/data" "$d/sasl"
    cat > "$d/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
maillog_file = $d/maillog
maillog_file_prefixes = $d
myhostname = mx.$LOCAL_DOMAIN
mydomain = $LOCAL_DOMAIN
myorigin = $LOCAL_DOMAIN
mydestination = $LOCAL_DOMAIN
inet_interfaces = loopback-only
inet_protocols = ipv4
# Postfix's relay check is opened; the milter alone decides.
mynetworks = 0.0.0.0/0 [::]/0
# No reverse lookups of 127.0.0.x clients: they stall sessions for seconds.
smtpd_peername_lookup = no
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions =
# No address verification, no local user lookups: every local.test user exists.
local_recipient_maps =
# Nothing ever leaves: accepted mail waits in the private queue.
defer_transports = smtp local relay virtual lmtp error
relayhost =
smtpd_banner = \$myhostname ESMTP relaymilter-e2e
smtpd_milters = inet:127.0.0.1:$MILTER_PORT
milter_default_action = tempfail
milter_protocol = 6
milter_connect_timeout = 5s
smtpd_client_connection_rate_limit = 0
smtpd_client_connection_count_limit = 0
smtpd_client_message_rate_limit = 0
smtpd_client_recipient_rate_limit = 0
anvil_rate_time_unit = 60s
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_junk_command_limit = 1000
smtpd_delay_reject = yes
biff = no
# SMTP AUTH: Cyrus SASL from a private sasldb, plaintext over loopback.
smtpd_tls_security_level = none
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $d/sasl
smtpd_sasl_security_options = noanonymous
smtpd_tls_auth_only = no
broken_sasl_auth_clients = no
smtpd_sasl_local_domain =
CF
    [ "$E2E_IPV6" = 1 ] && postconf -c "$d" -e "inet_protocols = ipv4, ipv6"
    [ "$E2E_SASL" = 1 ] || postconf -c "$d" -e "smtpd_sasl_auth_enable = no"
    [ $# -eq 0 ] || postconf -c "$d" -e "$@" || return 1
    # Every service unchained; the two SMTP listeners of the tests.
    cat > "$d/master.cf" <<MF
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
127.0.0.2:$SMTP_PORT inet n - n - - smtpd
$([ "$E2E_IPV6" = 1 ] && echo "[::1]:$SMTP_PORT inet n - n - - smtpd")
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
MF
    # Cyrus SASL: Postfix's smtpd reads $cyrus_sasl_config_path/smtpd.conf.
    cat > "$d/sasl/smtpd.conf" <<SC
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $d/sasl/sasldb2
mech_list: PLAIN LOGIN
SC
    chmod 755 "$d/sasl"
}

# pf_add_user USER PASSWORD: a SASL user USER@local.test in the sasldb
pf_add_user() {
    [ "$E2E_SASL" = 1 ] || return 1
    printf '%s' "$2" | PATH=$PATH:/usr/sbin saslpasswd2 -c -p -f "$PF_DIR/sasl/sasldb2" -u "$LOCAL_DOMAIN" "$1" || return 1
    # smtpd runs as postfix and opens the database itself.
    chown postfix "$PF_DIR/sasl/sasldb2" && chmod 600 "$PF_DIR/sasl/sasldb2"
}

# pf_cmd ARGS: postfix(1) for this instance.  Without syslog it prints little
# on failure: read $PF_DIR/maillog (pf_log_tail).
pf_cmd() {
    "$POSTFIX" -c "$PF_DIR" "$@"
}

pf_start() {
    pf_cmd set-permissions >/dev/null 2>&1 || {
        note "postfix set-permissions failed"; pf_log_tail; return 1; }
    pf_cmd start >"$E2E_TMP/pf-start.out" 2>&1 || {
        note "postfix start failed:"; sed 's/^/#   /' "$E2E_TMP/pf-start.out"; pf_log_tail; return 1; }
    # Every inet listener of master.cf must accept connections.
    local l
    for l in $(awk '$2 == "inet" && $1 ~ /:/ {print $1}' "$PF_DIR/master.cf"); do
        local h=${l%:*}; h=${h#[}; h=${h%]}
        wait_port "$h" "${l##*:}" 100 || {
            note "postfix is not listening on $l"; pf_log_tail; return 1; }
    done
}

pf_master_pid() {
    local f=$PF_DIR/queue/pid/master.pid
    [ -r "$f" ] && tr -d ' \n' < "$f"
}

pf_stop() {
    [ -n "$PF_DIR" ] && [ -f "$PF_DIR/main.cf" ] || return 0
    local pid; pid=$(pf_master_pid)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    pf_cmd stop >/dev/null 2>&1 || pf_cmd abort >/dev/null 2>&1
    local i
    for i in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null
}

# pf_set NAME=VALUE...: change main.cf and reload Postfix (it stays up)
pf_set() {
    postconf -c "$PF_DIR" -e "$@" || return 1
    pf_cmd reload >/dev/null 2>&1
    # smtpd processes finish their current session and exit; new ones read
    # the new main.cf.  Give master a moment.
    sleep 1
}

pf_log_tail() {
    [ -f "$PF_DIR/maillog" ] && tail -n "${1:-20}" "$PF_DIR/maillog" | sed 's/^/#   /'
}

# ---------------------------------------------------------------- SMTP client

# smtp [OPTIONS] RCPT...: one SMTP session.  Prints one line per step:
#   CONNECT code text / EHLO ... / AUTH ... / MAIL code text / RCPT <addr> code text
# Options: --src IP (source address, default 127.0.0.1), --dst IP (default
# 127.0.0.1), --auth USER PASS, --from ADDR, --data (send a message).
smtp() {
    local out
    out=$("$PYTHON" "$SMTPC" --port "$SMTP_PORT" "$@" 2>&1)
    [ "${E2E_VERBOSE:-0}" = 1 ] && printf '%s\n' "$out" | sed 's/^/#   | /' >&2
    printf '%s\n' "$out"
}

# rcpt_code OUTPUT ADDR: the reply code to RCPT TO:<ADDR> (or the code of the
# step that failed before RCPT)
rcpt_code() {
    local line
    line=$(printf '%s\n' "$1" | grep -F -m1 "RCPT <$2> ") && { printf '%s\n' "$line" | awk '{print $3}'; return; }
    printf '%s\n' "$1" | awk '$1 != "RCPT" && $2 !~ /^[23]/ {print $2; exit}'
}

# rcpt_reply OUTPUT ADDR: the whole reply line (code and text)
rcpt_reply() {
    local line
    line=$(printf '%s\n' "$1" | grep -F -m1 "RCPT <$2> ") && { printf '%s\n' "${line#RCPT <"$2"> }"; return; }
    printf '%s\n' "$1" | awk '$1 != "RCPT" && $2 !~ /^[23]/ {$1=""; sub(/^ /,""); print; exit}'
}

# relay NAME WANT [smtpc options]: one session, one relay recipient
relay() {
    local name=$1 want=$2 out; shift 2
    out=$(smtp "$@" user@remote.example)
    expect "$name" "$want" "$(rcpt_reply "$out" user@remote.example)"
}

# ---------------------------------------------------------------- relaymilter

# rm_config LINE...: write $RM_DIR/relaymilter.conf (sockets filled in;
# RM_MILTER_SOCKET overrides the milter socket, e.g. unix:$RM_DIR/milter.sock,
# or empty for no milter; RM_POLICY_SOCKET adds a policy_socket;
# RM_LOCAL_DOMAINS the local domains, default local.test)
rm_config() {
    {
        echo "# written by tests/e2e/lib.sh"
        echo "milter_socket = ${RM_MILTER_SOCKET-inet:$MILTER_PORT@127.0.0.1}"
        [ -z "${RM_POLICY_SOCKET:-}" ] || echo "policy_socket = $RM_POLICY_SOCKET"
        echo "control_socket = $RM_DIR/control.sock"
        echo "local_domains = ${RM_LOCAL_DOMAINS:-$LOCAL_DOMAIN}"
        # the tests issue and count every reload themselves
        echo "watch_files = no"
        local l
        for l in "$@"; do printf '%s\n' "$l"; done
    } > "$RM_DIR/relaymilter.conf"
}

# rm_list NAME ENTRY...: write $RM_DIR/NAME (allow.list, deny.list, local-ip.list)
rm_list() {
    local f=$RM_DIR/$1; shift
    { echo "# $f"; local e; for e in "$@"; do printf '%s\n' "$e"; done; } > "$f"
}

rm_have() { [ -x "$RELAYMILTER" ]; }
rm_running() { [ -n "$RM_PID" ] && kill -0 "$RM_PID" 2>/dev/null; }

# rm_start: run the daemon in the foreground (background job), wait until it
# listens.  Its stderr goes to $RM_DIR/daemon.log.
rm_start() {
    rm_have || { note "relaymilter not built: $RELAYMILTER"; return 1; }
    rm_stop
    "$RELAYMILTER" -f -c "$RM_DIR/relaymilter.conf" >>"$RM_DIR/daemon.log" 2>&1 &
    RM_PID=$!
    local i
    for i in $(seq 100); do
        if ! kill -0 "$RM_PID" 2>/dev/null; then
            note "relaymilter exited at startup:"; tail -n 20 "$RM_DIR/daemon.log" | sed 's/^/#   /'
            RM_PID=; return 1
        fi
        if rm_listening && [ -S "$RM_DIR/control.sock" ]; then
            return 0
        fi
        sleep 0.1
    done
    note "relaymilter does not listen on ${RM_MILTER_SOCKET:-port $MILTER_PORT}"; tail -n 20 "$RM_DIR/daemon.log" | sed 's/^/#   /'
    return 1
}

# rm_listening: does the milter socket (or, without one, the policy socket) accept connections?
rm_listening() {
    case ${RM_MILTER_SOCKET-inet:} in
        '') case $RM_POLICY_SOCKET in
                unix:*) [ -S "${RM_POLICY_SOCKET#unix:}" ] ;;
                *) local p=${RM_POLICY_SOCKET#inet:}; wait_port "${p#*@}" "${p%@*}" 1 ;;
            esac ;;
        unix:*|local:*) [ -S "${RM_MILTER_SOCKET#*:}" ] ;;
        *) wait_port 127.0.0.1 "$MILTER_PORT" 1 ;;
    esac
}

# rm_stop: SIGTERM, wait up to 10 s, then SIGKILL.  Returns 1 if SIGKILL was
# needed; RM_STOP_SECONDS says how long the stop took.
rm_stop() {
    RM_STOP_SECONDS=
    [ -n "$RM_PID" ] || return 0
    local t0=${EPOCHREALTIME/,/.} i rc=0
    kill "$RM_PID" 2>/dev/null
    for i in $(seq 200); do
        kill -0 "$RM_PID" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$RM_PID" 2>/dev/null; then
        kill -9 "$RM_PID" 2>/dev/null
        rc=1
    fi
    wait "$RM_PID" 2>/dev/null
    RM_STOP_SECONDS=$(awk -v a="$t0" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.1f", b - a }')
    RM_PID=
    rm -f "$RM_DIR/control.sock"
    return $rc
}

# ctl COMMAND...: one control-socket command; prints the reply
ctl() { "$PYTHON" "$CTLC" "$RM_DIR/control.sock" "$*"; }

# rm_log_mark / rm_log_since: the daemon's log after a mark
rm_log_mark() { RM_LOG_MARK=$(wc -c < "$RM_DIR/daemon.log" 2>/dev/null || echo 0); }
rm_log_since() { tail -c +"$((${RM_LOG_MARK:-0} + 1))" "$RM_DIR/daemon.log" 2>/dev/null; }

# ---------------------------------------------------------------- Postfix log

pf_log_mark() { PF_LOG_MARK=$(wc -c < "$PF_DIR/maillog" 2>/dev/null || echo 0); }
pf_log_since() { tail -c +"$((${PF_LOG_MARK:-0} + 1))" "$PF_DIR/maillog" 2>/dev/null; }

# pf_rejected_by: after pf_log_mark and one session with one rejected RCPT,
# say which component rejected it, from Postfix's log: "milter" (logged as
# milter-reject), "postfix" (its own restrictions) or "unknown".  postlogd
# writes asynchronously, so wait a little for the line.
pf_rejected_by() {
    local i l
    for i in $(seq 30); do
        l=$(pf_log_since | grep -E '(milter-reject|reject): RCPT from' | head -n 1)
        if [ -n "$l" ]; then
            case $l in *milter-reject:*) echo milter ;; *) echo postfix ;; esac
            return
        fi
        sleep 0.1
    done
    echo unknown
}

# queued_id OUTPUT: the queue id from "DATA 250 2.0.0 Ok: queued as ID"
queued_id() { printf '%s\n' "$1" | sed -n 's/^DATA 250 .*queued as \([0-9A-Za-z]*\).*/\1/p'; }

# queued_rcpts ID: the envelope recipients of a queued message, one a line
queued_rcpts() {
    postcat -c "$PF_DIR" -q "$1" 2>/dev/null | sed -n 's/^recipient: //p'
}

# mixed_message WHAT DENIED SRC: one transaction from SRC with a local, a
# relay and a second local recipient: the relay one refused (DENIED), the
# local ones accepted and queued, each decided on its own
mixed_message() {
    local what=$1 denied=$2 src=$3 out qid got
    out=$(smtp --src "$src" --data user@local.test user@remote.example other@local.test)
    expect "$what: local recipient 250" '^250' "$(rcpt_reply "$out" user@local.test)"
    expect "$what: relay recipient refused in the same transaction" "$denied" "$(rcpt_reply "$out" user@remote.example)"
    expect "$what: second local recipient still 250" '^250' "$(rcpt_reply "$out" other@local.test)"
    qid=$(queued_id "$out")
    if [ -n "$qid" ]; then
        got=$(queued_rcpts "$qid" | sort | tr '\n' ' ')
        expect "$what: queued for the local recipients only" '^other@local\.test user@local\.test $' "$got"
    else
        not_ok "$what: queued for the local recipients only" "DATA was not accepted:" "$out"
    fi
}
