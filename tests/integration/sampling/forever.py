"""forever: runs until killed, for SIGKILL during a session.

    forever.py N

Builds N Forever objects, prints "ready" (flushed), then loops: builds
and drops temporary Churn objects, naps 5 ms.  The test kills it.
"""
import sys
import time


class Forever:
    def __init__(self, i):
        self.i = i
        self.alive = True


class Churn:
    def __init__(self, i):
        self.i = i


def main():
    n = int(sys.argv[1])
    keep = [Forever(i) for i in range(n)]
    print("ready %d" % len(keep), flush=True)
    while True:
        [Churn(i) for i in range(500)]
        time.sleep(0.005)


if __name__ == "__main__":
    main()
