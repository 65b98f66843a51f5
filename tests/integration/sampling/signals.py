"""signals: a program that asks for snapshots by signal.

    signals.py STEPS COUNT SIGNAME [--send]

STEPS times: build COUNT more Step objects, then (with --send: only the
profiled run, SIGUSR1's default action would kill the plain one) send
itself SIGNAME and wait for the library's thread to take the snapshot
(slotprof.stats() counts it; at most 10 s), or sleep 0.25 s without the
module; the switch interval keeps the builds whole (see phases.py).
Then it builds COUNT Late objects no snapshot sees (the exit report
does) and exits.  Facts: slotprof.stats() after each step.
"""
import os
import signal
import sys
import time

from _facts import fact, slotprof_module


class Step:
    def __init__(self, i):
        self.i = i
        self.kind = "step"


class Late:
    def __init__(self, i):
        self.i = i
        self.kind = "late"


KEEP = []          # alive until the exit census (atexit)


def main():
    steps, count, signame = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    send = "--send" in sys.argv[4:]
    sig = getattr(signal, "SIG" + signame.upper().replace("SIG", "", 1))
    sys.setswitchinterval(1000.0)
    sp = slotprof_module()
    for k in range(steps):
        KEEP.extend(Step(i) for i in range(count))
        if send:
            os.kill(os.getpid(), sig)
        if send and sp is not None:
            end = time.monotonic() + 10
            while (sp.stats()["snapshots"] < k + 1
                   and time.monotonic() < end):
                time.sleep(0.01)
        else:
            time.sleep(0.25)
        if sp is not None:
            fact(what="stats", step=k + 1, stats=sp.stats())
    KEEP.extend(Late(i) for i in range(count))
    print("%d steps, %d objects" % (steps, len(KEEP)))


if __name__ == "__main__":
    main()
