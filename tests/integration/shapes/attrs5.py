"""attrs5: five attributes set in __init__ (None and shared small ints)."""
from _shape import run


class Five:
    def __init__(self, i):
        self.a = None
        self.b = 1
        self.c = None
        self.d = i & 7
        self.e = None


class FiveSlotted:
    __slots__ = ("a", "b", "c", "d", "e")

    def __init__(self, i):
        self.a = None
        self.b = 1
        self.c = None
        self.d = i & 7
        self.e = None


def new(i, slotted):
    return FiveSlotted(i) if slotted else Five(i)


run(globals(), new)
