"""bigheap: a big heap and a quiet main thread, for max_pause=.

    bigheap.py N SECONDS

Builds N objects of each of three classes first thing (a few thousand
are enough to make every census of this heap outlast max_pause=1us),
then sleeps SECONDS in 10 ms naps (so the library's thread can take the
GIL), and prints a checksum.  The objects live until the exit census.
Facts: slotprof.stats() at the end.
"""
import sys
import time

from _facts import fact, slotprof_module


class A:
    def __init__(self, i):
        self.i = i
        self.x = None


class B:
    def __init__(self, i):
        self.i = i
        self.y = None
        self.z = None


class C:
    def __init__(self, i):
        self.i = i


KEEP = []          # alive until the exit census (atexit)


def main():
    n, seconds = int(sys.argv[1]), float(sys.argv[2])
    KEEP.extend(A(i) for i in range(n))
    KEEP.extend(B(i) for i in range(n))
    KEEP.extend(C(i) for i in range(n))
    sp = slotprof_module()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.01)
    if sp is not None:
        fact(what="stats", stats=sp.stats())
    print("%d objects, checksum %d" % (len(KEEP), sum(o.i for o in KEEP)))


if __name__ == "__main__":
    main()
