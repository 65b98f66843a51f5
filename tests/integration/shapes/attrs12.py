"""attrs12: twelve attributes set in __init__."""
from _shape import run


class Twelve:
    def __init__(self):
        self.a = None
        self.b = None
        self.c = None
        self.d = None
        self.e = None
        self.f = None
        self.g = 0
        self.h = 1
        self.i = 2
        self.j = None
        self.k = None
        self.l = None


class TwelveSlotted:
    __slots__ = tuple("abcdefghijkl")

    def __init__(self):
        self.a = None
        self.b = None
        self.c = None
        self.d = None
        self.e = None
        self.f = None
        self.g = 0
        self.h = 1
        self.i = 2
        self.j = None
        self.k = None
        self.l = None


def new(i, slotted):
    return TwelveSlotted() if slotted else Twelve()


run(globals(), new)
