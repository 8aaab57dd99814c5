#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/system/fleet.sh - lists for a fleet: signed URL lists served by a
# real nginx to two daemons, their cached last good copies, and files that
# reload themselves.
#
# A private nginx (its own prefix, configuration and access log in the
# test's directory, on a free loopback port) serves allow.list and
# deny.list with minisign signatures made here (minisign -G -W, -S).  Two
# daemons poll them every second.  Every decision is asked on the control
# socket (CHECK, as relayctl check --live does) and compared with the
# version that must be in force:
#   1. both start with version 1, fetched at start (daemon 2 takes its
#      local_domains from a URL too);
#   2. version 2 published: in force on both within a poll interval;
#   3. unchanged lists are not sent again: nginx logs 304s, no new 200s;
#   4. a list with an error, a list signed by another key, a list whose
#      signature is of another text, an HTTP 500, a transfer cut short, a
#      server that accepts and never answers, and no server at all: each
#      keeps version 2 in force on both daemons, and each says why
#      (list_allow_last_error in STATUS, and the log), with the failure
#      counted;
#   5. a daemon restarted while nothing serves starts from its cache and
#      says so; a daemon with neither cache nor server refuses to start;
#   6. nginx back with version 3 signed in minisign's legacy format: in
#      force on both; version 2 served again with its own, older, valid
#      signature (a replay) is refused;
#   7. relayctl lint URL fetches and checks, signature included;
#   8. watched files: a third daemon with local lists reloads on a rename
#      over its allow list and on an in-place write, without SIGHUP, and
#      never loads a file that is still being written (a writer that keeps
#      it open with only its first line written for longer than the
#      settle time).
#
# RM_WRAPPER (e.g. "valgrind -q --error-exitcode=1 --leak-check=full")
# runs every daemon under that command.
# Prints "ok - NAME" / "not ok - NAME", then "N passed, N failed".
# Needs nginx, minisign and python3 (77 without).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

umask 022
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${RM_WRAPPER:=}"
RM=$top_builddir/milter/relaymilter
RELAYCTL=$top_builddir/cli/relayctl
PYTHON=$(command -v python3 || true)
NGINX=$(PATH=$PATH:/usr/sbin:/sbin command -v nginx || true)
MINISIGN=$(command -v minisign || true)

. "$top_srcdir/tests/system/lib.sh"

