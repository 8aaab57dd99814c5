# SPDX-License-Identifier: BSD-2-Clause
# bench/lib.sh - what soak.sh and kill-under-load.sh share (sourced, not run).
#
# bench_setup NAME: find relaymilter (RELAYMILTER, else the build), load the
# end-to-end harness (tests/e2e/lib.sh), check what the run needs (root, the
# daemon, the load generator, RUSER) and start the harness: temp dir,
# ports, cleanup trap.  Sets LOAD to the load generator.
bench_setup() {
    local name=$1 c
    if [ -z "${RELAYMILTER:-}" ]; then
        for c in ${top_builddir:+"$top_builddir/milter/relaymilter"} ./milter/relaymilter \
                 "$top_srcdir/milter/relaymilter"; do
            [ -x "$c" ] && { RELAYMILTER=$(cd "$(dirname "$c")" && pwd)/relaymilter; break; }
        done
    fi
    : "${top_builddir:=$top_srcdir}"
    # shellcheck source=../tests/e2e/lib.sh
    . "$top_srcdir/tests/e2e/lib.sh"
    LOAD=$top_srcdir/tests/system/smtpload.py

    [ "$(id -u)" -eq 0 ] || { echo "$name needs root (it runs a private Postfix)" >&2; exit 2; }
    [ -x "${RELAYMILTER:-}" ] || { echo "relaymilter not found; build it or pass --relaymilter PATH" >&2; exit 2; }
    [ -r "$LOAD" ] || { echo "$LOAD is missing" >&2; exit 2; }
    if [ "$RUSER" = none ]; then RUSER=; elif ! id "$RUSER" >/dev/null 2>&1; then
        echo "user $RUSER does not exist (--user none keeps root)" >&2; exit 2
    fi
    e2e_init
    # The clients use 32 addresses on loopback (all of 127/8 is local on Linux).
    "$PYTHON" -c "import socket; s=socket.socket(); s.bind(('127.0.0.41',0))" 2>/dev/null ||
        { echo "cannot bind 127.0.0.41" >&2; exit 2; }
}
