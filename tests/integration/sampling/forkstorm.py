"""forkstorm: many os.fork() children, ending two ways.

    forkstorm.py N

The parent forks N children at once.  Child k (0-based) builds k + 1 Kid
objects, naps 20 ms, and ends with os._exit(0) when k is even, with
sys.exit(0) (atexit runs) when k is odd.  The parent waits for all of
them and prints how many exited with status 0.  Facts: the parent's pid
and each child's pid with its k.
"""
import os
import sys
import time

from _facts import fact


class Kid:
    def __init__(self, i):
        self.i = i
        self.toy = None


KIDS = []          # a child's, alive until its exit census


def child(k):
    KIDS.extend(Kid(i) for i in range(k + 1))
    time.sleep(0.02)
    if k % 2 == 0:
        os._exit(0)
    sys.exit(0)


def main():
    n = int(sys.argv[1])
    fact(role="parent")
    kids = {}
    sys.stdout.flush()
    for k in range(n):
        pid = os.fork()
        if pid == 0:
            child(k)
        kids[pid] = k
    fact(role="children", kids={str(p): k for p, k in kids.items()})
    ok = 0
    for pid in kids:
        _, status = os.waitpid(pid, 0)
        ok += status == 0
    print("%d children, %d exited with status 0" % (n, ok))


if __name__ == "__main__":
    main()
