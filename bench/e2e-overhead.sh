#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/e2e-overhead.sh - what relaymilter costs a real Postfix.
#
# One private Postfix instance (tests/e2e/lib.sh builds it) with SMTP
# listeners that differ only in smtpd_milters or smtpd_relay_restrictions:
#   127.0.0.1:PORT_OFF   no milter; the client is permitted by mynetworks
#   127.0.0.1:PORT_ON    relaymilter
#   127.0.0.1:PORT_POL   relaymilter's policy service, Postfix's relay gate
#                        shut: check_policy_service, reject_unauth_destination
#   127.0.0.1:PORT_NULL  a null milter (compiled here from 20 lines of C, if
#                        cc and libmilter-dev are there): the cheapest milter
#                        Postfix can talk to, to tell relaymilter's own cost
#                        from the cost of the milter protocol itself.
# The same smtp-source load (by default one connection per message, relay
# recipients from the allowed client 127.0.0.1, so that relaymilter decides
# every recipient) goes to each in alternating rounds, after a warm-up of
# each; accepted mail goes to the discard transport and never leaves.  Prints
# per-round and median messages/s, CPU per message of the milter processes,
# and the ratios with/without.  The allow list holds 200,000 entries (-a)
# besides 127.0.0.1.  Target: >= 0.90 of Postfix alone, which the policy
# service meets and no milter can (the milter protocol costs more); exit 0
# if the policy service's ratio meets it.
#
#   bench/e2e-overhead.sh [-m MESSAGES] [-s SESSIONS] [-r ROUNDS] [-l BYTES]
#       [-R RCPTS] [-a ENTRIES] [-d] [--socket inet|unix] [--no-null] [--relaymilter PATH]
#
#   -d              several messages per connection (smtp-source -d)
#   --socket unix   relaymilter (and the null milter) on unix sockets
#
# Needs root, postfix (smtp-source), python3 and a built relaymilter (looked
# for in $top_builddir/milter, ./milter, and the source tree).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"

