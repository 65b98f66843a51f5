"""tuple_sub: a tuple subclass with no attributes and no __slots__."""
from _shape import run

ITEMS = (None, None)


class Pair(tuple):
    pass


class PairSlotted(tuple):
    __slots__ = ()


def new(i, slotted):
    return (PairSlotted if slotted else Pair)(ITEMS)


run(globals(), new)
