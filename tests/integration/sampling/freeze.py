"""freeze: objects moved to the permanent generation by gc.freeze().

    freeze.py SECONDS

Builds 3000 Frozen objects, gc.freeze(), builds 1000 Thawed objects,
gc.collect(), sleeps SECONDS (snapshots), prints the counts.
"""
import gc
import sys
import time


class Frozen:
    def __init__(self, i):
        self.i = i
        self.cold = True


class Thawed:
    def __init__(self, i):
        self.i = i
        self.cold = False


KEEP = []          # alive until the exit census (atexit)


def main():
    seconds = float(sys.argv[1])
    KEEP.extend(Frozen(i) for i in range(3000))
    gc.freeze()
    KEEP.extend(Thawed(i) for i in range(1000))
    gc.collect()
    time.sleep(seconds)
    print("kept %d (freeze count >= 3000: %s)"
          % (len(KEEP), gc.get_freeze_count() >= 3000))


if __name__ == "__main__":
    main()
