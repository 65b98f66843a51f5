"""Peak census: the instances live only inside main(), gone at exit.

    python peak.py N explicit   automatic collection off, one gc.collect()
                                at the peak: exactly one census there
    python peak.py N auto       no explicit collection: the collector's own
                                full collections must catch the growth

The report must show the census with the highest saving (taken after a
full collection), not the exit census, where 10 instances remain.
"""
import gc
import sys


class Peak:
    def __init__(self, i):
        self.a = None
        self.b = i


survivors = [Peak(i) for i in range(10)]


def main(n, mode):
    if mode == "explicit":
        gc.disable()
    held = [Peak(i) for i in range(n)]
    if mode == "explicit":
        gc.collect()
    return len(held)


if __name__ == "__main__":
    print(main(int(sys.argv[1]), sys.argv[2]))
