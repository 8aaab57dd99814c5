#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# offline.sh - `make check` never reaches the network: no Makefile fragment
# (*.am) and no script under tests/ runs apt-get (download, install,
# update, ...), wget, git clone/fetch/pull, pip install, or curl to an
# address that is not loopback.  What the tests need from outside is
# fetched beforehand (.ci/fetch-sendmail.sh, run by ./quickstart.sh test).
# Only tests/deb/build-install.sh, which installs the Debian package and
# is never part of make check, may call apt-get; that it is in no TESTS
# list is checked too.  The scanner is first tried on lines it must flag
# (those of the Sendmail suites that once ran apt-get download) and lines
# it must let pass (advice such as "(apt-get install cppcheck)" in a
# message, comments, curl to 127.0.0.1), so that it cannot pass by
# flagging nothing.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v python3 >/dev/null 2>&1 || { echo "# python3 missing: skipped"; echo "0 passed, 0 failed"; exit 77; }
exec env PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$srcdir/tests" python3 - "$srcdir" <<'PY'
import glob, os, re, sys
from tap import check, finish

top = sys.argv[1]
# build-install.sh installs packages and is never run by make check; this
# file holds the fetches it must flag as examples.
EXEMPT = {"tests/deb/build-install.sh", "tests/admin/offline.sh"}
SKIP_DIRS = {"cache", "corpus", "golden", "data", "build", "__pycache__"}
SCRIPT_EXT = (".sh", ".bash", ".py", ".lua")

CMD = re.compile(r"\b(apt-get|apt|aptitude|wget|curl|git|pip3?)\b")
FETCH_ARGS = {
    "apt-get": r"download|install|update|upgrade|dist-upgrade|full-upgrade|source|build-dep|changelog",
    "apt": r"download|install|update|upgrade|full-upgrade|source|build-dep|changelog",
    "aptitude": r"download|install|update|upgrade|safe-upgrade|full-upgrade|source|build-dep|changelog",
    "git": r"clone|fetch|pull|ls-remote|submodule",
    "pip": r"install|download",
    "pip3": r"install|download",
}
# what may stand before a command: start of line, an operator, a keyword,
# a wrapper, or assignments (DEBIAN_FRONTEND=noninteractive apt-get ...)
LEAD = re.compile(r"""(?:^|[;&|`{!(\[,]|\$\(|\b(?:then|do|else|exec|sudo|as_root|xargs|time|nohup|env)
                      |\b[A-Za-z_][A-Za-z_0-9]*=\S*)\s*$""", re.X)
# A URL's host; one held in a variable counts as foreign: tests write
# their loopback address out.
URL = re.compile(r"""\bhttps?://(\[[^\]]*\]|[^/:\s"'$]+|\$\{?\w+\}?)""")
LOOPBACK = re.compile(r"^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$")


def quote_state(line, pos):
    """The quote in force at line[pos]: '', "'" or '"'."""
    q, i = "", 0
    while i < pos:
        c = line[i]
        if c == "\\" and q != "'":
            i += 2
            continue
        if q == "" and c in "'\"":
            q = c
        elif c == q:
            q = ""
        i += 1
    return q


def foreign_urls(text):
    return [m.group(1) for m in URL.finditer(text) if not LOOPBACK.match(m.group(1))]


def scan(text):
    """(line number, line) of each network fetch in text."""
    hits, file_foreign = [], foreign_urls(text)
    for n, line in enumerate(text.split("\n"), 1):
        if line.lstrip().startswith(("#", "--")):
            continue                    # comments (shell, make, python; lua)
        for m in CMD.finditer(line):
            cmd, before = m.group(1), line[:m.start()]
            q = quote_state(line, m.start())
            if q and before.endswith(q) and quote_state(line, m.start() - 1) == "":
                pass                    # code in a string: sh -c 'apt-get ...', ["apt-get", ...]
            else:
                lead = LEAD.search(before)
                if not lead:
                    continue
                op = lead.group(0).strip()
                # in a double-quoted string only $(...) and `...` run commands;
                # "(apt-get install x)" in any message is advice
                if q == '"' and not op.endswith(("$(", "`")):
                    continue
                if q == "'" and op.endswith("(") and not op.endswith("$("):
                    continue
            rest = line[m.end():]
            if cmd in FETCH_ARGS:
                if not re.match(r"""["',\s]+(?:-\S+\s+)*["']?(?:%s)\b""" % FETCH_ARGS[cmd], rest):
                    continue
            elif cmd == "curl":
                urls = foreign_urls(rest) if URL.search(rest) else file_foreign
                if not urls:
                    continue
            hits.append((n, line.strip()))
            break
    return hits


