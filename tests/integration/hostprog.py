"""hostprog: a program for the host-safety tests.  Prints a few lines,
keeps some objects alive, then ends the way argv[1] says:

    ok       exit status 0
    exit3    sys.exit(3)
    raise    an uncaught exception (status 1, traceback on stderr)
    osexit7  os._exit(7) (no atexit, no flush: stdout flushed by hand)
    pid      print the pid, exit 0
"""
import os
import sys


class Record:
    def __init__(self, i):
        self.i = i & 3
        self.name = None


KEEP = [Record(i) for i in range(5000)]

mode = sys.argv[1] if len(sys.argv) > 1 else "ok"
print("hello from hostprog")
print("records:", len(KEEP), "sum:", sum(r.i for r in KEEP))
if mode == "pid":
    print("pid", os.getpid())
sys.stdout.flush()
if mode == "exit3":
    sys.exit(3)
if mode == "raise":
    raise RuntimeError("boom from hostprog")
if mode == "osexit7":
    os._exit(7)
print("bye")
