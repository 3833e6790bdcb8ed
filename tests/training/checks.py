# SPDX-License-Identifier: GPL-3.0-or-later
"""The training tests' assertions: check() counts a failure, prints where, and goes on;
run_tests() runs a module's test_* functions and exits 1 when any check failed."""
import sys

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


def run_tests(namespace):
    """Runs every callable test_* in namespace (a module's globals()), in order."""
    for name, fn in list(namespace.items()):
        if name.startswith("test_") and callable(fn):
            fn()
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)
    print("all checks passed")
