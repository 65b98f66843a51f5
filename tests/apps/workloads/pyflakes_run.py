"""Acid-test workload: pyflakes (the project's copy) over Python sources.

    pyflakes_run.py A     Debian's Python 3.11 standard library: email/ and
                          _pydecimal.py (400 functions in one file)
    pyflakes_run.py B     other files: json/, logging/ and modules whose
                          functions call locals() (sysconfig, profile,
                          pydoc)

Prints every message pyflakes reports, in sorted file order, then a
summary line.  Exits 0 whatever pyflakes finds."""
import os
import sys

import pyflakes.api
import pyflakes.reporter

STDLIB = "/usr/lib/python3.11"
INPUTS = {
    "A": ["email", "_pydecimal.py"],
    "B": ["json", "logging", "sysconfig.py", "profile.py", "pydoc.py"],
}


def python_files(top):
    if top.endswith(".py"):
        yield top
        return
    for root, dirs, files in os.walk(top):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.join(root, name)


def main(which):
    out = sys.stdout
    reporter = pyflakes.reporter.Reporter(out, out)
    files = messages = 0
    for top in INPUTS[which]:
        for path in python_files(os.path.join(STDLIB, top)):
            files += 1
            messages += pyflakes.api.checkPath(path, reporter)
    print("pyflakes: %d files, %d messages" % (files, messages))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
