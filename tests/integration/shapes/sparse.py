"""sparse: ten optional attributes, each instance sets exactly one."""
from _shape import run

NAMES = tuple("opt%d" % k for k in range(10))


class Options:
    def __init__(self, i):
        setattr(self, NAMES[i % 10], None)


class OptionsSlotted:
    __slots__ = NAMES

    def __init__(self, i):
        setattr(self, NAMES[i % 10], None)


def new(i, slotted):
    return OptionsSlotted(i) if slotted else Options(i)


run(globals(), new)
