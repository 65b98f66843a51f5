"""subproc: plain Python subprocesses of the same interpreter.

    subproc.py            the parent
    subproc.py child N    a child: builds N Sub objects

The parent builds 300 Top objects, runs one child with the inherited
environment (400 Sub) and one with env=dict(os.environ) (500 Sub), the
way programs pass a modified copy of their environment: the library
exports SLOTPROF_SESSION to the C environment only, after os.environ was
made (the program's os.environ is left as it was), so that child starts
a session of its own.  Facts: pids and
the SLOTPROF_SESSION each process sees in os.environ.
"""
import os
import subprocess
import sys

from _facts import fact


class Top:
    def __init__(self, i):
        self.i = i
        self.name = "top"


class Sub:
    def __init__(self, i):
        self.i = i
        self.name = "sub"


KEEP = []          # alive until the exit census (atexit)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "child":
        n = int(sys.argv[2])
        fact(role="child", n=n, session=os.environ.get("SLOTPROF_SESSION"))
        KEEP.extend(Sub(i) for i in range(n))
        print("child built %d" % len(KEEP))
        return
    fact(role="parent", session=os.environ.get("SLOTPROF_SESSION"))
    KEEP.extend(Top(i) for i in range(300))
    sys.stdout.flush()
    subprocess.run([sys.executable, __file__, "child", "400"], check=True)
    subprocess.run([sys.executable, __file__, "child", "500"], check=True,
                   env=dict(os.environ))
    print("parent built %d" % len(KEEP))


if __name__ == "__main__":
    main()
