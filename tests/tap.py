# SPDX-License-Identifier: BSD-2-Clause
# tap.py - the result lines of the script suites written in Python:
# "ok - NAME" / "not ok - NAME" (with the reason indented), and finish()
# for the closing "N passed, N failed".
import sys

passed = failed = 0


def check(name, cond, why=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok -", name)
    else:
        failed += 1
        print("not ok -", name)
        for line in str(why).splitlines():
            print("#  ", line)


def finish():
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
