"""setattr_names: three attributes set with setattr() from a loop, so
they are not in __static_attributes__ (3.13+): the first instances add
them to the class's shared keys while there is room."""
from _shape import run

NAMES = ("x", "y", "z")


class Opts:
    def __init__(self):
        for k in NAMES:
            setattr(self, k, None)


class OptsSlotted:
    __slots__ = NAMES

    def __init__(self):
        for k in NAMES:
            setattr(self, k, None)


def new(i, slotted):
    return OptsSlotted() if slotted else Opts()


run(globals(), new)
