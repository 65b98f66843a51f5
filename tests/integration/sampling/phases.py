"""phases: a program that grows in steps, for periodic snapshots.

    phases.py PHASES COUNT SECONDS [chdir]

Each phase builds COUNT more Grow objects, then sleeps SECONDS.  A
snapshot is a pending call the main thread runs between two bytecodes
(or, while it sleeps, the library's thread with the GIL), so it may see
part of a phase; the switch interval is raised all the same, so that no
other thread's timing matters.  With "chdir"
the program first moves into a new directory "moved" (with an "out"
subdirectory, so a path resolved against the wrong directory works).
Facts: the Grow count after each phase, slotprof.stats() at the end.
"""
import os
import sys
import time

from _facts import fact, slotprof_module


class Grow:
    def __init__(self, i):
        self.i = i
        self.phase = None
        self.tag = "g"


KEEP = []          # alive until the exit census (atexit)


def main():
    phases, count = int(sys.argv[1]), int(sys.argv[2])
    seconds = float(sys.argv[3])
    if "chdir" in sys.argv[4:]:
        os.makedirs(os.path.join("moved", "out"))
        os.chdir("moved")
    sys.setswitchinterval(1000.0)
    sp = slotprof_module()
    for p in range(phases):
        KEEP.extend(Grow(i) for i in range(count))
        fact(what="phase", phase=p + 1, grow=len(KEEP))
        time.sleep(seconds)
    if sp is not None:
        fact(what="stats", stats=sp.stats())
    print("%d phases, %d objects" % (phases, len(KEEP)))


if __name__ == "__main__":
    main()
