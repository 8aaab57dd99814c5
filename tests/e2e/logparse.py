#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tests/e2e/logparse.py - read relaymilter's decision lines, independently of
lib/rm_logfmt.c, and print what a test asks for.

    logparse.py LOGFILE [KEY=VALUE...]

Reads every line of LOGFILE that is a decision line ("relaymilter[PID]: "
then, after an optional "warning: ", key=value pairs starting with
verdict=), decodes it as relaymilter(8) documents (bare values; "..." with
\\" \\\\ and \\xHH), keeps those whose keys have the given values, and prints
the last of them as "KEY<TAB>VALUE" lines (and "_keys<TAB>the keys in
order"), newlines and tabs in a value shown as \\n and \\t.  A decision line
that does not decode is an error (exit 1): a line must always parse.
"""
import re
import sys

PREFIX = re.compile(r'relaymilter\[\d+\]: (?:warning: )?(?=verdict=)')


def pairs(text):
    out, i, n = [], 0, len(text)
    while i < n:
        if text[i] == ' ':
            i += 1
            continue
        m = re.match(r'[a-z_]+=', text[i:])
        if not m:
            raise ValueError("no key at %r" % text[i:])
        key = m.group(0)[:-1]
        i += len(m.group(0))
        if i < n and text[i] == '"':
            i += 1
            val = bytearray()
            while True:
                if i >= n:
                    raise ValueError("unterminated value of " + key)
                c = text[i]
                if c == '"':
                    i += 1
                    break
                if c == '\\':
                    nxt = text[i + 1:i + 2]
                    if nxt in ('"', '\\'):
                        val += nxt.encode()
                        i += 2
                    elif nxt == 'x' and re.match(r'[0-9a-f]{2}', text[i + 2:i + 4]):
                        val.append(int(text[i + 2:i + 4], 16))
                        i += 4
                    else:
                        raise ValueError("bad escape in " + key)
                else:
                    val += c.encode()
                    i += 1
            value = val.decode('utf-8', 'backslashreplace')
        else:
            j = text.find(' ', i)
            j = n if j < 0 else j
            value = text[i:j]
            if not value or re.search(r'["\\\x00-\x20\x7f-\uffff]', value):
                raise ValueError("bad bare value of " + key)
            i = j
        if i < n and text[i] != ' ':
            raise ValueError("junk after " + key)
        out.append((key, value))
    return out


def main():
    want = dict(a.split('=', 1) for a in sys.argv[2:])
    rc = 0
    last = None
    with open(sys.argv[1], encoding='ascii', errors='strict') as f:
        for line in f:
            m = PREFIX.search(line)
            if not m:
                continue
            try:
                kv = pairs(line[m.end():].rstrip('\n'))
            except ValueError as e:
                print("unparseable: %s: %s" % (e, line.rstrip()), file=sys.stderr)
                rc = 1
                continue
            d = dict(kv)
            d['_keys'] = ' '.join(k for k, _ in kv)
            if all(d.get(k) == v for k, v in want.items()):
                last = kv + [('_keys', d['_keys'])]
    for k, v in last or []:
        print("%s\t%s" % (k, v.replace('\n', '\\n').replace('\t', '\\t')))
    return rc


if __name__ == '__main__':
    sys.exit(main())
