#!/usr/bin/env bash
# quickstart.sh - build relaymilter and run it, or build it and run every test.
#
#   ./quickstart.sh        install what is missing, build, run relaymilter in
#                          the foreground with the sample configuration in etc/
#   ./quickstart.sh test   install what is missing (Postfix and swaks too),
#                          build, run `make check`, print "N passed, N failed"
#
# Debian 12.  Packages are installed with apt-get when run as root (or with
# sudo when it is there); nothing else on the machine is changed.
set -eu

top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
mode=${1:-run}
builddir=${BUILDDIR:-$top}

build_pkgs="autoconf automake libtool pkg-config gcc make libmilter-dev libcidr-dev check"
test_pkgs="postfix swaks miltertest sasl2-bin libsasl2-modules python3 man-db"

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

build() {
    if [ ! -x configure ] || [ configure.ac -nt configure ]; then
        say "autoreconf"
        autoreconf -fi >/dev/null
    fi
    mkdir -p "$builddir"
    cd "$builddir"
    if [ ! -f Makefile ]; then
        say "configure ${CONFIGURE_FLAGS:-}"
        # shellcheck disable=SC2086
        "$top/configure" -q ${CONFIGURE_FLAGS:-}
    fi
    say "make"
    make -j2 >/dev/null
}

# summarize - sum every suite's counts from the test logs.  Check suites
# say "Checks: N, Failures: F, Errors: E"; script suites "N passed, N failed";
# a suite that says neither counts as one test.
summarize() {
    local passed=0 failed=0 trs log result p f n fl er
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
    done < <(find tests -name '*.trs' | sort)
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

case $mode in
run)
    # shellcheck disable=SC2086
    install $build_pkgs
    build
    conf="$top/etc/relaymilter.conf"
    if [ -x milter/relaymilter ]; then
        if [ "$(id -u)" -eq 0 ]; then
            mkdir -p /run/relaymilter
        else
            # Not root: a private control socket beside the build.
            mkdir -p quickstart.d
            cp "$top"/etc/*.list quickstart.d/
            sed "s|^control_socket = .*|control_socket = $PWD/quickstart.d/control.sock|" \
                "$conf" > quickstart.d/relaymilter.conf
            conf=$PWD/quickstart.d/relaymilter.conf
        fi
        chmod go-w "$top"/etc/*.list "$top"/etc/relaymilter.conf 2>/dev/null || true
        say "attach Postfix by adding these two lines to /etc/postfix/main.cf, then 'postfix reload':"
        echo
        echo "    smtpd_milters = inet:127.0.0.1:8891"
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
    install $build_pkgs $test_pkgs
    build
    say "make check"
    set +e
    make -j2 check >make-check.out 2>&1
    rc=$?
    set -e
    grep -E '^(PASS|FAIL|XPASS|XFAIL|ERROR|SKIP):' make-check.out || true
    if [ "$rc" -ne 0 ]; then
        # Show what failed, so a CI log alone explains it.
        find tests -name '*.trs' -exec grep -l -E '^:test-result: (FAIL|ERROR)' {} + |
        while IFS= read -r trs; do
            echo "---- ${trs%.trs}.log"
            tail -n 60 "${trs%.trs}.log"
        done
        grep -E 'error|Error' make-check.out | head -n 20 || true
    fi
    if summarize && [ "$rc" -eq 0 ]; then exit 0; fi
    exit 1
    ;;
*)
    echo "usage: $0 [test]" >&2
    exit 2
    ;;
esac
