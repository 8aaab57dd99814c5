#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# completion.sh - relayctl's bash completion, sourced into bash as
# bash-completion would load it and driven the way readline drives it
# (COMP_WORDS, COMP_CWORD, the function that "complete -p" names):
# commands, list kinds, options of each command, file and directory
# names.  Also: configure puts it where bash-completion looks.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
. "$srcdir/tests/system/lib.sh"

comp=$srcdir/cli/completion/relayctl
relayctl=$builddir/cli/relayctl
TMP=$(mktemp -d "${TMPDIR:-/tmp}/relayctl-comp.XXXXXX") || exit 2
tmp=$TMP
mkdir "$tmp/conf.d" "$tmp/exports"
touch "$tmp/relaymilter.conf" "$tmp/allow.list" "$tmp/exports/ims.reg" "$tmp/exports/notes.txt"

# shellcheck source=/dev/null
if . "$comp" && fn=$(complete -p relayctl 2>/dev/null | sed -n 's/.*-F \([^ ]*\) relayctl$/\1/p') && [ -n "$fn" ]; then
    ok "sourcing it registers a completion function for relayctl ($fn)"
else
    not_ok "sourcing it registers a completion function for relayctl"
    finish
fi

# want "WORDS" "EXPECTED": complete the last of WORDS (after relayctl)
want() {
    local line=$1 expected=$2 got
    read -r -a COMP_WORDS <<< "$relayctl $line"
    [ "${line: -1}" = " " ] || [ -z "$line" ] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    "$fn" relayctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd ' ')
    if [ "$got" = "$expected" ]; then
        ok "relayctl $line<TAB>: $expected"
    else
        not_ok "relayctl $line<TAB>: $expected" "got: $got"
    fi
}

want "" "add check del doctor import-exchange lint list reload status"
want "re" "reload"
want "im" "import-exchange"
want "--j" "--json"
want "-c $tmp/rel" "$tmp/relaymilter.conf"
want "-c $tmp/relaymilter.conf li" "lint list"
want "list " "allow deny local"
want "-c $tmp/relaymilter.conf add d" "deny"
want "del allow 192.0.2.0/24 " ""
want "add allow 192.0.2.0/24 --c" "--comment"
want "add allow 192.0.2.0/24 --comment " ""
want "status --p" "--prometheus"
want "check 192.0.2.7 --l" "--live --local-ip"
want "check 192.0.2.7 --local-ip " ""
want "doctor --" "--help --postfix-config"
want "doctor --postfix-config $tmp/c" "$tmp/conf.d"
want "import-exchange $tmp/exports/" "$tmp/exports/ims.reg"
want "import-exchange ims.reg --d" "--dir --dry-run"
want "import-exchange ims.reg --dir $tmp/e" "$tmp/exports"
want "lint $tmp/a" "$tmp/allow.list"

# want_words "WORDS" NAME...: the replies are exactly NAME..., each one word
# (a file name with a space or a "*" is one reply, never split or globbed)
want_words() {
    local line=$1 got want; shift
    read -r -a COMP_WORDS <<< "$relayctl $line"
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    "$fn" relayctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    got=$(printf '[%s]' "${COMPREPLY[@]}")
    want=$(printf '[%s]' "$@")
    if [ "$got" = "$want" ]; then ok "relayctl $line<TAB>: $want"; else not_ok "relayctl $line<TAB>: $want" "got: $got"; fi
}
mkdir "$tmp/odd"
touch "$tmp/odd/my list" "$tmp/odd/star*" "$tmp/odd/starfish" "$tmp/odd/old export.reg"
want_words "lint $tmp/odd/m" "$tmp/odd/my list"
want_words "lint $tmp/odd/st" "$tmp/odd/star*" "$tmp/odd/starfish"
want_words "-c $tmp/odd/m" "$tmp/odd/my list"
want_words "import-exchange $tmp/odd/o" "$tmp/odd/old export.reg"

# Where it installs: bash-completion's completionsdir (pkg-config) when the
# prefix is bash-completion's, otherwise DATADIR/bash-completion/completions;
# and bash-completion's own loader finds it there by the command's name.
mk=$builddir/Makefile
dir=$(sed -n 's/^bashcompletiondir = //p' "$mk")
prefix=$(sed -n 's/^prefix = //p' "$mk")
if pkg-config --exists bash-completion 2>/dev/null && [ "$prefix" = "$(pkg-config --variable=prefix bash-completion)" ]; then
    expect=$(pkg-config --variable=completionsdir bash-completion)
else
    expect='${datadir}/bash-completion/completions'
fi
if [ "$dir" = "$expect" ]; then ok "configure: bashcompletiondir is $expect"; else not_ok "configure: bashcompletiondir is $expect" "got: $dir"; fi
root=$tmp/root
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$builddir" install-dist_bashcompletionDATA DESTDIR="$root" >"$tmp/install.log" 2>&1
case $dir in '${datadir}'*) dir=$(sed -n 's/^datadir = //p' "$mk")${dir#'${datadir}'} ;; esac
dir=${dir//'${datarootdir}'/$(sed -n 's/^datarootdir = //p' "$mk")}
dir=${dir//'${prefix}'/$prefix}
if cmp -s "$comp" "$root$dir/relayctl"; then
    ok "make install puts it in $dir/relayctl"
else
    not_ok "make install puts it in $dir/relayctl" "$(cat "$tmp/install.log")"
fi
loader=$(pkg-config --variable=prefix bash-completion 2>/dev/null)/share/bash-completion/bash_completion
if [ -r "$loader" ] && [ -f "$root$dir/relayctl" ]; then
    got=$(env -i HOME="$tmp" PATH="$PATH" XDG_DATA_DIRS="$root${dir%/bash-completion/completions}" bash --norc -c '
        . "$1" 2>/dev/null; complete -r relayctl 2>/dev/null
        _completion_loader relayctl 2>/dev/null || __load_completion relayctl
        complete -p relayctl' sh "$loader" 2>&1)
    case $got in
    *"-F _relayctl relayctl") ok "bash-completion's loader finds it by the command's name" ;;
    *) not_ok "bash-completion's loader finds it by the command's name" "$got" ;;
    esac
else
    echo "# bash-completion is not installed: its loader is not tried"
fi

finish
