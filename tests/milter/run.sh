#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/milter/run.sh - relaymilter, the daemon, driven for real: over the
# milter protocol with miltertest (the Lua scripts next to this file), over
# its control socket with tests/ctlclient, by signals, and from the command
# line (-n, -V, usage).  Prints "ok - NAME" / "not ok - NAME" lines and a
# last line "N passed, N failed"; exits 1 if anything failed, 77 (skip) if
# miltertest is missing.
#
# Environment (make check sets them): top_srcdir, top_builddir, MILTERTEST.
# Works from a build directory apart from the sources, and as root (then
# also the privilege drop and the SO_PEERCRED check are tested).

umask 022
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MILTERTEST:=$(command -v miltertest 2>/dev/null)}"
RM=$top_builddir/milter/relaymilter
CTL=$top_builddir/tests/ctlclient
LUA=$top_srcdir/tests/milter

passed=0
failed=0
PIDS=
TMP=

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() {
    failed=$((failed + 1))
    echo "not ok - $1"
    [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/#   /'
    return 0
}
# check NAME COMMAND...: ok if the command succeeds
check() { n=$1; shift; if "$@"; then ok "$n"; else not_ok "$n"; fi; }
# expect NAME ERE TEXT: ok if TEXT has a line matching ERE
expect() {
    if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"; else not_ok "$1" "want /$2/ in: $3"; fi
}
# expect_no NAME ERE TEXT: ok if no line of TEXT matches ERE
expect_no() {
    if printf '%s\n' "$3" | grep -Eq -- "$2"; then not_ok "$1" "unwanted /$2/ in: $3"; else ok "$1"; fi
}
# expect_eq NAME WANT GOT
expect_eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "want \"$2\", got \"$3\""; fi; }

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] && exit 0
    exit 1
}

