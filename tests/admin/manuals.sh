#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# manuals.sh - every manual as a user reads it (man -l, 80 columns, col -b),
# held against the programs' own --help: each option that a program's
# --help shows is in its manual, and each option its manual documents is
# in its --help.  relayctl is compared command by command: the commands
# come from "relayctl --help", each command's options from "relayctl
# COMMAND --help", from the command's line in "relayctl --help" and from
# the manual's COMMANDS entries of that command.  Nothing is listed here:
# both sides are parsed.  Also: no manual renders a label such as
# {rule="x} with a quote lost.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
for tool in python3 man col; do
    command -v $tool >/dev/null 2>&1 || { echo "# $tool missing: skipped"; echo "0 passed, 0 failed"; exit 77; }
done
exec env PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$srcdir/tests" python3 - "$srcdir" "$builddir" <<'PY'
import glob, os, re, subprocess, sys
from tap import check, finish

srcdir, builddir = sys.argv[1], sys.argv[2]

OPT = re.compile(r"(?<![\w.-])(--?[A-Za-z][\w-]*)")
def options(text):
    return set(OPT.findall(text))

def render(page):
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8", MAN_KEEP_FORMATTING="")
    man = subprocess.run(["man", "--warnings", "-l", page], env=env, capture_output=True)
    txt = subprocess.run(["col", "-b"], input=man.stdout, capture_output=True).stdout.decode()
    return man.returncode, man.stderr.decode(), txt.expandtabs(8)

def sections(txt):
    out, cur = {}, None
    for line in txt.splitlines():
        if re.match(r"^[A-Z][A-Z ]+$", line):
            cur = line.strip(); out[cur] = []
        elif cur:
            out[cur].append(line)
    return out

def tags(lines):
    """The tags of the .TP items of a section: text at column 7.  A tag of
    up to 6 characters shares its line with the body, a sentence that
    starts at column 14."""
    got = []
    for line in lines:
        if not re.match(r"^ {7}\S", line):
            continue
        if len(line) > 14 and line[13] == " " and line[14].isupper() and " " not in line[7:13].strip():
            got.append(line[7:13].strip())
        else:
            got.append(line[7:].strip())
    return got

def run(argv):
    p = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(), p.stderr.decode()

def program(name):
    for path in glob.glob(os.path.join(builddir, "*", name)):
        if os.access(path, os.X_OK) and os.path.isfile(path):
            return path
    return None

def same(name, help_set, man_set):
    check(name, help_set == man_set,
          "in --help, not in the manual: %s\nin the manual, not in --help: %s"
          % (" ".join(sorted(help_set - man_set)) or "-", " ".join(sorted(man_set - help_set)) or "-"))

def after_word(text, word):
    """options of the usage lines of text, after the command word"""
    got = set()
    for line in text.splitlines():
        m = re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(word), line)
        if m:
            got |= options(line[m.end():])
    return got

# The manuals are those the build installs (dist_man_MANS in every fragment).
pages = []
for frag in sorted(glob.glob(os.path.join(srcdir, "*", "Makemodule.am"))):
    for m in re.finditer(r"^dist_man_MANS \+= (.*)$", open(frag).read(), re.M):
        pages += [os.path.join(srcdir, p) for p in m.group(1).split()]
check("manuals found", len(pages) >= 3, pages)
for page in pages:
    base = os.path.basename(page)
    rc, warn, txt = render(page)
    check("%s renders without warnings" % base, rc == 0 and warn.strip() == "" and txt.strip() != "", warn)
    bad = [l.strip() for l in txt.splitlines() for g in re.findall(r"\{[^{}]*\}", l) if g.count('"') % 2]
    check("%s: every {label=\"...\"} keeps its quotes" % base, not bad, "\n".join(bad))
    sec = sections(txt)
    if not base.endswith(".8"):
        continue
    name = " ".join(sec.get("NAME", [""])).split()[0]
    exe = program(name)
    check("%s: program %s is built" % (base, name), exe is not None)
    if exe is None:
        continue
    rc, helptext, err = run([exe, "--help"])
    check("%s --help exits 0 and prints a usage" % name, rc == 0 and helptext.startswith("usage: "), err)
    if "COMMANDS" not in sec:
        same("%s: the options of --help are the manual's OPTIONS" % name,
             options(helptext), {o for t in tags(sec.get("OPTIONS", [])) for o in options(t)})
        continue
    # A program with commands: global options, then command by command.
    head, _, rest = helptext.partition("\ncommands:\n")
    cmdtext, _, opttext = rest.partition("\noptions:\n")
    same("%s: the options of --help's options: are the manual's OPTIONS" % name,
         options(opttext), {o for t in tags(sec.get("OPTIONS", [])) for o in options(t)})
    lines_of = {}
    for line in cmdtext.splitlines():
        m = re.match(r"^  ([a-z][\w-]*)(.*)$", line)
        if m:
            lines_of.setdefault(m.group(1), "")
            lines_of[m.group(1)] += m.group(2).split("   ")[0] + "\n"
    check("%s --help lists commands" % name, len(lines_of) >= 2, cmdtext)
    man_tags = {}
    for t in tags(sec["COMMANDS"]):
        man_tags.setdefault(t.split()[0], []).append(t)
    check("%s: the manual's commands are --help's" % name, set(man_tags) == set(lines_of),
          "manual: %s\n--help: %s" % (" ".join(sorted(man_tags)), " ".join(sorted(lines_of))))
    for cmd in sorted(lines_of):
        rc, ctext, err = run([exe, cmd, "--help"])
        check("%s %s --help exits 0" % (name, cmd), rc == 0 and ctext.startswith("usage: "), err)
        own = after_word(ctext, cmd)
        same("%s %s: --help and the manual have the same options" % (name, cmd),
             own, {o for t in man_tags.get(cmd, []) for o in options(t[len(cmd):])})
        same("%s %s: its line in %s --help has the same options" % (name, cmd, name),
             own, options(lines_of[cmd]))
finish()
PY
