"""tmalloc: tracemalloc running while the library takes censuses.

    tmalloc.py start|flag SECONDS

"start": tracemalloc.start(5) first; "flag": run with -X tracemalloc.
Builds 2000 Traced objects, sleeps SECONDS (snapshots), then checks that
tracemalloc saw them: a snapshot's statistics name this file, and
tracing is still on.
"""
import os
import sys
import time
import tracemalloc


class Traced:
    def __init__(self, i):
        self.i = i
        self.mark = "t"


KEEP = []          # alive until the exit census (atexit)


def main():
    if sys.argv[1] == "start":
        tracemalloc.start(5)
    seconds = float(sys.argv[2])
    KEEP.extend(Traced(i) for i in range(2000))
    time.sleep(seconds)
    snap = tracemalloc.take_snapshot()
    here = os.path.basename(__file__)
    mine = sum(s.count for s in snap.statistics("filename")
               if os.path.basename(s.traceback[0].filename) == here)
    print("tracing %s, %d objects, traced blocks here >= 2000: %s"
          % (tracemalloc.is_tracing(), len(KEEP), mine >= 2000))


if __name__ == "__main__":
    main()