[ -n "$PYTHON" ] || skip "python3 not found"
[ -n "$NGINX" ] || skip "nginx not found (install the Debian package nginx)"
[ -n "$MINISIGN" ] || skip "minisign not found (install the Debian package minisign)"
[ -x "$RM" ] || { not_ok "$RM is built"; finish; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rm-fleet.XXXXXX") || exit 2
chmod 755 "$TMP"
W=$TMP/www N=$TMP/nginx
mkdir -p "$W" "$N/logs" "$N/tmp"
chmod 755 "$W"
free_port() { "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
NPORT=$(free_port)
BASE=http://127.0.0.1:$NPORT

# --- keys and publishing -----------------------------------------------------
"$MINISIGN" -G -W -p "$TMP/fleet.pub" -s "$TMP/fleet.sec" </dev/null >/dev/null 2>&1 &&
"$MINISIGN" -G -W -p "$TMP/other.pub" -s "$TMP/other.sec" </dev/null >/dev/null 2>&1 ||
    { not_ok "minisign makes the key pairs"; finish; }
chmod 644 "$TMP"/*.pub

# publish NAME TEXT [KEY] [-l]: write, sign, rename into place (as a publisher would)
publish() {
    local name=$1 text=$2 key=${3:-$TMP/fleet.sec} legacy=${4:-}
    printf '%s' "$text" > "$TMP/stage.$name"
    "$MINISIGN" -S $legacy -s "$key" -m "$TMP/stage.$name" -x "$TMP/stage.$name.minisig" \
        </dev/null >/dev/null 2>&1 || { not_ok "minisign signs $name"; return 1; }
    chmod 644 "$TMP/stage.$name" "$TMP/stage.$name.minisig"
    mv "$TMP/stage.$name.minisig" "$W/$name.minisig"
    mv "$TMP/stage.$name" "$W/$name"
}
V1_ALLOW=$'# version 1\n192.0.2.0/24\n'
V2_ALLOW=$'# version 2\n198.51.100.0/24\n'
V3_ALLOW=$'# version 3\n198.51.100.0/24\n203.0.113.0/25\n'
DENY=$'192.0.2.66\n198.51.100.66\n'
publish allow.list "$V1_ALLOW" && publish deny.list "$DENY" &&
    publish domains $'example.com\nmail.example.com\n' || finish

# --- nginx -------------------------------------------------------------------
cat > "$N/nginx.conf" <<EOF
worker_processes 1;
pid $N/nginx.pid;
error_log $N/logs/error.log;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 64; }
http {
    log_format fleet '\$request_uri \$status \$body_bytes_sent';
    access_log $N/logs/access.log fleet;
    client_body_temp_path $N/tmp/body;
    proxy_temp_path $N/tmp/proxy;
    fastcgi_temp_path $N/tmp/fastcgi;
    uwsgi_temp_path $N/tmp/uwsgi;
    scgi_temp_path $N/tmp/scgi;
    default_type text/plain;
    server {
        listen 127.0.0.1:$NPORT;
        root $W;
        location / {
            if (-f $W/fail500) { return 500; }
        }
    }
}
EOF
NGINX_PID=
start_nginx() {
    "$NGINX" -p "$N" -c "$N/nginx.conf" -g 'daemon off;' >"$N/logs/stdout" 2>&1 &
    NGINX_PID=$!
    PIDS="$PIDS $NGINX_PID"
    for _ in $(seq 50); do
        "$PYTHON" -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$NPORT)))" && return 0
        sleep 0.1
    done
    return 1
}
stop_nginx() { kill "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null; NGINX_PID=; }
if start_nginx; then ok "a private nginx serves the lists on 127.0.0.1:$NPORT"
else not_ok "nginx starts" "$(cat "$N/logs/error.log" "$N/logs/stdout" 2>/dev/null)"; finish; fi

# --- the daemons -------------------------------------------------------------
# start_daemon I: daemon I's configuration, cache dir and process
start_daemon() {
    local i=$1 d=$TMP/d$1
    mkdir -p "$d/cache"
    chmod 755 "$d" "$d/cache"
    [ -f "$d/relaymilter.conf" ] || cat > "$d/relaymilter.conf" <<EOF
milter_socket = inet:$(free_port)@127.0.0.1
control_socket = $d/control.sock
relay_flags = deny, allow
allow_list = $BASE/allow.list
deny_list = $BASE/deny.list
local_domains = $( [ "$i" = 2 ] && echo "url:$BASE/domains" || echo example.com )
list_cache_dir = $d/cache
list_signing_key = $TMP/fleet.pub
list_poll_interval = 1
list_fetch_timeout = 2
EOF
    chmod 644 "$d/relaymilter.conf"
    $RM_WRAPPER "$RM" -f -c "$d/relaymilter.conf" >>"$d/log" 2>&1 &
    eval "PID$i=$!"
    PIDS="$PIDS $!"
}
ctl() { "$PYTHON" "$top_srcdir/tests/e2e/ctl.py" "$SOCK" "$*"; }
# on I CMD...: a control request to daemon I
on() { local SOCK=$TMP/d$1/control.sock; shift; ctl "$@"; }
wait_up() { local SOCK=$TMP/d$1/control.sock; wait_ctl "$2"; }
# decide I ADDR: "allow" or "deny" (and the rule) from daemon I
decide() { on "$1" CHECK "$2" | awk 'NR==1 {print $2, $3}'; }
# version I: which allow version daemon I has in force, by its answers
version() {
    local a b c
    a=$(decide "$1" 192.0.2.1) b=$(decide "$1" 198.51.100.1) c=$(decide "$1" 203.0.113.1)
    case "$a|$b|$c" in
    "allow allow-list|deny default-deny|deny default-deny") echo 1 ;;
    "deny default-deny|allow allow-list|deny default-deny") echo 2 ;;
    "deny default-deny|allow allow-list|allow allow-list") echo 3 ;;
    *) echo "none ($a|$b|$c)" ;;
    esac
}
# until_version V SECONDS I...: wait until every daemon has V in force
until_version() {
    local v=$1 t=$2 i all; shift 2
    for _ in $(seq $((t * 10))); do
        all=1
        for i in "$@"; do [ "$(version "$i")" = "$v" ] || all=0; done
        [ $all = 1 ] && return 0
        sleep 0.1
    done
    return 1
}
status_of() { on "$1" STATUS | sed -n "s/^$2: //p"; }
failed_of() { status_of "$1" list_allow_fetches_failed; }

# --- 0. before the first start: -n and lint fetch what start would ---------
d0=$TMP/d0
mkdir -p "$d0"
chmod 755 "$d0"
fresh_conf() {
    cat > "$d0/relaymilter.conf" <<EOF
control_socket = $d0/control.sock
milter_socket = inet:$(free_port)@127.0.0.1
relay_flags = deny, allow
allow_list = $BASE/$1
deny_list = $BASE/deny.list
local_domains = example.com
list_cache_dir = $d0/cache
list_signing_key = $TMP/fleet.pub
list_fetch_timeout = 2
EOF
    chmod 644 "$d0/relaymilter.conf"
}
fresh_conf allow.list
out=$("$RELAYCTL" -c "$d0/relaymilter.conf" lint 2>&1); rc=$?
check "lint, no cached copy yet: the URL list is fetched and checked (exit $rc)" test "$rc" = 0
out=$("$RM" -n -c "$d0/relaymilter.conf" 2>&1); rc=$?
check "relaymilter -n, no cached copy yet: it fetches as a start would (exit $rc)" test "$rc" = 0
expect "...and reads the copy it cached" "^allow_list: $BASE/allow.list \\(its cached copy\\):" "$out"
check "...which is kept in list_cache_dir" test -s "$(ls "$d0"/cache/*-allow.list 2>/dev/null | head -1)"
fresh_conf nothere.list
out=$("$RM" -n -c "$d0/relaymilter.conf" 2>&1); rc=$?
check "relaymilter -n, a URL list neither fetched nor cached: exit 1 ($rc)" test "$rc" = 1
expect "...saying why" "HTTP 404" "$out"
expect "...and that it would not start" "relaymilter would not start" "$out"
out=$("$RELAYCTL" -c "$d0/relaymilter.conf" lint 2>&1); rc=$?
check "lint says the same (exit $rc)" test "$rc" = 1
expect "...naming the HTTP error" "$BASE/nothere.list: error: .*HTTP 404" "$out"

start_daemon 1
start_daemon 2
if wait_up 1 "$PID1" && wait_up 2 "$PID2"; then ok "two daemons start with URL lists"
else not_ok "two daemons start" "$(cat "$TMP"/d*/log)"; finish; fi
fds0_1=$(find "/proc/$PID1/fd" -mindepth 1 -maxdepth 1 | wc -l)
check "daemon 1 has version 1 in force (fetched at start)" test "$(version 1)" = 1
check "daemon 2 has version 1 in force" test "$(version 2)" = 1
check "the deny list came too" test "$(decide 1 192.0.2.66)" = "deny deny-list"
st=$(on 1 STATUS)
expect "STATUS names the allow list's source" "^list_allow_source: $BASE/allow.list\$" "$st"
expect "...its ETag" '^list_allow_etag: "[0-9a-f]+-[0-9a-f]+"$' "$st"
expect "...its Last-Modified" '^list_allow_last_modified: [A-Z][a-z][a-z], ' "$st"
expect "...its cache file" "^list_allow_cache: $TMP/d1/cache/[0-9a-f]{16}-allow.list\$" "$st"
expect "...and the age of the list in force" '^list_allow_age_seconds: [0-9]+$' "$st"
prom=$("$RELAYCTL" -c "$TMP/d1/relaymilter.conf" status --prometheus 2>&1)
expect "status --prometheus shows the allow list's age" '^relaymilter_list_age_seconds\{list="allow"\} [0-9]+$' "$prom"
expect "...and its fetches" '^relaymilter_list_fetches_total\{list="allow",result="ok"\} [1-9][0-9]*$' "$prom"
expect "daemon 2's local_domains come from a URL too" "^list_domains_source: $BASE/domains\$" "$(on 2 STATUS)"
out=$("$RM" -n -c "$TMP/d2/relaymilter.conf" 2>&1)
expect "...and relaymilter -n reads them from its cache" '^local_domains: 2: example.com, mail.example.com$' "$out"
expect "relaymilter -n names a URL list's cached copy" "^allow_list: $BASE/allow.list \\(its cached copy\\):" "$out"
cache1=$(status_of 1 list_allow_cache)
check "the cached copy is version 1, as published" test "$(cat "$cache1")" = "${V1_ALLOW%$'\n'}"
check "its validators are kept beside it" grep -q '^etag "' "$cache1.meta"

# --- 2. a new version --------------------------------------------------------
publish allow.list "$V2_ALLOW"
cp "$W/allow.list" "$TMP/v2.list" && cp "$W/allow.list.minisig" "$TMP/v2.list.minisig"
if until_version 2 3 1 2; then
    ok "version 2 is in force on both daemons within a poll interval (1 s, jittered; waited at most 3 s)"
else not_ok "version 2 is in force on both daemons" "d1: $(version 1), d2: $(version 2)"; fi
expect "the daemon logs the new version" "allow_list $BASE/allow.list: a new version fetched" "$(cat "$TMP/d1/log")"

# --- 3. ETag honoured --------------------------------------------------------
bodies() { grep -c '^/allow.list 200 ' "$N/logs/access.log"; }
b0=$(bodies)
n304=$(grep -c '^/allow.list 304 0$' "$N/logs/access.log")
sleep 3
check "unchanged, the list is not sent again: no new 200 for allow.list in 3 s" test "$(bodies)" = "$b0"
check "...but conditional GETs went on, answered 304 with no body ($(grep -c '^/allow.list 304 0$' "$N/logs/access.log") of them)" \
    test "$(grep -c '^/allow.list 304 0$' "$N/logs/access.log")" -gt "$((n304 + 2))"
check "STATUS counts them as not modified" test "$(status_of 1 list_allow_fetches_not_modified)" -gt 0

# refused CASE WANT [V]: version V (2) stays on both daemons, and each says why
refused() {
    local what=$1 want=$2 v=${3:-2} i f0_1 f0_2 e
    f0_1=$(failed_of 1) f0_2=$(failed_of 2)
    for _ in $(seq 60); do
        [ "$(failed_of 1)" -gt "$f0_1" ] && [ "$(failed_of 2)" -gt "$f0_2" ] && break
        sleep 0.1
    done
    for i in 1 2; do
        check "$what: daemon $i keeps version $v in force" test "$(version $i)" = "$v"
        e=$(status_of $i list_allow_last_error)
        expect "$what: daemon $i says why in STATUS" "$want" "$e"
        expect "$what: daemon $i logs it" "$want.*the list in force stays" "$(tail -n 20 "$TMP/d$i/log")"
    done
    check "$what: the failures are counted" test "$(failed_of 1)" -gt "$f0_1"
}

# --- 4. what must not load ---------------------------------------------------
gen1=$(status_of 1 generation) gen2=$(status_of 2 generation)
publish allow.list $'# version bad\n203.0.113.0/24\n192.0.2.300\n'
refused "a list with an error" "$BASE/allow.list:3:[0-9]+: error"
publish allow.list "$V3_ALLOW" "$TMP/other.sec"
refused "a list signed by another key" "signed by key [0-9A-F]+, not by the configured key"
# the key decides what may load, so it is a policy source: one that another
# user owns (and so could replace) is refused, and with it every signed
# list, until it is mended (the key changes hands first: a poll between
# the two steps would take version 3 with the good key)
chown nobody "$TMP/fleet.pub"
publish allow.list "$V3_ALLOW"
refused "a signing key another user owns" "list_signing_key .*refusing a file owned by uid [0-9]+: only root may own it"
chown root "$TMP/fleet.pub"
# the fleet key's signature of version 3, beside version 1's text: never a valid pair
printf '%s' "$V3_ALLOW" > "$TMP/v3.list"
"$MINISIGN" -S -s "$TMP/fleet.sec" -m "$TMP/v3.list" </dev/null >/dev/null 2>&1
printf '%s' "$V1_ALLOW" > "$W/allow.list.new" && mv "$W/allow.list.new" "$W/allow.list"
chmod 644 "$TMP/v3.list.minisig" && mv "$TMP/v3.list.minisig" "$W/allow.list.minisig"
refused "a list that is not the text signed" "signature does not match"
: > "$W/fail500"
refused "an HTTP 500" "the server answered HTTP 500"
rm -f "$W/fail500"
stop_nginx
"$PYTHON" "$top_srcdir/tests/system/badhttp.py" truncate "$NPORT" >"$TMP/bad.out" 2>&1 &
BAD=$!; PIDS="$PIDS $BAD"
for _ in $(seq 50); do grep -q ready "$TMP/bad.out" && break; sleep 0.1; done
refused "a transfer cut short" "transfer closed with [0-9]+ bytes remaining"
kill "$BAD"; wait "$BAD" 2>/dev/null
"$PYTHON" "$top_srcdir/tests/system/badhttp.py" hang "$NPORT" >"$TMP/bad.out" 2>&1 &
BAD=$!; PIDS="$PIDS $BAD"
for _ in $(seq 50); do grep -q ready "$TMP/bad.out" && break; sleep 0.1; done
refused "a server that never answers" "timed out"
check "a hanging server does not hold up decisions (CHECK answers)" test "$(decide 1 198.51.100.1)" = "allow allow-list"
kill "$BAD"; wait "$BAD" 2>/dev/null
refused "no server at all" "(Failed to connect|Couldn't connect)"
check "no reload happened on either daemon while all that was refused" \
    test "$(status_of 1 generation)|$(status_of 2 generation)" = "$gen1|$gen2"

# --- 5. restart from the cache -------------------------------------------------
kill -TERM "$PID1"; wait "$PID1" 2>/dev/null
start_daemon 1
if wait_up 1 "$PID1"; then ok "daemon 1, restarted while nothing serves, starts"
else not_ok "daemon 1 restarts from its cache" "$(tail -n 20 "$TMP/d1/log")"; fi
check "...with version 2 from its cache" test "$(version 1)" = 2
expect "...and says so" "starting from the cached copy $cache1 \\(fetched " "$(tail -n 20 "$TMP/d1/log")"
mkdir -p "$TMP/d3"
sed "s|$TMP/d1|$TMP/d3|g" "$TMP/d1/relaymilter.conf" > "$TMP/d3/relaymilter.conf"
out=$(timeout 20 "$RM" -f -c "$TMP/d3/relaymilter.conf" 2>&1); rc=$?
check "a daemon with no cache and no server refuses to start (exit $rc)" test "$rc" = 1
expect "...naming the list, the URL and the missing copy" \
    "allow_list $BASE/allow.list: not fetched, and no copy cached as $TMP/d3/cache/" "$out"

# --- 6. back, with a legacy signature ----------------------------------------
publish allow.list "$V3_ALLOW" "$TMP/fleet.sec" -l
start_nginx || not_ok "nginx starts again"
if until_version 3 4 1 2; then ok "nginx back with version 3 (legacy signature): in force on both"
else not_ok "version 3 in force on both" "d1: $(version 1), d2: $(version 2)"; fi
check "the last error is cleared" test "$(status_of 2 list_allow_last_error)" = none
# The server serves version 2 again, with its own (older) good signature.
cp "$TMP/v2.list.minisig" "$W/allow.list.minisig.new" && cp "$TMP/v2.list" "$W/allow.list.new"
mv "$W/allow.list.minisig.new" "$W/allow.list.minisig" && mv "$W/allow.list.new" "$W/allow.list"
refused "an older signed list served again" "signed at [0-9]+, before the copy in force" 3

# --- 7. relayctl lint URL ------------------------------------------------------
out=$("$RELAYCTL" -c "$TMP/d2/relaymilter.conf" lint "$BASE/allow.list" 2>&1); rc=$?
check "relayctl lint URL: a good signed list passes (exit $rc)" test "$rc" = 0
publish allow.list "$V3_ALLOW" "$TMP/other.sec"
out=$("$RELAYCTL" -c "$TMP/d2/relaymilter.conf" lint "$BASE/allow.list" 2>&1); rc=$?
check "relayctl lint URL: another key's signature fails (exit $rc)" test "$rc" = 1
expect "...and says why" "$BASE/allow.list: error: signature .*signed by key" "$out"
publish allow.list $'192.0.2.300\n'
out=$("$RELAYCTL" -c "$TMP/d2/relaymilter.conf" lint "$BASE/allow.list" 2>&1); rc=$?
expect "relayctl lint URL: a bad entry is named by URL, line and column" "^$BASE/allow.list:1:[0-9]+: error" "$out"
out=$("$RELAYCTL" -c "$TMP/d2/relaymilter.conf" lint "$BASE/nothere.list" 2>&1); rc=$?
expect "relayctl lint URL: a 404 is an error" "HTTP 404" "$out"

# --- 8. files that reload themselves -----------------------------------------
F=$TMP/files
mkdir -p "$F" && chmod 755 "$F"
printf '192.0.2.0/24\n' > "$F/allow.list"
: > "$F/deny.list"
chmod 644 "$F"/*.list
cat > "$F/relaymilter.conf" <<EOF
milter_socket = inet:$(free_port)@127.0.0.1
control_socket = $F/control.sock
relay_flags = deny, allow
local_domains = example.com
EOF
chmod 644 "$F/relaymilter.conf"
$RM_WRAPPER "$RM" -f -c "$F/relaymilter.conf" >"$F/log" 2>&1 &
PIDF=$!; PIDS="$PIDS $PIDF"
SOCK=$F/control.sock
if wait_ctl "$PIDF"; then ok "a daemon with local list files starts"
else not_ok "the file daemon starts" "$(cat "$F/log")"; finish; fi
fdecide() { ctl CHECK "$1" | awk 'NR==1 {print $2}'; }
until_allows() {
    for _ in $(seq $(($2 * 10))); do [ "$(fdecide "$1")" = allow ] && return 0; sleep 0.1; done
    return 1
}
printf '192.0.2.0/24\n198.51.100.0/24\n' > "$F/allow.tmp" && chmod 644 "$F/allow.tmp"
mv "$F/allow.tmp" "$F/allow.list"
check "a list renamed over the old one is in force within 2 s, with no SIGHUP" until_allows 198.51.100.1 2
printf '192.0.2.0/24\n198.51.100.0/24\n203.0.113.0/24\n' > "$F/allow.list"
check "a list written in place is in force within 2 s" until_allows 203.0.113.1 2
gen=$(sed -n 's/^generation: //p' <<<"$(ctl STATUS)")
# A writer that truncates the file, writes its first line, and holds it
# open: what is there is a valid list, and must not be loaded.
"$PYTHON" - "$F/allow.list" <<'PY' &
import sys, time
with open(sys.argv[1], "w") as f:
    f.write("10.0.0.0/8\n"); f.flush()
    time.sleep(4)
    f.write("192.0.2.0/24\n198.51.100.0/24\n203.0.113.0/24\n")
PY
WRITER=$!
sleep 1.5
gen_now=$(sed -n 's/^generation: //p' <<<"$(ctl STATUS)")
check "a file still being written is not loaded (10.0.0.1 not allowed, 203.0.113.1 still is)" \
    test "$(fdecide 10.0.0.1)|$(fdecide 203.0.113.1)" = "deny|allow"
if [ "$gen_now" = "$gen" ]; then ok "...and no reload happened while it was written"
else not_ok "...and no reload happened while it was written" "generation $gen, now $gen_now: $(tail -n 3 "$F/log")"; fi
wait "$WRITER"
check "once it is closed, the whole new version is in force" until_allows 10.0.0.1 2
check "...with every entry" test "$(fdecide 203.0.113.1)" = allow
st=$(ctl STATUS)
expect "STATUS names a file list's source" "^list_allow_source: $F/allow.list\$" "$st"

# --- the daemons' last checks --------------------------------------------------
for i in 1 2; do
    eval "pid=\$PID$i"
    kill -TERM "$pid"
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    wait "$pid" 2>/dev/null
    check "daemon $i stops with exit 0 on SIGTERM" test $? -eq 0
done
kill -TERM "$PIDF"; wait "$PIDF" 2>/dev/null
check "the file daemon stops with exit 0" test $? -eq 0
reports=$(grep -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$TMP"/d*/log "$F/log" | head -n 5)
check "no sanitizer report in the daemons' logs" test -z "$reports"
stop_nginx
finish
