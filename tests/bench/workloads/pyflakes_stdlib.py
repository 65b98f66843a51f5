"""Bench workload: pyflakes over standard-library directories.

Usage: pyflakes_stdlib.py DIR...

Runs pyflakes (Debian's python3-pyflakes, put on PYTHONPATH by the
harness) over every .py file under each DIR, in sorted order, and prints
every message followed by a summary line.  The output is the correctness
check of the bench: it must be byte-identical with and without the
library.  Exits 0 whatever pyflakes finds.
"""

import os
import sys

import pyflakes.api
import pyflakes.reporter


def python_files(top):
    for root, dirs, files in os.walk(top):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.join(root, name)


def main(argv):
    out = sys.stdout
    reporter = pyflakes.reporter.Reporter(out, out)
    files = warnings = 0
    for top in argv[1:]:
        for path in python_files(top):
            files += 1
            warnings += pyflakes.api.checkPath(path, reporter)
    print("pyflakes: %d files, %d messages" % (files, warnings))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