MESSAGES=2000 SESSIONS=10 ROUNDS=5 LENGTH=1024 RCPTS=1 KEEPALIVE= SOCKET=inet NULL=1 ENTRIES=200000
usage() {
    echo "usage: $0 [-m MESSAGES] [-s SESSIONS] [-r ROUNDS] [-l BYTES] [-R RCPTS] [-a ENTRIES] [-d] [--socket inet|unix] [--no-null] [--relaymilter PATH]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case $1 in
        -m) MESSAGES=$2; shift ;;
        -s) SESSIONS=$2; shift ;;
        -r) ROUNDS=$2; shift ;;
        -l) LENGTH=$2; shift ;;
        -R) RCPTS=$2; shift ;;
        -a) ENTRIES=$2; shift ;;
        -d) KEEPALIVE=-d ;;
        --socket) SOCKET=$2; shift; case $SOCKET in inet|unix) ;; *) usage ;; esac ;;
        --no-null) NULL= ;;
        --relaymilter) RELAYMILTER=$2; shift ;;
        -h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) usage ;;
    esac
    [ $# -gt 0 ] || usage
    shift
done
if [ -z "${RELAYMILTER:-}" ]; then
    for c in ${top_builddir:+"$top_builddir/milter/relaymilter"} ./milter/relaymilter \
             "$top_srcdir/milter/relaymilter"; do
        [ -x "$c" ] && { RELAYMILTER=$(cd "$(dirname "$c")" && pwd)/relaymilter; break; }
    done
fi
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/e2e/lib.sh"

SMTP_SOURCE=$(PATH=$PATH:/usr/sbin command -v smtp-source) || { echo "smtp-source not found (package postfix)" >&2; exit 2; }
[ -x "${RELAYMILTER:-}" ] || { echo "relaymilter not found; build it or pass --relaymilter PATH" >&2; exit 2; }

e2e_init
read -r PORT_OFF PORT_NULL < <(free_ports)
read -r NULL_MILTER_PORT PORT_POL < <(free_ports)
read -r POLICY_PORT _ < <(free_ports)
PORT_ON=$SMTP_PORT

# ---- the null milter (optional)
NULL_PID=
bench_cleanup() { [ -n "$NULL_PID" ] && kill "$NULL_PID" 2>/dev/null; e2e_cleanup; }
trap bench_cleanup EXIT
if [ -n "$NULL" ]; then
    cat > "$E2E_TMP/null.c" <<'C'
/* null milter: switches off what relaymilter switches off, decides nothing */
#include <libmilter/mfapi.h>
static sfsistat neg(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                    unsigned long f3, unsigned long *p0, unsigned long *p1,
                    unsigned long *p2, unsigned long *p3)
{
    (void) ctx; (void) f0; (void) f2; (void) f3;
    *p0 = *p2 = *p3 = 0;
    *p1 = f1 & (SMFIP_NOHELO | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOBODY | SMFIP_NOUNKNOWN);
    return SMFIS_CONTINUE;
}
static sfsistat rcpt(SMFICTX *ctx, char **argv) { (void) ctx; (void) argv; return SMFIS_CONTINUE; }
int main(int argc, char **argv)
{
    struct smfiDesc d = { "null", SMFI_VERSION, 0, 0, 0, 0, rcpt, 0, 0, 0, 0, 0, 0, 0, 0, neg };
    (void) argc;
    smfi_setconn(argv[1]);
    if (smfi_register(d) != MI_SUCCESS) return 1;
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
C
    # shellcheck disable=SC2046
    if ! cc -O2 -o "$E2E_TMP/null" "$E2E_TMP/null.c" $(pkg-config --cflags --libs milter 2>/dev/null || echo -lmilter) -pthread 2>"$E2E_TMP/null.err"; then
        note "no null milter (cc or libmilter-dev missing): $(head -n 1 "$E2E_TMP/null.err")"
        NULL=
    fi
fi

if [ "$SOCKET" = unix ]; then
    RM_MILTER_SOCKET=unix:$RM_DIR/milter.sock
    ON_MILTER=$RM_MILTER_SOCKET
    NULL_SOCKET=unix:$E2E_TMP/null.sock
    NULL_MILTER=$NULL_SOCKET
else
    ON_MILTER=inet:127.0.0.1:$MILTER_PORT
    NULL_SOCKET=inet:$NULL_MILTER_PORT@127.0.0.1
    NULL_MILTER=inet:127.0.0.1:$NULL_MILTER_PORT
fi

note "relaymilter $RELAYMILTER"
pf_setup "smtpd_milters =" \
    "default_transport = discard:benchmark" "local_transport = discard:benchmark" \
    "defer_transports =" "smtpd_sasl_auth_enable = no" "default_process_limit = 200" \
    "in_flow_delay = 0"
{
    grep -v -e "^127.0.0.1:$SMTP_PORT " -e '^127.0.0.2:' "$PF_DIR/master.cf"
    echo "127.0.0.1:$PORT_OFF inet n - n - - smtpd -o smtpd_milters="
    echo "127.0.0.1:$PORT_ON inet n - n - - smtpd -o smtpd_milters=$ON_MILTER"
    [ -n "$NULL" ] && echo "127.0.0.1:$PORT_NULL inet n - n - - smtpd -o smtpd_milters=$NULL_MILTER"
    echo "127.0.0.1:$PORT_POL inet n - n - - smtpd -o smtpd_milters=" \
        "-o smtpd_relay_restrictions=check_policy_service,inet:127.0.0.1:$POLICY_PORT,reject_unauth_destination"
} > "$PF_DIR/master.cf.new" && mv "$PF_DIR/master.cf.new" "$PF_DIR/master.cf"
pf_start || { echo "postfix did not start" >&2; exit 1; }

# 127.0.0.1 and ENTRIES random /32s of 10.0.0.0/8.
"$PYTHON" - "$RM_DIR/allow.list" "$ENTRIES" <<'PY'
import random, sys
random.seed(1)
with open(sys.argv[1], "w") as f:
    f.write("127.0.0.1\n")
    for a in random.sample(range(1 << 24), int(sys.argv[2])):
        f.write("10.%d.%d.%d\n" % (a >> 16, (a >> 8) & 255, a & 255))
PY
rm_list deny.list
rm_list local-ip.list
RM_POLICY_SOCKET=inet:$POLICY_PORT@127.0.0.1
rm_config "relay_flags = allow"
rm_start || { echo "relaymilter did not start" >&2; exit 1; }
# smtpd runs as postfix: it must be able to connect to unix sockets.
[ "$SOCKET" = unix ] && chmod 666 "$RM_DIR/milter.sock"
if [ -n "$NULL" ]; then
    "$E2E_TMP/null" "$NULL_SOCKET" 2>"$E2E_TMP/null.log" &
    NULL_PID=$!
    for i in $(seq 50); do
        if [ "$SOCKET" = unix ]; then [ -S "$E2E_TMP/null.sock" ] && chmod 666 "$E2E_TMP/null.sock" && break
        else wait_port 127.0.0.1 "$NULL_MILTER_PORT" 1 && break; fi
        sleep 0.1
    done
fi

# Sanity: the relaymilter listener really runs relaymilter, the others do not.
code() { rcpt_code "$("$PYTHON" "$SMTPC" --port "$1" --src "$2" user@remote.example)" user@remote.example; }
a=$(code "$PORT_ON" 127.0.0.1) b=$(code "$PORT_ON" 127.0.0.6) c=$(code "$PORT_OFF" 127.0.0.6)
note "sanity: relaymilter: allowed client $a, unlisted client $b; no milter: unlisted client $c"
e=$(code "$PORT_POL" 127.0.0.1) f=$(code "$PORT_POL" 127.0.0.6)
note "sanity: policy service: allowed client $e, unlisted client $f"
[ "$a" = 250 ] && [ "$b" = 550 ] && [ "$c" = 250 ] && [ "$e" = 250 ] && [ "$f" = 554 ] ||
    { echo "sanity check failed" >&2; pf_log_tail; exit 1; }
if [ -n "$NULL" ]; then
    d=$(code "$PORT_NULL" 127.0.0.6)
    note "sanity: null milter: unlisted client $d"
    [ "$d" = 250 ] || { echo "the null milter does not work" >&2; pf_log_tail; exit 1; }
fi

ticks() { [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] && awk '{ print $14 + $15 }' "/proc/$1/stat" || echo 0; }
HZ=$(getconf CLK_TCK)

# round PORT PID: send the load; print messages/s and the milter's CPU ms per message
round() {
    local t0 t1 c0 c1 out
    c0=$(ticks "${2:-}")
    t0=${EPOCHREALTIME/,/.}
    out=$("$SMTP_SOURCE" $KEEPALIVE -l "$LENGTH" -m "$MESSAGES" -s "$SESSIONS" -r "$RCPTS" \
        -f sender@local.test -t user@remote.example "127.0.0.1:$1" 2>&1) || {
        echo "smtp-source to port $1 failed: $out" >&2; return 1; }
    t1=${EPOCHREALTIME/,/.}
    c1=$(ticks "${2:-}")
    awk -v m="$MESSAGES" -v a="$t0" -v b="$t1" -v c="$((c1 - c0))" -v hz="$HZ" \
        'BEGIN { printf "%.1f %.3f\n", m / (b - a), c * 1000 / hz / m }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

note "load: $MESSAGES messages of $LENGTH bytes, $RCPTS relay recipient(s) each, $SESSIONS parallel sessions, ${KEEPALIVE:+several messages per connection}${KEEPALIVE:-one connection per message}; milters on $SOCKET sockets; $ROUNDS rounds; $(nproc) CPUs"
note "warm-up"
round "$PORT_OFF" >/dev/null && round "$PORT_ON" "$RM_PID" >/dev/null &&
    round "$PORT_POL" "$RM_PID" >/dev/null || exit 1
[ -n "$NULL" ] && { round "$PORT_NULL" "$NULL_PID" >/dev/null || exit 1; }

off=() on=() nul=() pol=() cpu_on=() cpu_null=() cpu_pol=()
for r in $(seq "$ROUNDS"); do
    order="off pol on null"
    [ $((r % 2)) -eq 0 ] && order="null on pol off"
    line="round $r:"
    for w in $order; do
        case $w in
            off) read -r v _ < <(round "$PORT_OFF") || exit 1; off+=("$v"); line+=$(printf '  none %7s' "$v") ;;
            on) read -r v c < <(round "$PORT_ON" "$RM_PID") || exit 1; on+=("$v"); cpu_on+=("$c"); line+=$(printf '  relaymilter %7s' "$v") ;;
            pol) read -r v c < <(round "$PORT_POL" "$RM_PID") || exit 1; pol+=("$v"); cpu_pol+=("$c"); line+=$(printf '  policy %7s' "$v") ;;
            null) [ -n "$NULL" ] || continue
                read -r v c < <(round "$PORT_NULL" "$NULL_PID") || exit 1; nul+=("$v"); cpu_null+=("$c"); line+=$(printf '  null %7s' "$v") ;;
        esac
    done
    echo "$line  msg/s"
