"""over_slotted: a dict class over a base that has __slots__.  3.14+
gives it inline values at obj + tp_basicsize; 3.13 a dict on the first
setattr."""
from _shape import run


class Base:
    __slots__ = ("s",)


class Rec(Base):
    def __init__(self):
        self.s = None
        self.a = None
        self.b = None
        self.c = None


class RecSlotted(Base):
    __slots__ = ("a", "b", "c")

    def __init__(self):
        self.s = None
        self.a = None
        self.b = None
        self.c = None


def new(i, slotted):
    return RecSlotted() if slotted else Rec()


run(globals(), new)
