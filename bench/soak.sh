#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/soak.sh - relaymilter under load for a long time, reloaded every second.
#
# One private Postfix (tests/e2e/lib.sh builds it; accepted mail goes to the
# discard transport) with relaymilter attached as the only relay guard
# (relay_flags = deny, allow; privileges dropped to nobody).  For the whole
# run:
#   - many parallel SMTP sessions (tests/system/smtpload.py) from 32 client
#     addresses 127.0.0.10-41, 1-3 transactions each, relay and local
#     recipients, some with DATA; every RCPT's reply and time is recorded;
#   - smtp-source batches from 127.0.0.1 (allowed by every good list set);
#   - a reload through the control socket every second, cycling A, B, bad,
#     B, A, bad...: A and B are good list sets whose answers differ for 11
#     of the clients, each padded with --filler entries so that a leaked
#     snapshot would show; the bad sets (an error in allow.list or
#     deny.list, a bad relaymilter.conf, a list over max_entries, a
#     group-writable list) must be refused with the old policy kept.
# At the end every decision is checked against the reload timeline (the
# times and generations of the RELOAD answers): a decision is wrong if it
# contradicts every policy that could have been in force between sending the
# RCPT and reading its reply.  Reported: sessions and decisions, wrong
# decisions (must be 0), failed sessions (no 4xx, no timeout: must be 0),
# reloads ok/refused (and that each answer was the expected one), the
# daemon's own decision counters against the client's, and the daemon's
# RSS, threads and fds at start, after warm-up, at peak and at the end (the
# end must stay within max(4 MB, 10%) of the warm-up figure).  Exit 0 if
# all held, 1 if not, 2 if it could not run.  Not part of `make check`.
#
#   bench/soak.sh [--seconds N] [--concurrency N] [--smtp-source-sessions N]
#       [--reload-interval S] [--filler N] [--user USER|none]
#       [--relaymilter PATH] [--report FILE] [--keep]
#
#   --seconds N        how long the load runs (default 600)
#   --concurrency N    parallel python sessions (default 64)
#   --smtp-source-sessions N   parallel smtp-source sessions (default 8; 0: none)
#   --reload-interval S        seconds between reloads (default 1)
#   --filler N         extra entries in each good allow list (default 20000)
#   --user USER        relaymilter's user (default nobody; none: stay root)
#   --report FILE      also write the summary to FILE
#   --keep             keep the temporary directory (logs, details)
#
# Needs root, postfix (and smtp-source from it), python3 and a built
# relaymilter ($top_builddir/milter, ./milter, or --relaymilter).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/.." && pwd)}"

SECONDS_RUN=600 CONC=64 SS_SESS=8 RELOAD=1 FILLER=20000 RUSER=nobody REPORT=
usage() {
    echo "usage: $0 [--seconds N] [--concurrency N] [--smtp-source-sessions N] [--reload-interval S] [--filler N] [--user USER|none] [--relaymilter PATH] [--report FILE] [--keep]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case $1 in
        --seconds) SECONDS_RUN=${2:-}; shift ;;
        --concurrency) CONC=${2:-}; shift ;;
        --smtp-source-sessions) SS_SESS=${2:-}; shift ;;
        --reload-interval) RELOAD=${2:-}; shift ;;
        --filler) FILLER=${2:-}; shift ;;
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
for v in "$SECONDS_RUN" "$CONC" "$SS_SESS" "$FILLER"; do
    [[ $v =~ ^[0-9]+$ ]] || usage
done
[[ $RELOAD =~ ^[0-9]+(\.[0-9]+)?$ ]] || usage
. "$here/lib.sh"
bench_setup soak.sh
SMTP_SOURCE=$(PATH=$PATH:/usr/sbin command -v smtp-source) || { echo "smtp-source not found (package postfix)" >&2; exit 2; }

procs=$((CONC + SS_SESS + 50))
pf_setup "default_transport = discard:soak" "local_transport = discard:soak" \
    "defer_transports =" "smtpd_sasl_auth_enable = no" "default_process_limit = $procs" \
    "in_flow_delay = 0" "smtpd_peername_lookup = no" || { echo "postfix setup failed" >&2; exit 2; }
pf_start || { echo "postfix did not start" >&2; exit 2; }
master0=$(pf_master_pid)

rm_list deny.list
rm_list local-ip.list
rm_config "relay_flags = deny, allow" "max_entries = $((FILLER + 5000))" ${RUSER:+"user = $RUSER"}
"$PYTHON" "$LOAD" prepare --dir "$RM_DIR" --filler "$FILLER" || exit 2
rm_start || { echo "relaymilter did not start" >&2; exit 2; }
note "relaymilter $RELAYMILTER (pid $RM_PID${RUSER:+, user $RUSER}); postfix port $SMTP_PORT; tmp $E2E_TMP"
rss_boot=$(awk '/^VmRSS/ {print $2}' "/proc/$RM_PID/status")
note "RSS at start: $rss_boot kB"

"$PYTHON" "$LOAD" sanity --dir "$RM_DIR" --ctl "$RM_DIR/control.sock" --filler "$FILLER" |
    sed 's/^/# /'
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "sanity check failed: the model and the daemon disagree" >&2; exit 1; }

note "load: $SECONDS_RUN s, $CONC python sessions + $SS_SESS smtp-source sessions, reload every $RELOAD s, $FILLER filler entries per good list, $(nproc) CPUs"
"$PYTHON" "$LOAD" run --dir "$RM_DIR" --ctl "$RM_DIR/control.sock" --port "$SMTP_PORT" \
    --pid "$RM_PID" --seconds "$SECONDS_RUN" --concurrency "$CONC" --reload-interval "$RELOAD" \
    --filler "$FILLER" --smtp-source "$SMTP_SOURCE" --smtp-source-sessions "$SS_SESS" \
    --rss-series "$E2E_TMP/rss.txt" --details "$E2E_TMP/details.txt" \
    --report "$E2E_TMP/report.txt"
rc=$?
[ -n "$REPORT" ] && { { echo "RSS at daemon start: $rss_boot kB"; cat "$E2E_TMP/report.txt"; } > "$REPORT"; }

# The daemon and Postfix themselves.
if ! rm_running; then
    echo "relaymilter is no longer running"; rc=1
fi
[ "$(pf_master_pid)" = "$master0" ] || { echo "Postfix's master changed (restarted?)"; rc=1; }
bad=$(grep -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$RM_DIR/daemon.log" | head -n 3)
[ -z "$bad" ] || { echo "sanitizer reports in the daemon log:"; echo "$bad"; rc=1; }
warn=$(grep -c -E 'warning|error' "$RM_DIR/daemon.log")
note "daemon log: $(wc -l < "$RM_DIR/daemon.log") lines, $warn warnings/errors (the refused reloads log one each)"
note "postfix log: $(grep -c 'milter' "$PF_DIR/maillog") lines about milters, $(grep -c -E 'warning: milter' "$PF_DIR/maillog") milter warnings, $(grep -c ' fatal: \| panic: ' "$PF_DIR/maillog") fatal/panic"
grep -E 'warning: milter' "$PF_DIR/maillog" | head -n 3 | sed 's/^/#   /'
exit $rc