# ---- the scanner itself
must_flag = [
    '    ( cd "$dir" && apt-get download -q "$@" ) >"$dir/apt.log" 2>&1 && return 0',
    '    apt-get update -qq >>"$dir/apt.log" 2>&1 &&',
    'DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix',
    "sh -c 'apt-get install -y sendmail-bin'",
    '\tcd tests/sendmail/cache && apt-get download sendmail-bin',
    'wget -q https://deb.debian.org/debian/pool/main/s/sendmail/x.deb',
    'curl -fsS https://deb.debian.org/debian/pool/main/s/sendmail/x.deb -o x.deb',
    'out=$(curl -s "http://192.0.2.1/allow.list")',
    'subprocess.run(["apt-get", "download", "sendmail-bin"], check=True)',
    'git clone https://example.org/x.git',
]
must_pass = [
    '    fail "cppcheck: cppcheck is not installed (apt-get install cppcheck)"',
    '    echo "not ok - valgrind: valgrind is not installed (apt-get install valgrind)"',
    '# sendmail-cf and libwrap0 with `apt-get download` (plus sasl2-bin and',
    'curl -fsS "http://127.0.0.1:$PORT/allow.list" -o "$TMP/allow.list"',
    'curl -s http://[::1]:8080/x',
    'apt-get --version',
    'git ls-files -z',
    'echo "the lists are fetched with curl"',
]
missed = [l for l in must_flag if not scan(l)]
check("the scanner flags each of %d network fetches" % len(must_flag), not missed, "\n".join(missed))
wrong = [l for l in must_pass if scan(l)]
check("the scanner lets %d lines that fetch nothing pass" % len(must_pass), not wrong, "\n".join(wrong))

# ---- the tree
def is_script(path):
    if path.endswith(SCRIPT_EXT):
        return True
    try:
        with open(path, "rb") as f:
            return f.read(2) == b"#!"
    except OSError:
        return False

files = sorted(glob.glob(os.path.join(top, "*.am")) + glob.glob(os.path.join(top, "*", "*.am")))
for d, dirs, names in os.walk(os.path.join(top, "tests")):
    dirs[:] = [x for x in dirs if x not in SKIP_DIRS]
    files += sorted(os.path.join(d, x) for x in names
                    if not x.endswith(".am") and is_script(os.path.join(d, x)))
rel = [os.path.relpath(f, top) for f in files]
check("%d Makefile fragments and test scripts to read" % len(rel),
      sum(r.endswith(".am") for r in rel) >= 5 and len(rel) >= 30, "\n".join(rel))

found = []
for path, r in zip(files, rel):
    if r in EXEMPT:
        continue
    with open(path, encoding="utf-8", errors="replace") as f:
        found += ["%s:%d: %s" % (r, n, l) for n, l in scan(f.read())]
check("no Makefile fragment or test script reaches the network", not found, "\n".join(found))

# The exemption holds only while build-install.sh stays out of make check.
listed = []
for path, r in zip(files, rel):
    if r.endswith(".am"):
        text = open(path, encoding="utf-8").read().replace("\\\n", " ")
        for m in re.finditer(r"^TESTS\s*\+?=(.*)$", text, re.M):
            listed += [w for w in m.group(1).split() if w == "tests/deb/build-install.sh"]
check("tests/deb/build-install.sh (apt-get) is in no TESTS list", not listed, " ".join(listed))
finish()
PY
