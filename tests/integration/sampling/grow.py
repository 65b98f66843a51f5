"""grow: snapshots of increasing size, for a full disk.

    grow.py OUT CLASSES

Builds 500 Small objects and takes slotprof.snapshot() (small report);
then defines CLASSES new classes with 150 instances each and takes a
second snapshot (a much bigger report); then exits.  Facts: what each
snapshot() returned.  Without the library only the objects are built.
"""
import sys

from _facts import fact, slotprof_module


class Small:
    def __init__(self, i):
        self.i = i


KEEP = []          # alive until the exit census (atexit)


def main():
    out, nclasses = sys.argv[1], int(sys.argv[2])
    sp = slotprof_module()
    KEEP.extend(Small(i) for i in range(500))
    if sp is not None:
        fact(what="snap1", ret=sp.snapshot(out))
    for k in range(nclasses):
        cls = type("Bulky%03d" % k, (), {"__init__": Small.__init__})
        KEEP.extend(cls(i) for i in range(150))
    if sp is not None:
        fact(what="snap2", ret=sp.snapshot(out))
    print("%d objects" % len(KEEP))


if __name__ == "__main__":
    main()
