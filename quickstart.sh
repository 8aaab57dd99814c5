#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# quickstart.sh - build relaymilter and run it, or build it and run every test.
#
#   ./quickstart.sh        install what is missing, build, run relaymilter in
#                          the foreground with the sample configuration in etc/,
#                          and print the main.cf lines for the socket it listens
#                          on; RELAYMILTER_SOCKET=inet:PORT@HOST (or inet6:,
#                          unix:PATH) chooses that socket
#   ./quickstart.sh test   install what is missing (Postfix, swaks, valgrind,
#                          clang's tools, cppcheck too), unpack a private
#                          Sendmail (.ci/fetch-sendmail.sh), then:
#                          - build in build/ and run `make check`;
#                          - build with ASan and UBSan in build-san/ and run
#                            `make check` there, with no sanitizer report
#                            allowed (leaks included);
#                          - tests/valgrind.sh: the Check suites and
#                            relayctl's golden tests under valgrind (build/);
#                          - tests/tsan.sh: the snapshot concurrency test
#                            under ThreadSanitizer (build-tsan/);
#                          - tests/static.sh: cppcheck and scan-build over
#                            lib/, cli/ and milter/ (build-scan/);
#                          - tests/fuzz/run.sh: a minute of libFuzzer for
#                            every fuzz target (build-fuzz/);
#                          - tests/deb/build-install.sh: the Debian package
#                            built, installed, exercised and purged;
#                          and print one "N passed, N failed" for all of it.
#
# Every build is out of the source tree (BUILDDIR overrides build/), since
# configure refuses to build beside a tree that is configured in place; a
# tree configured in place is cleaned with `make distclean` first.
#
# Debian 12.  Packages are installed with apt-get when run as root (or with
# sudo when it is there); nothing else on the machine is changed.
set -eu

top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
mode=${1:-run}
builddir=${BUILDDIR:-$top/build}
sandir=$top/build-san

build_pkgs="autoconf automake pkg-config gcc make libmilter-dev libcidr-dev check libsystemd-dev libcurl4-openssl-dev libsodium-dev"
test_pkgs="postfix swaks miltertest sasl2-bin libsasl2-modules python3 man-db systemd strace util-linux nginx minisign"
check_pkgs="valgrind clang clang-tools cppcheck dpdk-dev"

say() { printf 'quickstart: %s\n' "$*"; }
die() { printf 'quickstart: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root to run: $*"
    fi
}

# install - apt-get install the packages that dpkg does not know as installed
install() {
    missing=
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
            missing="$missing $p"
    done
    [ -n "$missing" ] || return 0
    say "installing:$missing"
    # Postfix must not configure or start a system mail server here.
    echo "postfix postfix/main_mailer_type select No configuration" | as_root debconf-set-selections
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
}

# build DIR [CONFIGURE-ARGS...] - configure DIR once (out of tree unless DIR
# is the top), make there, and leave the shell in DIR
build() {
    local dir=$1
    shift
    cd "$top"
    if [ ! -x configure ] || [ configure.ac -nt configure ]; then
        say "autoreconf"
        autoreconf -fi >/dev/null
    fi
    if [ "$dir" != "$top" ] && [ -f "$top/config.status" ]; then
        # configure refuses a build beside a tree configured in place, and
        # make would take the tree's objects for the build's.
        say "the source tree is configured in place; make distclean there first"
        make distclean >/dev/null 2>&1 || die "make distclean failed in $top"
    fi
    mkdir -p "$dir"
    cd "$dir"
    if [ ! -f Makefile ]; then
        say "configure in ${dir#"$top"/}${CONFIGURE_FLAGS:+ $CONFIGURE_FLAGS}${*:+ $*}"
        # shellcheck disable=SC2086
        "$top/configure" -q ${CONFIGURE_FLAGS:-} "$@"
    fi
    say "make in ${dir#"$top"/}"
    make -j2 >/dev/null
}

# check_build DIR [ENV...] - make check in DIR (built already), with ENV;
# lists each suite's result, and shows the logs of those that failed
check_build() {
    local dir=$1 rc start
    shift
    cd "$dir"
    say "make check in ${dir#"$top"/}"
    start=$(date +%s)
    set +e
    env "$@" make -j2 check >make-check.out 2>&1
    rc=$?
    set -e
    grep -E '^(PASS|FAIL|XPASS|XFAIL|ERROR|SKIP):' make-check.out || true
    if [ "$rc" -ne 0 ]; then
        # Show what failed, so a CI log alone explains it.
        find tests -name '*.trs' -exec grep -l -E '^:test-result: (FAIL|ERROR)' {} + |
        while IFS= read -r trs; do
            echo "---- ${dir#"$top"/}/${trs%.trs}.log"
            tail -n 60 "${trs%.trs}.log"
        done
        grep -E 'error|Error' make-check.out | head -n 20 || true
    fi
    say "make check in ${dir#"$top"/}: $(( $(date +%s) - start )) s"
    cd "$top"
    return "$rc"
}

