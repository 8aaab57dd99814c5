#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# .ci/fetch-sendmail.sh - fetch and unpack the Sendmail the end-to-end
# tests run, so that `make check` itself never reaches the network (it is
# kept out of tests/, whose scripts tests/admin/offline.sh holds to that).
#
#   .ci/fetch-sendmail.sh CACHE
#
# Debian's sendmail packages conflict with postfix, so they are not
# installed: sendmail-bin, sendmail-base, sendmail-cf and libwrap0 are
# fetched with `apt-get download` and unpacked with `dpkg -x` into
# CACHE/root; sasl2-bin and libsasl2-modules too when the machine lacks
# Cyrus SASL's tools or plugins.  A stamp file per group says it is done,
# so a second run fetches nothing.  ./quickstart.sh test runs this before
# `make check` and points the tests at CACHE (SM_CACHE).  Needs root (apt's
# download sandbox) and Debian's mirror.
set -u
cache=${1:?usage: $0 CACHE}
root=$cache/root
SM_PKGS="sendmail-bin sendmail-base sendmail-cf libwrap0"
SM_SASL_PKGS="sasl2-bin libsasl2-modules"

say() { printf '.ci/fetch-sendmail.sh: %s\n' "$*"; }

# download DIR PKG...: apt-get download into DIR; once more after an
# apt-get update when the package lists are empty or stale
download() {
    local dir=$1; shift
    ( cd "$dir" && apt-get download -q "$@" ) >"$dir/apt.log" 2>&1 && return 0
    say "apt-get download $* failed; apt-get update and once more"
    apt-get update -qq >>"$dir/apt.log" 2>&1 &&
        ( cd "$dir" && apt-get download -q "$@" ) >>"$dir/apt.log" 2>&1
}

# unpack STAMP PKG...: download PKG... and unpack them into $root, unless
# STAMP says that was done
unpack() {
    local stamp=$cache/$1 dl=$cache/dl f; shift
    [ -f "$stamp" ] && return 0
    rm -rf "$dl"
    mkdir -p "$dl" "$root" || return 1
    # apt's sandbox user must be able to write the download directory.
    chmod 777 "$dl"
    download "$dl" "$@" || {
        sed 's/^/    /' "$dl/apt.log" | tail -n 5 >&2
        rm -rf "$dl"
        return 1
    }
    for f in "$dl"/*.deb; do
        dpkg -x "$f" "$root" || { say "dpkg -x $f failed"; return 1; }
    done
    ( cd "$dl" && ls ./*.deb ) > "$stamp"
    rm -rf "$dl"
}

# has_sasl: the machine's own saslpasswd2 and PLAIN, LOGIN, sasldb plugins
has_sasl() {
    local d
    PATH=$PATH:/usr/sbin command -v saslpasswd2 >/dev/null 2>&1 || return 1
    for d in /usr/lib/*/sasl2 /usr/lib/sasl2; do
        compgen -G "$d/libplain.so*" >/dev/null && compgen -G "$d/liblogin.so*" >/dev/null &&
            compgen -G "$d/libsasldb.so*" >/dev/null && return 0
    done
    return 1
}

mkdir -p "$cache" || exit 1
exec {lock}>"$cache/.lock"
command -v flock >/dev/null 2>&1 && flock "$lock"
unpack sendmail.stamp $SM_PKGS || { say "cannot fetch $SM_PKGS"; exit 1; }
if [ "${SM_SASL_FROM:-}" = download ] || ! has_sasl; then
    unpack sasl.stamp $SM_SASL_PKGS || { say "cannot fetch $SM_SASL_PKGS"; exit 1; }
fi
say "Sendmail unpacked in $root"
