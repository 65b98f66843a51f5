"""Bench workload: interpreter start-up and exit, many times.

Usage: startup.py [N]

Starts N child interpreters (sys.executable -c pass) one after the
other.  LD_PRELOAD and SLOTPROF_OPTIONS are inherited, so under the
library every child is profiled too: the wall-time difference divided by
N + 1 is the library's fixed cost per process (loading, jemalloc, the
audit hook, the exit census of a near-empty heap, the report).
"""

import subprocess
import sys


def main(argv):
    n = int(argv[1]) if len(argv) > 1 else 40
    for _ in range(n):
        subprocess.run([sys.executable, "-c", "pass"], check=True)
    print("startup: %d child interpreters" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
