#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# license.sh - the project's license: LICENSE is the BSD 2-Clause License
# of "the relaymilter authors", and debian/copyright is machine-readable
# (DEP-5: a header paragraph, Files paragraphs whose License has its
# text in a stand-alone paragraph) and grants that same text.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v python3 >/dev/null 2>&1 || { echo "# python3 missing: skipped"; echo "0 passed, 0 failed"; exit 77; }
exec env PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$srcdir/tests" python3 - "$srcdir/LICENSE" "$srcdir/debian/copyright" "$srcdir" <<'PY'
import os, re, sys
from tap import check, finish


def words(text):
    return " ".join(text.split())

try:
    lic = open(sys.argv[1], encoding="utf-8").read()
except OSError as e:
    lic = ""
    check("LICENSE exists", False, str(e))
check("LICENSE is the BSD 2-Clause License", lic.startswith("BSD 2-Clause License\n"))
m = re.search(r"^Copyright \(c\) (\d{4}), (.*)$", lic, re.M)
check("LICENSE: copyright 2026, the relaymilter authors",
      m is not None and m.group(1) == "2026" and m.group(2) == "the relaymilter authors")
body = lic[m.end():] if m else ""

# DEP-5 (copyright-format 1.0): deb822 paragraphs, continuation lines
# start with white space, " ." is an empty line.
paras, cur, key, bad = [], {}, None, []
for line in open(sys.argv[2], encoding="utf-8").read().split("\n"):
    if not line.strip():
        if cur: paras.append(cur); cur, key = {}, None
        continue
    if line[0] in " \t":
        if key is None: bad.append(line)
        else: cur[key] += "\n" + ("" if line.strip() == "." else line.strip())
        continue
    k, sep, v = line.partition(":")
    if sep != ":": bad.append(line)
    key = k
    cur[k] = v.strip()
if cur: paras.append(cur)
check("debian/copyright: every line is a field or its continuation", not bad, repr(bad[:3]))

head = paras[0] if paras else {}
check("debian/copyright: the header names copyright-format 1.0",
      head.get("Format") == "https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/")
check("debian/copyright: Upstream-Name relaymilter", head.get("Upstream-Name") == "relaymilter")
files = [p for p in paras[1:] if "Files" in p]
alone = {p["License"].split("\n")[0]: p["License"] for p in paras[1:] if "Files" not in p and "License" in p}
check("debian/copyright: a Files: * paragraph", any(p["Files"] == "*" for p in files))
for p in files:
    check("Files: %s has Copyright and License" % p["Files"], "Copyright" in p and "License" in p)
    short = p.get("License", "").split("\n")[0]
    check("License %s has its text in a paragraph of its own" % short, short in alone)
star = next((p for p in files if p["Files"] == "*"), {})
check("Files: * is BSD-2-clause", star.get("License", "").split("\n")[0] == "BSD-2-clause")
check("Files: * copyright: 2026 the relaymilter authors", star.get("Copyright") == "2026 the relaymilter authors")
text = alone.get("BSD-2-clause", "").partition("\n")[2]
check("the license text in debian/copyright is LICENSE's", body.strip() != "" and words(text) == words(body),
      "they differ" if text else "no text")

# Every source file names its license in its first lines (after a #! line),
# as an SPDX identifier; data (lists, golden output, fuzz inputs) is not source.
TAG = "SPDX-License-Identifier: BSD-2-Clause"
top = sys.argv[3]
SRC_EXT = (".c", ".h", ".sh", ".py", ".lua", ".am", ".ac", ".mc", ".cf", ".service", ".5", ".8")
DATA = ("tests/cli/golden", "tests/cli/data", "tests/fuzz/corpus")
BUILT = ("build", ".git", "autom4te.cache", "build-aux", "m4")
missing, seen = [], 0
for d, dirs, names in os.walk(top):
    rel = os.path.relpath(d, top)
    dirs[:] = [x for x in dirs if not (rel == "." and (x.startswith(BUILT) or x == "debian"))
               and os.path.join(rel, x).lstrip("./") not in DATA]
    for n in names:
        path = os.path.join(rel, n)[2:] if rel == "." else os.path.join(rel, n)
        if not (n.endswith(SRC_EXT) or path in ("quickstart.sh", ".ci/run", "cli/completion/relayctl")):
            continue
        if n in ("Makefile.in", "config.h", "config.h.in") or n.endswith(".in"):
            continue
        try:
            head = open(os.path.join(top, path), encoding="utf-8", errors="replace").read(400).split("\n")[:3]
        except OSError:
            continue
        seen += 1
        if not any(TAG in line for line in head):
            missing.append(path)
check("every source file has an SPDX identifier in its first lines (%d files)" % seen,
      seen > 100 and not missing, "missing in: " + " ".join(missing[:10]))
finish()
PY