cleanup() {
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    [ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP

if [ -z "$MILTERTEST" ] || [ ! -x "$MILTERTEST" ]; then
    echo "# miltertest not found (Debian package miltertest): skipped"
    echo "0 passed, 0 failed"
    exit 77
fi
for f in "$RM" "$CTL"; do
    [ -x "$f" ] || { not_ok "$f is built"; finish; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rm-milter.XXXXXX") || exit 2
chmod 755 "$TMP"                        # the privilege-drop test reads it as nobody

# random_port: a free port below the kernel's ephemeral range (where the
# client side of every test connection lands), different for every call
random_port() {
    while :; do
        p=$((10000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 22000))
        if python3 -c 'import socket, sys; s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$p" 2>/dev/null; then
            echo "$p"
            return
        fi
    done
}

# scenario NAME: a directory with the default lists; sets D
scenario() {
    D=$TMP/$1
    mkdir -p "$D"
    chmod 755 "$D"
    printf '%s\n' '# allow.list' 192.0.2.0/24 2001:db8:a::/48 > "$D/allow.list"
    printf '%s\n' 192.0.2.66 2001:db8:a::66 > "$D/deny.list"
    printf '%s\n' 10.0.0.25 2001:db8:f::25 > "$D/local-ip.list"
    chmod 644 "$D"/*.list
    : > "$D/log"
    PORT=$(random_port)
    SOCK=inet:$PORT@127.0.0.1
}

# conf LINE...: $D/relaymilter.conf with the sockets and LINEs
conf() {
    {
        echo "milter_socket = $SOCK"
        echo "control_socket = $D/control.sock"
        # reloads here are SIGHUP and RELOAD only, counted one by one
        echo "watch_files = no"
        for l in "$@"; do printf '%s\n' "$l"; done
    } > "$D/relaymilter.conf"
    chmod 644 "$D/relaymilter.conf"
}

# start: relaymilter -f in the background; wait until the control socket
# answers.  Sets PID.  A busy port is retried with another one.
start() {
    for attempt in 1 2 3; do
        "$RM" -f -c "$D/relaymilter.conf" >>"$D/log" 2>&1 &
        PID=$!
        PIDS="$PIDS $PID"
        i=0
        while [ $i -lt 100 ]; do
            if ! kill -0 "$PID" 2>/dev/null; then
                wait "$PID" 2>/dev/null
                break
            fi
            if "$CTL" "$D/control.sock" STATUS >/dev/null 2>&1; then
                return 0
            fi
            sleep 0.1
            i=$((i + 1))
        done
        kill -9 "$PID" 2>/dev/null
        if grep -q 'cannot listen' "$D/log" && [ "${SOCK#inet:}" != "$SOCK" ]; then
            PORT=$(random_port)
            SOCK=inet:$PORT@127.0.0.1
            sed -i "s|^milter_socket = .*|milter_socket = $SOCK|" "$D/relaymilter.conf"
            continue
        fi
        return 1
    done
    return 1
}

# gone PID: the process has exited (a zombie still answers kill -0)
gone() {
    state=$(sed -n 's/^[0-9]* ([^)]*) \([A-Z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
    [ -z "$state" ] || [ "$state" = Z ]
}

# stop [SIGNAL]: signal the daemon (TERM), give it 15 s, reap it; STOP_RC
# is its exit status
stop() {
    kill "-${1:-TERM}" "$PID" 2>/dev/null
    i=0
    while [ $i -lt 150 ] && ! gone "$PID"; do
        sleep 0.1
        i=$((i + 1))
    done
    [ $i -lt 150 ] || kill -9 "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
    STOP_RC=$?
}

ctl() { "$CTL" "$D/control.sock" "$@"; }

# log_wait ERE: wait up to 5 s for a daemon log line
log_wait() {
    i=0
    while [ $i -lt 50 ]; do
        grep -Eq -- "$1" "$D/log" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# lua SCRIPT [NAME=VALUE...]: run a miltertest script against $SOCK and count
# its "ok" / "not ok" lines
lua() {
    script=$1
    shift
    set -- -D "sock=$SOCK" -D "lib=$LUA/lib.lua" "$@"
    out=$("$MILTERTEST" "$@" -s "$LUA/$script" 2>&1)
    rc=$?
    while IFS= read -r line; do
        case $line in
        "ok - "*) passed=$((passed + 1)); echo "$line" ;;
        "not ok - "*) failed=$((failed + 1)); echo "$line" ;;
        "") ;;
        *) echo "# $line" ;;
        esac
    done <<EOF
$out
EOF
    if [ $rc -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^not ok - '; then
        not_ok "miltertest $script ran to the end (exit $rc)"
    fi
}

# one NAME IP TO WANT [NAME=VALUE...]: one session through rcpt.lua
one() {
    n=$1 ip=$2 to=$3 want=$4
    shift 4
    lua rcpt.lua -D "name=$n" -D "ip=$ip" -D "to=$to" -D "want=$want" "$@"
}

status_value() { ctl STATUS | sed -n "s/^$1: //p"; }

VERSION=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")

# ======================================================================
# command line: -V, usage, -n
scenario cli
conf "relay_flags = deny, allow, local, auth" "local_domains = example.com, [192.0.2.1]"
out=$("$RM" -V 2>&1); rc=$?
expect_eq "-V exits 0" 0 "$rc"
expect_eq "-V prints the version from config.h" "relaymilter $VERSION" "$out"
"$RM" -x >/dev/null 2>&1; expect_eq "an unknown option is a usage error (exit 2)" 2 "$?"
"$RM" -f extra >/dev/null 2>&1; expect_eq "an extra argument is a usage error (exit 2)" 2 "$?"
"$RM" -c >/dev/null 2>&1; expect_eq "-c without a path is a usage error (exit 2)" 2 "$?"
out=$("$RM" -n -c "$D/relaymilter.conf" 2>&1); rc=$?
expect_eq "-n: a good configuration exits 0" 0 "$rc"
expect "-n: prints the flags" '^relay_flags: deny, allow, local, auth \(15\)$' "$out"
expect "-n: prints the allow list and its entries" "^allow_list: $D/allow.list: 2 entries \\(1 IPv4, 1 IPv6\\)\$" "$out"
expect "-n: prints the deny list and its entries" "^deny_list: $D/deny.list: 2 entries" "$out"
expect "-n: prints the local-IP list and its entries" "^local_ip_list: $D/local-ip.list: 2 entries" "$out"
expect "-n: prints the local domains" '^local_domains: 2: \[192\.0\.2\.1\], example\.com$' "$out"
expect "-n: says the configuration is OK" '^relaymilter: configuration OK$' "$out"
conf "relay_flags = allow"
out=$("$RM" -n -c "$D/relaymilter.conf" 2>&1)
expect "-n: a list whose rule is off is not read" "^deny_list: $D/deny.list: not read \\(the deny rule is off\\)" "$out"
printf '%s\n' 192.0.2.0/24 'not-an-address' '10.1.2.3/33' > "$D/allow.list"
conf "relay_flags = allow" "no_such_setting = 1"
out=$("$RM" -n -c "$D/relaymilter.conf" 2>&1); rc=$?
expect_eq "-n: a bad configuration exits 1" 1 "$rc"
expect "-n: an unknown setting names file, line and column" "^$D/relaymilter.conf:5:1: error: unknown setting \"no_such_setting\"" "$out"
conf "relay_flags = allow"
out=$("$RM" -n -c "$D/relaymilter.conf" 2>&1); rc=$?
expect_eq "-n: a bad list exits 1" 1 "$rc"
expect "-n: the bad list entry names file, line and column" "^$D/allow.list:2:[0-9]+: error: " "$out"
expect "-n: every error is printed, not just the first" "^$D/allow.list:3:[0-9]+: error: " "$out"
expect_no "-n: no OK for a bad list" 'configuration OK' "$out"
printf '%s\n' 192.0.2.0/24 > "$D/allow.list"
chmod 664 "$D/allow.list"
out=$("$RM" -n -c "$D/relaymilter.conf" 2>&1); rc=$?
expect_eq "-n: a group-writable list exits 1" 1 "$rc"
expect "-n: a group-writable list is refused" "^$D/allow.list: error: refusing a file that its group can write" "$out"
chmod 644 "$D/allow.list"
chmod 666 "$D/relaymilter.conf"
out=$("$RM" -n -c "$D/relaymilter.conf" 2>&1); rc=$?
expect_eq "-n: a world-writable configuration exits 1" 1 "$rc"
chmod 644 "$D/relaymilter.conf"
out=$("$RM" -n -c "$D/missing.conf" 2>&1); rc=$?
expect_eq "-n: a missing configuration exits 1" 1 "$rc"
expect "-n: a missing configuration is named" "missing.conf: error: cannot open" "$out"
conf "relay_flags = allow" "user = no-such-user-rmtest"
out=$("$RM" -n -c "$D/relaymilter.conf" 2>&1); rc=$?
expect_eq "-n: an unknown user exits 1" 1 "$rc"
expect "-n: an unknown user names the line" "relaymilter.conf:5: error: user \"no-such-user-rmtest\" does not exist" "$out"
rm -f "$D/allow.list"
conf "relay_flags = allow"
out=$(timeout 10 "$RM" -f -c "$D/relaymilter.conf" 2>&1); rc=$?
expect_eq "start with a missing list: exits 1" 1 "$rc"
expect "start with a missing list: names the file" "$D/allow\\.list: error: " "$out"
expect "start with a missing list: refuses to start" 'configuration refused \(1 error\); not starting' "$out"
printf '%s\n' 192.0.2.0/24 > "$D/allow.list"
out=$(cd "$D" && "$RM" -n -c relaymilter.conf 2>&1); rc=$?
expect_eq "-n: a relative -c path works" 0 "$rc"
expect "-n: a relative -c path finds the lists next to the file" "^allow_list: $D/allow.list: 1 entry " "$out"

# ======================================================================
# the policy, every callback path (policy.lua)
scenario policy
conf "relay_flags = deny, allow, local, auth" "local_domains = example.com, [192.0.2.1]"
if start; then ok "policy: relaymilter starts"; else not_ok "policy: relaymilter starts" "$(cat "$D/log")"; fi
lua policy.lua
log=$(cat "$D/log")
expect "log: a default-deny line" '^relaymilter\[[0-9]+\]: verdict=deny action=reject queue_id="" client=203\.0\.113\.9 helo=client\.example sender=<sender@example\.org> sasl_user="" server=10\.0\.0\.1 rcpt=<x@example\.net> rule=default-deny list="" entry="" relay_reason=remote-domain reason=""$' "$log"
expect "log: a deny-list line names file, line and entry" \
    "verdict=deny action=reject .* client=192\\.0\\.2\\.66 .* rcpt=<x@example\\.net> rule=deny-list list=$D/deny\\.list:1 entry=192\\.0\\.2\\.66 relay_reason=remote-domain reason=\"\"\$" "$log"
expect "log: IPv6 deny-list line" "verdict=deny .* client=2001:db8:a::66 .* rcpt=<x@example\\.net> rule=deny-list list=$D/deny\\.list:2 entry=2001:db8:a::66 " "$log"
expect "log: an IPv4-mapped client is logged as IPv4" 'verdict=deny .* client=192\.0\.2\.66 ' "$log"
expect "log: no decision is a warning with reason and action" \
    'warning: verdict=no-decision action=tempfail .* client=203\.0\.113\.9 .* rcpt=<x@example\.net> .* reason=no-daemon_addr-or-if_addr-macro$' "$log"
expect_no "log: local recipients are not logged one by one" 'rcpt=<(alice|carol|user)@example\.com>' "$log"
expect_no "log: allowed relays are not logged" 'client=192\.0\.2\.7 ' "$log"
st=$(ctl STATUS)
for k in deny_list allow_list local_ip auth default_deny local_submission local_recipient error; do
    expect "STATUS counts decisions_$k" "^decisions_$k: [1-9][0-9]*\$" "$st"
done
expect "STATUS: no deny_only decision under these flags" '^decisions_deny_only: 0$' "$st"
stop
expect_eq "policy: SIGTERM stops with exit 0" 0 "$STOP_RC"
expect "policy: the stop is logged" 'stopping on SIGTERM' "$(cat "$D/log")"
expect "policy: the end is logged" 'stopped$' "$(cat "$D/log")"
check "policy: the control socket is removed at stop" test ! -e "$D/control.sock"

# ======================================================================
# deny is the only flag: everyone not denied may relay
scenario denyonly
conf "relay_flags = deny" "local_domains = example.com"
if start; then ok "deny-only: starts"; else not_ok "deny-only: starts" "$(cat "$D/log")"; fi
one "deny-only: an unlisted client relays" 203.0.113.9 "<x@example.net>" continue
one "deny-only: a denied client may not relay" 192.0.2.66 "<x@example.net>" replycode
one "deny-only: a denied client still reaches local users" 192.0.2.66 "<x@example.com>" continue
one "deny-only: relay_flags 1 ignores allow.list" 192.0.2.7 "<x@example.net>" continue
expect "deny-only: counted" '^decisions_deny_only: 2$' "$(ctl STATUS)"
stop

# relay_flags = 0: nobody relays, local recipients still pass
scenario none
conf "relay_flags = 0" "local_domains = example.com"
start || not_ok "relay_flags 0: starts" "$(cat "$D/log")"
one "relay_flags 0: even the allow list may not relay" 192.0.2.7 "<x@example.net>" replycode
one "relay_flags 0: authenticated clients may not relay" 192.0.2.7 "<x@example.net>" replycode -D auth=alice
one "relay_flags 0: local recipients pass" 192.0.2.7 "<x@example.com>" continue
one "relay_flags 0: local submission still relays (local_submission = allow)" unspec "<x@example.net>" continue
stop

# local_submission = policy: no address is no privilege
scenario submission
conf "relay_flags = allow, auth" "local_domains = example.com" "local_submission = policy"
start || not_ok "local_submission policy: starts" "$(cat "$D/log")"
one "local_submission policy: no address may not relay" unspec "<x@example.net>" replycode
one "local_submission policy: unless authenticated" unspec "<x@example.net>" continue -D auth=alice
one "local_submission policy: local recipients pass" unspec "<x@example.com>" continue
expect "local_submission policy: the log says client=local" 'verdict=deny .* client=local .* rcpt=<x@example\.net> rule=default-deny ' "$(cat "$D/log")"
stop

# ======================================================================
# a client named localhost is no local submission (submission.lua)
scenario posing
conf "relay_flags = allow" "local_domains = example.com" "local_submission = allow"
if start; then ok "posing: starts"; else not_ok "posing: starts" "$(cat "$D/log")"; fi
lua submission.lua
expect "posing: the client from 127.0.0.1 is logged with its address and queue id" \
    'verdict=deny action=reject queue_id=4B1C2A7F01 client=127\.0\.0\.1 ' "$(cat "$D/log")"
stop

# log_allowed = yes: allowed relay recipients are logged too
scenario logallowed
conf "relay_flags = allow" "local_domains = example.com" "log_allowed = yes"
start || not_ok "log_allowed: starts" "$(cat "$D/log")"
one "log_allowed: an allowed client relays" 192.0.2.7 "<x@example.net>" continue
one "log_allowed: local recipients pass" 192.0.2.7 "<x@example.com>" continue
log=$(cat "$D/log")
expect "log_allowed: the allowed relay is logged" \
    "verdict=allow action=accept .* client=192\\.0\\.2\\.7 .* rcpt=<x@example\\.net> rule=allow-list list=$D/allow\\.list:2 entry=192\\.0\\.2\\.0/24 relay_reason=remote-domain " "$log"
expect_no "log_allowed: local recipients are still not logged" 'rcpt=<x@example\.com>' "$log"
stop

# ======================================================================
# report mode: nothing is rejected, the would-be rejection is logged
scenario report
conf "relay_flags = deny, allow" "local_domains = example.com" "mode = report"
start || not_ok "report mode: starts" "$(cat "$D/log")"
one "report mode: default deny is not enforced" 203.0.113.9 "<x@example.net>" continue
one "report mode: deny list is not enforced" 192.0.2.66 "<x@example.net>" continue
one "report mode: allowed clients relay" 192.0.2.7 "<x@example.net>" continue
log=$(cat "$D/log")
expect "report mode: would-deny logged for the default rule" 'verdict=deny action=would-reject .* client=203\.0\.113\.9 .* rcpt=<x@example\.net> rule=default-deny ' "$log"
expect "report mode: would-deny logged for the deny list" "verdict=deny action=would-reject .* client=192\\.0\\.2\\.66 .* rcpt=<x@example\\.net> rule=deny-list list=$D/deny\\.list:1 entry=192\\.0\\.2\\.66 " "$log"
expect_no "report mode: no plain reject" 'action=reject ' "$log"
expect "report mode: STATUS says report" '^mode: report$' "$(ctl STATUS)"
stop

# ======================================================================
# relay_detect = mailer and on_error (errors.lua), once per on_error value
for how in tempfail accept reject; do
    scenario "onerror-$how"
    conf "relay_flags = allow" "relay_detect = mailer" "on_error = $how"
    if start; then ok "on_error $how: starts"; else not_ok "on_error $how: starts" "$(cat "$D/log")"; fi
    lua errors.lua -D "on_error=$how"
    log=$(cat "$D/log")
    expect "on_error $how: logged with its action" \
        "warning: verdict=no-decision action=$how .* client=203\\.0\\.113\\.9 .* rcpt=<user@example\\.com> .* reason=no-rcpt_mailer-macro\$" "$log"
    expect "on_error $how: an unparseable recipient is logged" "verdict=no-decision action=$how .* reason=unparseable-recipient\$" "$log"
    expect "on_error $how: counted as error" '^decisions_error: [1-9]' "$(ctl STATUS)"
    stop
done
scenario onerror-report
conf "relay_flags = allow" "relay_detect = mailer" "on_error = reject" "mode = report"
start || not_ok "on_error reject in report mode: starts" "$(cat "$D/log")"
one "on_error reject in report mode: nothing is rejected" 203.0.113.9 "<x@example.com>" continue
expect "on_error reject in report mode: logged as would-reject" 'action=would-reject' "$(cat "$D/log")"
stop
scenario reply
conf "relay_flags = allow" "reject_reply = 554 5.7.1 Go away"
start || not_ok "reject_reply: starts" "$(cat "$D/log")"
one "reject_reply: a custom reply still rejects" 203.0.113.9 "<x@example.net>" replycode
stop

# ======================================================================
# the control socket
scenario control
conf "relay_flags = deny, allow, local, auth" "local_domains = example.com"
start || not_ok "control: starts" "$(cat "$D/log")"
st=$(ctl STATUS); rc=$?
expect_eq "STATUS exits 0 (OK)" 0 "$rc"
expect "STATUS: first line" '^OK status$' "$(printf '%s\n' "$st" | head -n 1)"
for k in pid version uptime_seconds generation loaded_at relay_flags mode entries_deny entries_allow \
    entries_local reloads_ok reloads_failed last_reload last_reload_error decisions_deny_list \
    decisions_allow_list decisions_local_ip decisions_auth decisions_default_deny decisions_deny_only \
    decisions_local_submission decisions_local_recipient decisions_error; do
    expect "STATUS has $k" "^$k: " "$st"
done
expect "STATUS: pid is the daemon's" "^pid: $PID\$" "$st"
expect "STATUS: version" "^version: $VERSION\$" "$st"
expect "STATUS: generation 1 at start" '^generation: 1$' "$st"
expect "STATUS: loaded_at is ISO 8601 UTC" '^loaded_at: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' "$st"
expect "STATUS: relay_flags" '^relay_flags: deny, allow, local, auth$' "$st"
expect "STATUS: entries" '^entries_allow: 2$' "$st"
expect "STATUS: no reload yet" '^last_reload: none$' "$st"
expect "CHECK deny list" "^OK deny deny-list $D/deny.list:1 192\\.0\\.2\\.66\$" "$(ctl CHECK 192.0.2.66)"
expect "CHECK allow list" "^OK allow allow-list $D/allow.list:2 192\\.0\\.2\\.0/24\$" "$(ctl CHECK 192.0.2.7)"
expect "CHECK local interface" "^OK allow local-ip $D/local-ip.list:1 10\\.0\\.0\\.25\$" "$(ctl CHECK 203.0.113.9 local=10.0.0.25)"
expect "CHECK auth" '^OK allow auth$' "$(ctl CHECK 203.0.113.9 auth)"
expect "CHECK default deny" '^OK deny default-deny$' "$(ctl CHECK 203.0.113.9 local=10.0.0.1)"
# The local rule is on: without the server address the milter cannot
# decide, and neither can CHECK (the same rm_verdict_decide call).
expect "CHECK without a server address: no decision, as at RCPT" \
    '^OK no-decision no-daemon_addr-or-if_addr-macro$' "$(ctl CHECK 203.0.113.9)"
expect "CHECK a local recipient" '^OK local local-domain$' "$(ctl CHECK 203.0.113.9 rcpt=x@example.com)"
expect "CHECK a percent hack counts as relay" '^recipient_reason: percent-hack$' \
    "$(ctl CHECK 203.0.113.9 local=10.0.0.1 rcpt=u%x@example.com)"
expect "CHECK local submission" '^OK allow local-submission$' "$(ctl CHECK none)"
expect "CHECK IPv6" "^OK allow allow-list $D/allow.list:3 2001:db8:a::/48\$" "$(ctl CHECK 2001:db8:a::7)"
ctl CHECK 203.0.113.9 >/dev/null; expect_eq "CHECK deny still exits 0 (OK)" 0 "$?"
out=$(ctl CHECK 300.1.2.3); rc=$?
expect_eq "CHECK with a bad address exits 1 (ERR)" 1 "$rc"
expect "CHECK with a bad address says so" '^ERR bad address "300\.1\.2\.3"' "$out"
expect "unknown command" '^ERR unknown command "FOO"$' "$(ctl FOO bar)"
expect "empty command" '^ERR empty command' "$(ctl)"
long=$(head -c 2000 /dev/zero | tr '\0' 'A')
expect "a line over 1024 bytes is refused" '^ERR command line is over 1023 bytes$' "$(ctl "$long")"
expect "a line without its newline still works" '^OK status$' "$(ctl -n STATUS | head -n 1)"
expect "CHECK does not count as a decision" '^decisions_deny_list: 0$' "$(ctl STATUS)"
check "the control socket is mode 0660" test "$(stat -c %a "$D/control.sock")" = 660
# a stuck client delays other control clients at most 5 s, milter threads not at all
"$CTL" -i 8 "$D/control.sock" >/dev/null 2>&1 &
stuck=$!
sleep 0.3
t0=$(date +%s)
one "a stuck control client does not block milter threads" 192.0.2.7 "<x@example.net>" continue
t1=$(date +%s)
check "the milter answered at once while a control client was stuck" test $((t1 - t0)) -le 3
out=$(ctl STATUS); t2=$(date +%s)
expect "the next control client is served after the stuck one times out" '^OK status' "$out"
check "...within the 5 s per-client limit" test $((t2 - t0)) -le 7
kill "$stuck" 2>/dev/null; wait "$stuck" 2>/dev/null
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
    chmod 666 "$D/control.sock"
    cp "$CTL" "$TMP/ctlclient"          # the build tree may be closed to nobody
    chmod 755 "$TMP/ctlclient"
    out=$(setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups \
        "$TMP/ctlclient" "$D/control.sock" STATUS 2>&1); rc=$?
    expect_eq "SO_PEERCRED: another user's client exits 1" 1 "$rc"
    expect "SO_PEERCRED: another user gets ERR permission denied" '^ERR permission denied$' "$out"
    expect "SO_PEERCRED: the refusal is logged" 'control socket: refused a client with uid' "$(cat "$D/log")"
    chmod 660 "$D/control.sock"
else
    echo "# not root or no setpriv: SO_PEERCRED refusal not tested"
fi
stop INT
expect_eq "SIGINT stops with exit 0" 0 "$STOP_RC"
expect "SIGINT: the stop is logged" 'stopping on SIGINT' "$(cat "$D/log")"

# ======================================================================
# reload: SIGHUP and the control socket, all or nothing
scenario reload
printf '%s\n' 192.0.2.0/24 > "$D/allow.list"
conf "relay_flags = allow" "local_domains = example.com"
start || not_ok "reload: starts" "$(cat "$D/log")"
one "before reload: 198.51.100.7 may not relay" 198.51.100.7 "<x@example.net>" replycode
printf '%s\n' 192.0.2.0/24 198.51.100.7 > "$D/allow.list"
kill -HUP "$PID"
check "SIGHUP: the reload is logged" log_wait 'reloaded generation 2 \(SIGHUP\): mode enforce, relay_flags allow; deny 0, allow 2, local 0 entries$'
check "SIGHUP: the daemon is still running" kill -0 "$PID"
one "SIGHUP: 198.51.100.7 now relays" 198.51.100.7 "<x@example.net>" continue
st=$(ctl STATUS)
expect "SIGHUP: generation 2" '^generation: 2$' "$st"
expect "SIGHUP: reloads_ok 1" '^reloads_ok: 1$' "$st"
expect "SIGHUP: last_reload ok" '^last_reload: ok$' "$st"
for i in 1 2 3 4 5; do kill -HUP "$PID"; done
sleep 0.5
check "five quick SIGHUPs: still running" kill -0 "$PID"
one "five quick SIGHUPs: still answering" 198.51.100.7 "<x@example.net>" continue
gen=$(status_value generation)
# a bad list: the reload is refused as a whole
printf '%s\n' 192.0.2.0/24 198.51.100.7 not-an-address 198.51.100.8 > "$D/allow.list"
out=$(ctl RELOAD); rc=$?
expect_eq "bad list: RELOAD exits 1 (ERR)" 1 "$rc"
expect "bad list: RELOAD says the previous lists remain" \
    "^ERR reload failed; previous lists remain in force \\(generation $gen\\)\$" "$out"
expect "bad list: the error names file, line and column" "^$D/allow.list:3:[0-9]+: error: " "$out"
one "bad list: the old policy is in force (198.51.100.7 relays)" 198.51.100.7 "<x@example.net>" continue
one "bad list: nothing of the bad file is loaded (198.51.100.8)" 198.51.100.8 "<x@example.net>" replycode
st=$(ctl STATUS)
expect "bad list: generation unchanged" "^generation: $gen\$" "$st"
expect "bad list: reloads_failed 1" '^reloads_failed: 1$' "$st"
expect "bad list: last_reload failed" '^last_reload: failed$' "$st"
expect "bad list: last_reload_error names the line" "^last_reload_error: $D/allow.list:3:[0-9]+: error: " "$st"
kill -HUP "$PID"
check "bad list by SIGHUP: logged with file and line" \
    log_wait "reload failed \\(SIGHUP\\); previous lists remain in force \\(generation $gen, mode enforce, relay_flags allow\\): $D/allow.list:3:[0-9]+: error"
check "bad list by SIGHUP: still running" kill -0 "$PID"
one "bad list by SIGHUP: old policy in force" 198.51.100.7 "<x@example.net>" continue
printf '%s\n' 192.0.2.0/24 > "$D/allow.list"
chmod 664 "$D/allow.list"
out=$(ctl RELOAD)
expect "group-writable list: RELOAD refuses it" "^$D/allow.list: error: refusing a file that its group can write" "$out"
chmod 644 "$D/allow.list"
echo "bogus_setting = 1" >> "$D/relaymilter.conf"
out=$(ctl RELOAD)
expect "bad configuration: RELOAD names file and line" "^$D/relaymilter.conf:6:1: error: unknown setting" "$out"
conf "relay_flags = allow" "local_domains = example.com"
out=$(ctl RELOAD); rc=$?
expect_eq "fixed: RELOAD exits 0" 0 "$rc"
expect "fixed: RELOAD answers with generation and entries" \
    "^OK reloaded generation $((gen + 1)): deny 0, allow 1, local 0 entries\$" "$out"
one "fixed: 198.51.100.7 (removed) may no longer relay" 198.51.100.7 "<x@example.net>" replycode
conf "relay_flags = allow" "local_domains = example.com, example.net" "mode = report"
ctl RELOAD >/dev/null
one "reload applies the configuration too (local_domains)" 198.51.100.7 "<x@example.net>" continue
one "reload applies the configuration too (mode = report)" 198.51.100.7 "<x@example.org>" continue
sed -i "s|^milter_socket = .*|milter_socket = inet:$(random_port)@127.0.0.1|" "$D/relaymilter.conf"
ctl RELOAD >/dev/null
expect "a changed milter_socket waits for a restart" 'warning: milter_socket changed to .*restarts' "$(cat "$D/log")"
one "...and the old socket still serves" 192.0.2.7 "<x@example.net>" continue
stop

# ======================================================================
# unix sockets: stale ones are replaced, live ones are not stolen
scenario sockets
SOCK=unix:$D/milter.sock
conf "relay_flags = allow" "local_domains = example.com"
start || not_ok "unix milter socket: starts" "$(cat "$D/log")"
one "unix milter socket: serves" 192.0.2.7 "<x@example.net>" continue
check "unix milter socket: mode 0660" test "$(stat -c %a "$D/milter.sock")" = 660
first=$PID
cp "$D/relaymilter.conf" "$D/second.conf"
sed -i "s|^control_socket = .*|control_socket = $D/second.sock|" "$D/second.conf"
out=$(timeout 10 "$RM" -f -c "$D/second.conf" 2>&1); rc=$?
expect_eq "a live milter socket is not stolen: the second daemon exits 1" 1 "$rc"
expect "a live milter socket is not stolen: says so" 'milter.sock is in use' "$out"
sed -i "s|^milter_socket = .*|milter_socket = inet:$(random_port)@127.0.0.1|; s|^control_socket = .*|control_socket = $D/control.sock|" "$D/second.conf"
out=$(timeout 10 "$RM" -f -c "$D/second.conf" 2>&1); rc=$?
expect_eq "a live control socket is not stolen: the second daemon exits 1" 1 "$rc"
expect "a live control socket is not stolen: says so" 'control.sock is in use' "$out"
one "the first daemon still serves" 192.0.2.7 "<x@example.net>" continue
kill -9 "$first"; wait "$first" 2>/dev/null
check "after kill -9 the milter socket is left behind" test -S "$D/milter.sock"
check "after kill -9 the control socket is left behind" test -S "$D/control.sock"
if start; then ok "stale sockets are replaced at start"; else not_ok "stale sockets are replaced at start" "$(cat "$D/log")"; fi
one "after replacing stale sockets: serves" 203.0.113.9 "<x@example.net>" replycode
stop
check "a clean stop removes the unix milter socket" test ! -e "$D/milter.sock"
echo "not a socket" > "$D/milter.sock"
out=$(timeout 10 "$RM" -f -c "$D/relaymilter.conf" 2>&1); rc=$?
expect_eq "a milter_socket path that is a file: exits 1" 1 "$rc"
expect "a milter_socket path that is a file: says so" 'milter.sock exists and is not a socket' "$out"
check "a milter_socket path that is a file: the file is untouched" grep -q 'not a socket' "$D/milter.sock"
rm -f "$D/milter.sock"
# a busy inet port
scenario busy
conf "relay_flags = allow"
start || not_ok "busy port: first daemon starts" "$(cat "$D/log")"
sed -e "s|^control_socket = .*|control_socket = $D/other.sock|" "$D/relaymilter.conf" > "$D/other.conf"
out=$(timeout 10 "$RM" -f -c "$D/other.conf" 2>&1); rc=$?
expect_eq "a busy inet port: exits 1" 1 "$rc"
expect "a busy inet port: says it cannot listen" "cannot listen on milter_socket inet:$PORT@127\\.0\\.0\\.1" "$out"
stop
# inet6, where the machine has IPv6 loopback
if [ -r /proc/net/if_inet6 ] && grep -q '^0\{31\}1 ' /proc/net/if_inet6; then
    scenario inet6
    SOCK=inet6:$PORT@::1
    conf "relay_flags = allow"
    if start; then ok "inet6 milter socket: starts"; else not_ok "inet6 milter socket: starts" "$(cat "$D/log")"; fi
    if command -v ss >/dev/null 2>&1; then
        expect "inet6 milter socket: listens on [::1]:$PORT" "\\[::1\\]:$PORT" "$(ss -ltnH 2>/dev/null)"
    fi
    stop
    expect_eq "inet6 milter socket: stops cleanly" 0 "$STOP_RC"
else
    echo "# no IPv6 loopback: inet6 milter socket not tested"
fi

# ======================================================================
# a real daemon: fork, pid file, privilege drop (as root)
scenario daemon
conf "relay_flags = allow" "local_domains = example.com" "pid_file = $D/relaymilter.pid"
drop=
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    drop=yes
    echo "user = nobody" >> "$D/relaymilter.conf"
fi
out=$("$RM" -c "$D/relaymilter.conf" 2>&1); rc=$?
expect_eq "without -f: the parent exits 0 once the daemon is ready" 0 "$rc"
[ "$rc" = 0 ] || echo "$out" | sed 's/^/#   /'
dpid=$(cat "$D/relaymilter.pid" 2>/dev/null)
[ -n "$dpid" ] && PIDS="$PIDS $dpid"
check "without -f: the pid file holds a running process" kill -0 "${dpid:-0}"
expect "without -f: STATUS pid matches the pid file" "^pid: ${dpid:-none}\$" "$(ctl STATUS)"
sid=$(awk '{print $6}' "/proc/${dpid:-0}/stat" 2>/dev/null)
expect_eq "without -f: the daemon leads its own session (setsid)" "${dpid:-none}" "$sid"
one "without -f: serves" 192.0.2.7 "<x@example.net>" continue
if [ -n "$drop" ]; then
    uid=$(id -u nobody)
    expect "privileges dropped: every uid is nobody's" "^Uid:[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid\$" \
        "$(cat "/proc/$dpid/status" 2>/dev/null)"
    expect "privileges dropped: every gid is nobody's group" "^Gid:[[:space:]]+$(id -g nobody)[[:space:]]" "$(cat "/proc/$dpid/status" 2>/dev/null)"
    expect "privileges dropped: supplementary groups dropped" "^Groups:[[:space:]]*($(id -g nobody))?[[:space:]]*\$" "$(cat "/proc/$dpid/status" 2>/dev/null)"
    check "the control socket belongs to the daemon's user" test "$(stat -c %U "$D/control.sock")" = nobody
    expect "root may still use the control socket" '^OK reloaded generation 2' "$(ctl RELOAD)"
else
    echo "# not root: privilege drop not tested"
fi
kill -TERM "$dpid" 2>/dev/null
i=0
while ! gone "$dpid" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "without -f: SIGTERM stops the daemon" test $i -lt 100
conf "relay_flags = allow" "no_such_setting = 1"
out=$("$RM" -c "$D/relaymilter.conf" 2>&1); rc=$?
expect_eq "without -f: a bad configuration exits 1 before forking" 1 "$rc"
expect "without -f: the error is on stderr" "relaymilter.conf:5:1: error: unknown setting" "$out"

# ======================================================================
# whatever the build, no daemon reported memory errors or undefined behaviour
reports=$(cat "$TMP"/*/log 2>/dev/null | grep -E 'AddressSanitizer|LeakSanitizer|runtime error:' | head -n 5)
expect_eq "no sanitizer report in any daemon log" "" "$reports"

finish