# script NAME ARGS... - run tests/NAME with ARGS, showing its output and
# keeping it in $builddir/NAME.out for summarize
script() {
    local name=$1 rc start
    shift
    say "tests/$name $*"
    start=$(date +%s)
    set +e
    "$top/tests/$name" "$@" 2>&1 | tee "$builddir/${name//\//-}.out"
    rc=${PIPESTATUS[0]}
    set -e
    say "tests/$name: $(( $(date +%s) - start )) s"
    return "$rc"
}

# summarize DIR... -- OUT... - sum every suite's counts from the test logs
# of each build DIR, and the closing "N passed, N failed" of each script's
# output OUT (one with no such line, a script that stopped early, counts as
# one failure).  Check suites say "Checks: N, Failures: F, Errors: E";
# script suites "N passed, N failed"; a suite that says neither counts as
# one test.
summarize() {
    local passed=0 failed=0 trs log result p f n fl er dir out
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        dir=$1
        shift
        [ -d "$dir/tests" ] || { failed=$((failed + 1)); continue; }
        while IFS= read -r trs; do
            log=${trs%.trs}.log
            result=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
            p=0 f=0
            if read -r n fl er < <(sed -n 's/^[0-9]*%: Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' "$log" | tail -n 1) && [ -n "${n:-}" ]; then
                p=$((n - fl - er)) f=$((fl + er))
            elif read -r n fl < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$log" | tail -n 1) && [ -n "${n:-}" ]; then
                p=$n f=$fl
            elif [ "$result" = PASS ]; then
                p=1
            fi
            # A suite that failed without counting a failure (a crash) still failed.
            if { [ "$result" = FAIL ] || [ "$result" = ERROR ]; } && [ "$f" -eq 0 ]; then
                f=1
            fi
            passed=$((passed + p)) failed=$((failed + f))
            n='' fl='' er=''
        done < <(find "$dir/tests" -name '*.trs' | sort)
    done
    [ "${1:-}" != -- ] || shift
    for out in "$@"; do
        n='' fl=''
        if read -r n fl < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$out" 2>/dev/null | tail -n 1) && [ -n "${n:-}" ]; then
            passed=$((passed + n)) failed=$((failed + fl))
        else
            failed=$((failed + 1))
        fi
    done
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# sanitizer_reports DIR - the reports that sanitized processes wrote to DIR
# (ASAN_OPTIONS/UBSAN_OPTIONS log_path), as one more "ok"/"not ok" suite;
# writes its lines to $builddir/sanitizer-reports.out for summarize.
sanitizer_reports() {
    local dir=$1 f n=0
    {
        for f in "$dir"/*; do
            [ -f "$f" ] || continue
            echo "# $f:"
            head -n 60 "$f" | sed 's/^/#   /'
            n=$((n + 1))
        done
        if [ "$n" -eq 0 ]; then
            echo "ok - build-san: no ASan, UBSan or LeakSanitizer report from any process"
            echo "1 passed, 0 failed"
        else
            echo "not ok - build-san: $n sanitizer reports"
            echo "0 passed, 1 failed"
        fi
    } | tee "$builddir/sanitizer-reports.out"
}

case $mode in
run)
    # shellcheck disable=SC2086
    install $build_pkgs
    build "$builddir"
    conf="$top/etc/relaymilter.conf"
    sock=${RELAYMILTER_SOCKET:-}
    case $sock in
    *[[:space:]]*) die "RELAYMILTER_SOCKET holds white space: want inet:PORT@HOST, inet6:PORT@HOST or unix:/PATH" ;;
    ''|inet:[0-9]*@?*|inet6:[0-9]*@?*|unix:/?*|local:/?*) ;;
    *) die "RELAYMILTER_SOCKET=$sock: want inet:PORT@HOST, inet6:PORT@HOST or unix:/PATH" ;;
    esac
    if [ -x milter/relaymilter ]; then
        chmod go-w "$top"/etc/*.list "$top"/etc/relaymilter.conf 2>/dev/null || true
        if [ "$(id -u)" -eq 0 ] && [ -z "$sock" ]; then
            mkdir -p /run/relaymilter
        else
            # Not root, or a socket of one's own: a private copy of the
            # sample beside the build, with its own control socket.
            mkdir -p quickstart.d
            cp "$top"/etc/*.list quickstart.d/
            { grep -v -E '^(control_socket|milter_socket)[[:space:]]*=' "$conf"
              echo "control_socket = $PWD/quickstart.d/control.sock"
              if [ -n "$sock" ]; then echo "milter_socket = $sock"; else grep -E '^milter_socket[[:space:]]*=' "$conf"; fi
            } > quickstart.d/relaymilter.conf
            chmod 644 quickstart.d/relaymilter.conf quickstart.d/*.list
            conf=$PWD/quickstart.d/relaymilter.conf
        fi
        # The socket as the daemon reads the configuration (-n), in
        # Postfix's spelling: inet:HOST:PORT, inet:[HOST]:PORT, unix:PATH.
        if ! checked=$(milter/relaymilter -n -c "$conf" 2>&1); then
            printf '%s\n' "$checked" >&2
            die "relaymilter refuses $conf"
        fi
        msock=$(printf '%s\n' "$checked" | sed -n 's/^milter_socket: //p')
        port=${msock%%@*} host=${msock#*@}
        port=${port#*:} host=${host#[} host=${host%]}
        case $msock in
        inet:*@*)  pf="inet:$host:$port" ;;
        inet6:*@*) pf="inet:[$host]:$port" ;;
        *)         pf="unix:${msock#*:}" ;;
        esac
        say "relaymilter will listen on $msock; attach Postfix by adding these two lines"
        say "to /etc/postfix/main.cf, then 'postfix reload':"
        echo
        echo "    smtpd_milters = $pf"
        echo "    milter_default_action = tempfail"
        echo
        say "relaymilter -f -c $conf (Ctrl-C stops it)"
        exec milter/relaymilter -f -c "$conf"
    fi
    say "relaymilter is not built yet; checking the sample lists with relayctl instead"
    for a in 192.0.2.7 192.0.2.66 203.0.113.9; do
        echo "\$ relayctl -c etc/relaymilter.conf check $a"
        cli/relayctl -c "$conf" check "$a" || true
    done
    ;;
test)
    # shellcheck disable=SC2086
    install $build_pkgs $test_pkgs $check_pkgs
    [ "$builddir" != "$top" ] || die "the tests build beside the tree: BUILDDIR cannot be the top"
    started=$(date +%s)
    rc=0
    # Sendmail conflicts with Postfix, so its end-to-end tests run a copy
    # unpacked from Debian's packages: fetched here, because make check
    # never reaches the network.
    export SM_CACHE=$top/build-deps/sendmail
    "$top/.ci/fetch-sendmail.sh" "$SM_CACHE" ||
        say "Sendmail could not be fetched: its end-to-end tests will be skipped"
    build "$builddir"
    check_build "$builddir" || rc=1

    # The sanitizer build runs the same tests.  Every sanitized process,
    # the daemon after it drops privileges included, writes any report to
    # its own file in sanlogs, so that no report can hide in a test that
    # throws standard error away.
    build "$sandir" --enable-sanitizers
    sanlogs=$sandir/sanitizer-logs
    rm -rf "$sanlogs"
    mkdir -p "$sanlogs"
    chmod 1777 "$sanlogs"
    check_build "$sandir" \
        ASAN_OPTIONS="detect_leaks=1:log_path=$sanlogs/asan" \
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$sanlogs/ubsan" || rc=1
    sanitizer_reports "$sanlogs"

    script valgrind.sh "$builddir" || rc=1
    script tsan.sh "$top/build-tsan" || rc=1
    script static.sh "$top/build-scan" || rc=1
    # A minute of libFuzzer for every target: any crash, leak or sanitizer
    # report fails the run.
    export FUZZ_OUT=$top/build-fuzz
    script fuzz/run.sh "${FUZZ_SECONDS:-60}" || rc=1
    # The Debian package: built, installed, exercised and purged.
    script deb/build-install.sh || rc=1
    say "all of it: $(( $(date +%s) - started )) s"

    if summarize "$builddir" "$sandir" -- "$builddir/sanitizer-reports.out" \
        "$builddir/valgrind.sh.out" "$builddir/tsan.sh.out" "$builddir/static.sh.out" \
        "$builddir/fuzz-run.sh.out" "$builddir/deb-build-install.sh.out" &&
        [ "$rc" -eq 0 ]; then
        exit 0
    fi
    exit 1
    ;;
*)
    echo "usage: $0 [test]" >&2
    exit 2
    ;;
esac
