#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""ctl.py SOCKET COMMAND - one relaymilter control-socket request.

The shell scripts' command; the client is tests/lib/rmctl.py (found beside
this file when a test copies both somewhere its users can read, else in
../lib).  Prints the reply; exit 0 if it starts with "OK", 1 with "ERR", 2
on anything else (no daemon, bad reply).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "lib")]
import rmctl  # noqa: E402

if __name__ == "__main__":
    sys.exit(rmctl.main(["ctl.py"] + sys.argv[1:]))
