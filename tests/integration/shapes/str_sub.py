"""str_sub: a subclass of str with two attributes set in __init__.
3.14+ gives it inline values at obj + tp_basicsize; 3.13 a dict on the
first setattr."""
from _shape import run


class Label(str):
    def __init__(self, v):
        self.a = None
        self.b = None


class LabelSlotted(str):
    __slots__ = ("a", "b")

    def __init__(self, v):
        self.a = None
        self.b = None


def new(i, slotted):
    return (LabelSlotted if slotted else Label)('abc')


run(globals(), new)
