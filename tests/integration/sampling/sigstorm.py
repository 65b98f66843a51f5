"""sigstorm: the snapshot signal sent fast, and SIGINT handled.

    sigstorm.py COUNT SIGNAME [--send] [--own]

Builds 3000 Storm objects, installs its own SIGINT handler, then sends
itself SIGNAME COUNT times in a tight loop (with --send only: its default
action would kill the plain run) and SIGINT once every 20 of them; then
sleeps 0.3 s and prints how many SIGINTs its handler saw.  With --own it
first installs a handler of its own for SIGNAME too (replacing the
library's), and prints whether that handler ran.
"""
import os
import signal
import sys
import time


class Storm:
    def __init__(self, i):
        self.i = i
        self.wind = 0


SEEN = []
MINE = []


def on_sigint(signum, frame):
    SEEN.append(signum)


def on_mine(signum, frame):
    MINE.append(signum)


KEEP = []          # alive until the exit census (atexit)


def main():
    count, signame = int(sys.argv[1]), sys.argv[2]
    send = "--send" in sys.argv[3:]
    own = "--own" in sys.argv[3:]
    sig = getattr(signal, "SIG" + signame.upper().replace("SIG", "", 1))
    KEEP.extend(Storm(i) for i in range(3000))
    signal.signal(signal.SIGINT, on_sigint)
    if own:
        signal.signal(sig, on_mine)
    pid = os.getpid()
    sent = 0
    for k in range(count):
        if send:
            os.kill(pid, sig)
        if k % 20 == 0:
            os.kill(pid, signal.SIGINT)
            sent += 1
    time.sleep(0.3)
    print("%d objects; %d SIGINT sent, %d handled"
          % (len(KEEP), sent, len(SEEN)))
    if own:
        print("own %s handler ran: %s" % (signame, len(MINE) >= 1))


if __name__ == "__main__":
    main()
