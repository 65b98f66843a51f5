"""spawnkids: multiprocessing "spawn" or "forkserver" children.

    spawnkids.py METHOD N1 N2 ...

The parent builds 300 Parent objects, then starts one child per N, one
after the other, with the start method METHOD; child k builds Nk Job
objects (in the child this file is __mp_main__, so Job's module is
__mp_main__) and returns.  A spawn child is a new interpreter that ends
through sys.exit (atexit runs); a forkserver child is forked by the fork
server (itself a new interpreter) and ends in os._exit.  Facts: each
child's pid and N.
"""
import multiprocessing
import sys

from _facts import fact


class Parent:
    def __init__(self, i):
        self.i = i
        self.role = "parent"


class Job:
    def __init__(self, i):
        self.i = i
        self.state = "new"


KEEP = []          # alive until the exit census (atexit)


def child(n):
    fact(role="child", n=n)
    KEEP.extend(Job(i) for i in range(n))


def main():
    fact(role="parent")
    KEEP.extend(Parent(i) for i in range(300))
    ctx = multiprocessing.get_context(sys.argv[1])
    for n in map(int, sys.argv[2:]):
        p = ctx.Process(target=child, args=(n,))
        p.start()
        p.join()
        print("child with %d jobs: exit code %s" % (n, p.exitcode))
    print("parent kept %d" % len(KEEP))


if __name__ == "__main__":
    main()
