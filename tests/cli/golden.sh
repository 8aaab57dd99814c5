#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# golden.sh - relayctl's output and exit status, case by case, against the
# files in tests/cli/golden/ (NAME.out: standard output, NAME.err: standard
# error, NAME.status: exit status).  RM_GOLDEN_UPDATE=1 rewrites them, for
# a human to review with git diff before committing.
set -u
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/lib.sh"

c=relaymilter.conf

# check: every rule, every output form
t check-allow-list        -c $c check 192.0.2.7
t check-deny-beats-allow  -c $c check 192.0.2.66
t check-default-deny      -c $c check 203.0.113.9
t check-auth              -c $c check 203.0.113.9 --auth
t check-local-ip          -c $c check 203.0.113.9 --local-ip 127.0.0.2
t check-local-ip-other    -c $c check 203.0.113.9 --local-ip 127.0.0.3
t check-ipv6              -c $c check 2001:db8:1:2::99
t check-ipv6-brackets     -c $c check '[2001:db8:1::1]'
t check-mapped            -c $c check ::ffff:198.51.100.9
t check-exchange-mask     -c $c check 198.51.100.255
t check-noncontiguous     -c $c check 10.77.255.3
t check-noncontiguous-no  -c $c check 10.77.254.3
t check-range-edge        -c $c check 203.0.113.20
t check-range-outside     -c $c check 203.0.113.21
t check-json              -c $c --json check 192.0.2.7
t check-json-after        -c $c check 203.0.113.9 --json --local-ip ::1
t check-deny-only         -c denyonly.conf check 203.0.113.9
t check-deny-only-denied  -c denyonly.conf check 192.0.2.66
t check-flags-zero        -c none.conf check 192.0.2.7
input='192.0.2.1
192.0.2.66

203.0.113.15
2001:db8:1::1
8.8.8.8
' t check-batch -c $c check -
input='192.0.2.1
10.1
not-an-address
' t check-batch-errors -c $c check -
input="$(printf '192.0.2.1\n\033[2Jgone\nfull\357\274\221width\n')
" t check-batch-escaped -c $c check -
input='192.0.2.1
' t check-batch-json -c $c --json check -

# check: what is refused, and how
t check-bad-address       -c $c check 192.0.2.256
t check-short-address     -c $c check 10.1
t check-no-address        -c $c check
t check-two-addresses     -c $c check 192.0.2.1 192.0.2.2
t check-unknown-option    -c $c check 192.0.2.1 --frob
t check-bad-local-ip      -c $c check 192.0.2.1 --local-ip nowhere
t check-bad-config        -c badconf.conf check 192.0.2.1
t check-missing-config    -c missing.conf check 192.0.2.1
t check-live-no-daemon    -c $c check 192.0.2.1 --live
t check-live-explain      -c $c check 192.0.2.1 --live --explain
t check-json-error        -c badconf.conf --json check 192.0.2.1
t check-json-usage        -c $c --json check 192.0.2.1 --frob

# check: the recipient, the mailer and the address states, as the daemon sees them
t check-rcpt-local        -c $c check 203.0.113.9 --rcpt user@local.test --local-ip 127.0.0.3
t check-rcpt-remote       -c $c check 203.0.113.9 --rcpt user@remote.example --local-ip 127.0.0.3
t check-rcpt-percent      -c $c check 203.0.113.9 --rcpt 'u%remote.example@local.test' --local-ip 127.0.0.3
t check-rcpt-bang         -c $c check 192.0.2.7 --rcpt 'remote.example!u@local.test'
t check-rcpt-source-route -c $c check 203.0.113.9 --rcpt '@local.test:u@remote.example' --local-ip 127.0.0.3
t check-rcpt-literal      -c $c check 203.0.113.9 --rcpt 'u@[192.0.2.1]' --local-ip 127.0.0.3
t check-rcpt-invalid      -c $c check 203.0.113.9 --rcpt 'junk' --local-ip 127.0.0.3
t check-mailer-local      -c mailer.conf check 203.0.113.9 --rcpt u@remote.example --mailer local
t check-mailer-smtp       -c mailer.conf check 203.0.113.9 --rcpt u@remote.example --mailer smtp
t check-mailer-routed     -c mailer.conf check 203.0.113.9 --rcpt 'u%x@remote.example' --mailer local
t check-mailer-unqualified -c mailer.conf check 203.0.113.9 --rcpt user --mailer local
t check-mailer-missing    -c mailer.conf check 203.0.113.9 --rcpt u@remote.example
t check-client-none       -c $c check none
t check-local-wildcard    -c $c check 203.0.113.9 --local-ip 0.0.0.0
t check-local-wildcard-auth -c $c check 203.0.113.9 --local-ip 0.0.0.0 --auth
t check-local-off-hint    -c nolocal.conf check 203.0.113.9 --local-ip 127.0.0.2
t check-explain           -c $c check 192.0.2.66 --local-ip 127.0.0.2 --auth --explain
t check-explain-default   -c $c check 203.0.113.9 --local-ip ::1 --rcpt 'u%remote.example@local.test' --explain
t check-explain-json      -c $c --json check 192.0.2.7 --local-ip 127.0.0.2 --explain
t check-explain-flags-zero -c none.conf check 192.0.2.7 --explain
t check-help              check --help

# lint
t lint-config             -c $c lint
t lint-errors             -c $c lint bad.list
t lint-binary             -c $c lint binary.list
t lint-warnings           -c $c lint warn.list
t lint-wide               -c $c lint wide.list
t lint-wide-deny          -c widedeny.conf lint
t lint-allow-halves       -c $c lint halves.list allow.list
t lint-json               -c $c --json lint warn.list
t lint-missing-file       -c $c lint nosuch.list
t lint-bad-config         -c badconf.conf lint
t lint-unknown-option     lint --frob
t lint-all-at-once        -c $c lint mixed.list
t lint-strict-warnings    -c $c lint --strict warn.list
t lint-strict-clean       -c $c lint --strict allow.list
t lint-open-allow-fails   -c openallow.conf lint
t lint-v6-covers-v4       -c $c lint v6-covers-v4.list
t lint-v6-covers-v4-deny  -c v6deny.conf lint
t lint-wildcard-mask      -c $c lint wildcard.list
t lint-wildcard-slash     -c $c lint wildcard-slash.list
t lint-config-as-list     -c $c lint relaymilter.conf
t lint-json-all           -c $c --json lint mixed.list

# the command line itself
t usage-none
t usage-unknown-command   frob
t usage-unknown-option    --frob check 192.0.2.1
# what a user typed is quoted escaped: no escape sequence reaches the terminal
t usage-unknown-option-escaped "$(printf -- '--\033[2J\033[H')" check 192.0.2.1
t check-address-escaped   -c $c check "$(printf '\357\274\221\033[2J.0.2.1')"
t usage-c-without-file    -c

finish
