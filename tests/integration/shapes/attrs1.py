"""attrs1: one attribute set in __init__."""
from _shape import run


class One:
    def __init__(self):
        self.a = None


class OneSlotted:
    __slots__ = ("a",)

    def __init__(self):
        self.a = None


def new(i, slotted):
    return OneSlotted() if slotted else One()


run(globals(), new)
