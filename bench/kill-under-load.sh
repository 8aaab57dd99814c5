#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/kill-under-load.sh - relaymilter killed under load: Postfix tempfails,
# nothing relays; a restart resumes service.
#
# One private Postfix (tests/e2e/lib.sh; milter_default_action = tempfail,
# as the README requires when relaymilter is the single source of truth)
# with relaymilter attached (relay_flags = deny, allow; list set A of
# tests/system/smtpload.py; user nobody).  Parallel SMTP sessions from 32
# client addresses run throughout.  After a warm-up relaymilter is killed
# with SIGKILL, left down for --down seconds, and started again (the stale
# control socket is replaced), --kills times.  Every session is then judged
# by when it ran:
#   up       (started after a restart was serving, ended before the next
#            kill): every decision right, no 4xx, no failure;
#   down     (started after the daemon was dead, ended before the restart
#            began): refused with 4xx, no relay recipient accepted, no
#            refused connection or timeout (Postfix itself stays up);
#   mixed    (ran across a kill or a restart): 4xx allowed, but no wrong
#            decision and no failure.
# Also reported: how soon the first 4xx came after each kill, how long each
# restart took, how soon the first decision came after it, and that Postfix
# was never restarted.  Exit 0 if all held, 1 if not, 2 if it could not run.
#
#   bench/kill-under-load.sh [--kills N] [--down S] [--up S] [--concurrency N]
#       [--user USER|none] [--relaymilter PATH] [--report FILE] [--keep]
#
# Defaults: 3 kills, 3 s down, 6 s up between them, 32 parallel sessions.
# Needs root, postfix, python3 and a built relaymilter.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"

KILLS=3 DOWN=3 UP=6 CONC=32 RUSER=nobody REPORT=
usage() {
    echo "usage: $0 [--kills N] [--down S] [--up S] [--concurrency N] [--user USER|none] [--relaymilter PATH] [--report FILE] [--keep]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case $1 in
        --kills) KILLS=${2:-}; shift ;;
        --down) DOWN=${2:-}; shift ;;
        --up) UP=${2:-}; shift ;;
        --concurrency) CONC=${2:-}; shift ;;
        --user) RUSER=${2:-}; shift ;;
        --relaymilter) RELAYMILTER=${2:-}; shift ;;
        --report) REPORT=${2:-}; shift ;;
        --keep) export E2E_KEEP=1 ;;
        -h|--help) sed -n '2,/^\[ -n/s/^# \{0,1\}//p' "$0" | sed '$d'; exit 0 ;;
        *) usage ;;
    esac
    [ $# -gt 0 ] || usage
    shift
done
for v in "$KILLS" "$DOWN" "$UP" "$CONC"; do
    [[ $v =~ ^[0-9]+$ ]] || usage
done
[ "$KILLS" -ge 1 ] && [ "$DOWN" -ge 1 ] && [ "$UP" -ge 1 ] || usage
. "$here/lib.sh"
bench_setup kill-under-load.sh
pf_setup "default_transport = discard:kill" "local_transport = discard:kill" \
    "defer_transports =" "smtpd_sasl_auth_enable = no" "default_process_limit = $((CONC + 50))" \
    "in_flow_delay = 0" "smtpd_peername_lookup = no" "milter_default_action = tempfail" ||
    { echo "postfix setup failed" >&2; exit 2; }
pf_start || { echo "postfix did not start" >&2; exit 2; }
master0=$(pf_master_pid)

rm_list deny.list
rm_list local-ip.list
rm_config "relay_flags = deny, allow" "max_entries = 25000" ${RUSER:+"user = $RUSER"}
"$PYTHON" "$LOAD" prepare --dir "$RM_DIR" --filler 20000 || exit 2
rm_start || { echo "relaymilter did not start" >&2; exit 2; }
note "relaymilter $RELAYMILTER (pid $RM_PID${RUSER:+, user $RUSER}); postfix port $SMTP_PORT; tmp $E2E_TMP"

EV=$E2E_TMP/events
STOP=$E2E_TMP/stop
: > "$EV"
now() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }
total=$((5 + KILLS * (DOWN + UP) + 60))
note "load: $CONC parallel sessions; $KILLS kills, each $DOWN s down and $UP s up after the restart"
"$PYTHON" "$LOAD" run --dir "$RM_DIR" --ctl "$RM_DIR/control.sock" --port "$SMTP_PORT" \
    --seconds "$total" --stop-file "$STOP" --concurrency "$CONC" --reload-interval 0 \
    --filler 20000 --events "$EV" --details "$E2E_TMP/details.txt" \
    --report "$E2E_TMP/report.txt" &
load=$!
sleep 5
rc=0
for k in $(seq "$KILLS"); do
    pid=$RM_PID
    tk=$(now)
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    RM_PID=
    echo "kill $tk $(now)" >> "$EV"
    sleep "$DOWN"
    t0=$(now)
    if ! rm_start; then
        echo "relaymilter did not restart after kill $k" >&2
        rc=1
        break
    fi
    echo "restart $t0 $(now)" >> "$EV"
    note "kill $k: pid $pid killed, restarted as pid $RM_PID"
    sleep "$UP"
done
touch "$STOP"
wait "$load" || rc=1
[ -n "$REPORT" ] && cp "$E2E_TMP/report.txt" "$REPORT"

gen=$(ctl STATUS | sed -n 's/^generation: //p')
if rm_running && [ -n "$gen" ]; then
    note "the last restart serves: pid $RM_PID, generation $gen"
else
    echo "relaymilter is not serving at the end"; rc=1
fi
[ "$(pf_master_pid)" = "$master0" ] || { echo "Postfix's master changed (restarted?)"; rc=1; }
note "postfix log: $(grep -c 'warning: connect to Milter service' "$PF_DIR/maillog") refused milter connections, $(grep -c -E 'warning: milter .*(read|write|EOF|timeout)' "$PF_DIR/maillog") broken milter conversations, $(grep -c ' fatal: \| panic: ' "$PF_DIR/maillog") fatal/panic"
grep -E 'warning: (connect to Milter|milter )' "$PF_DIR/maillog" | sed 's/^[^]]*\]: //; s/[0-9A-F]\{8,\}: //' |
    sed -E 's/port [0-9]+/port N/; s/:[0-9]+:/:N:/g' | sort | uniq -c | sort -rn | head -n 4 | sed 's/^/#   /'
exit $rc
