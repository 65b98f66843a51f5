"""threads: many threads allocating while censuses run.

    threads.py THREADS PER_THREAD

THREADS threads start together (a barrier); each builds PER_THREAD T
objects it keeps, 20 at a time, and between batches builds and drops
temporary Tmp objects and naps 1 ms, for about half a second.  The main
thread joins them and prints the totals.
"""
import sys
import threading
import time


class T:
    def __init__(self, owner, i):
        self.owner = owner
        self.i = i


class Tmp:
    def __init__(self, i):
        self.i = i


KEPT = []


def work(k, n, barrier):
    barrier.wait()
    mine = []
    for start in range(0, n, 20):
        mine.extend(T(k, i) for i in range(start, min(n, start + 20)))
        junk = [Tmp(i) for i in range(50)]
        del junk
        time.sleep(0.001)
    KEPT.extend(mine)


def main():
    nthreads, per = int(sys.argv[1]), int(sys.argv[2])
    barrier = threading.Barrier(nthreads)
    threads = [threading.Thread(target=work, args=(k, per, barrier))
               for k in range(nthreads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    owners = sorted({t.owner for t in KEPT})
    print("%d threads kept %d objects, owners %d..%d"
          % (nthreads, len(KEPT), owners[0], owners[-1]))


if __name__ == "__main__":
    main()
