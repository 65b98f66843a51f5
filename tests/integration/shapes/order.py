"""order: the first half of the instances set a then b, the second half b
then a."""
import sys

from _shape import run

HALF = int(sys.argv[1]) // 2 if len(sys.argv) > 1 else 500


class Pair:
    def __init__(self, first):
        if first:
            self.a = None
            self.b = None
        else:
            self.b = None
            self.a = None


class PairSlotted:
    __slots__ = ("a", "b")

    def __init__(self, first):
        if first:
            self.a = None
            self.b = None
        else:
            self.b = None
            self.a = None


def new(i, slotted):
    return (PairSlotted if slotted else Pair)(i < HALF)


run(globals(), new)
