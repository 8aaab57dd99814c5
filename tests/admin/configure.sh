#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# configure.sh - configure ends with a summary of what it found and where
# "make install" puts things; this build's summary (kept in config.log)
# is held against what the Makefile itself installs to and what
# pkg-config reports.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
. "$srcdir/tests/system/lib.sh"

log=$builddir/config.log
summary=$(sed -n '/^relaymilter [^ ]*: configuration summary$/,/^$/p' "$log" 2>/dev/null)
if [ -n "$summary" ]; then ok "config.log holds configure's summary"; else not_ok "config.log holds configure's summary"; fi
# row NAME: the value of the summary's row NAME
row() { printf '%s\n' "$summary" | sed -n "s/^    $1  *//p" | head -n 1; }
# made VAR: the Makefile's VAR as make expands it
made() { printf 'rm-show:\n\t@echo $(%s)\n' "$1" | env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$builddir" -f Makefile -f - rm-show; }

for pair in "programs:sbindir" "manuals:mandir" "systemd unit:systemdsystemunitdir" \
            "bash completion:bashcompletiondir" "configuration:relaymilterconfdir"; do
    name=${pair%%:*} var=${pair#*:}
    got=$(row "$name") want=$(made "$var")
    if [ -n "$want" ] && [ "$got" = "$want" ]; then ok "summary: $name $want"; else not_ok "summary: $name $want" "got: $got"; fi
done
for pair in "libmilter:milter" "Check:check" "libsystemd:libsystemd"; do
    name=${pair%%:*} mod=${pair#*:}
    want=$(pkg-config --modversion "$mod" 2>/dev/null)
    got=$(row "$name")
    case $got in "$want"|"$want "*) ok "summary: $name $want" ;; *) not_ok "summary: $name $want" "got: $got" ;; esac
done
for name in postfix miltertest; do
    var=$(echo "$name" | tr a-z A-Z)
    want=$(made "$var")
    got=$(row "$name")
    case $want in
    "") case $got in "not found"*) ok "summary: $name not found" ;; *) not_ok "summary: $name not found" "got: $got" ;; esac ;;
    *) if [ "$got" = "$want" ]; then ok "summary: $name $want"; else not_ok "summary: $name $want" "got: $got"; fi ;;
    esac
done
finish