done

m_off=$(printf '%s\n' "${off[@]}" | median)
m_on=$(printf '%s\n' "${on[@]}" | median)
c_on=$(printf '%s\n' "${cpu_on[@]}" | median)
ratio=$(awk -v a="$m_on" -v b="$m_off" 'BEGIN { printf "%.3f", a / b }')
printf 'without a milter:    %8s msg/s (median of %d rounds)\n' "$m_off" "$ROUNDS"
printf 'with relaymilter:    %8s msg/s; relaymilter CPU %s ms/msg\n' "$m_on" "$c_on"
if [ -n "$NULL" ]; then
    m_null=$(printf '%s\n' "${nul[@]}" | median)
    c_null=$(printf '%s\n' "${cpu_null[@]}" | median)
    printf 'with a null milter:  %8s msg/s; null milter CPU %s ms/msg\n' "$m_null" "$c_null"
    printf 'ratio null milter/without:  %s (the milter protocol alone)\n' \
        "$(awk -v a="$m_null" -v b="$m_off" 'BEGIN { printf "%.3f", a / b }')"
    printf 'ratio relaymilter/null:     %s (relaymilter itself)\n' \
        "$(awk -v a="$m_on" -v b="$m_null" 'BEGIN { printf "%.3f", a / b }')"
fi
printf 'ratio relaymilter/without:  %s (target >= 0.90)\n' "$ratio"
m_pol=$(printf '%s\n' "${pol[@]}" | median)
c_pol=$(printf '%s\n' "${cpu_pol[@]}" | median)
pratio=$(awk -v a="$m_pol" -v b="$m_off" 'BEGIN { printf "%.3f", a / b }')
printf 'with the policy service: %8s msg/s; relaymilter CPU %s ms/msg\n' "$m_pol" "$c_pol"
printf 'ratio policy/without:       %s (target >= 0.90)\n' "$pratio"
decided=$(ctl STATUS 2>/dev/null | sed -n 's/^decisions_allow_list: //p')
note "relaymilter allow decisions: ${decided:-?}; milter rejections in the Postfix log: $(grep -c 'milter-reject: RCPT from localhost' "$PF_DIR/maillog"); allow list $((ENTRIES + 1)) entries"
awk -v r="$pratio" 'BEGIN { exit !(r >= 0.90) }'
