"""list_sub: a subclass of list with two attributes set in __init__.
3.14+ gives it inline values at obj + tp_basicsize; 3.13 a dict on the
first setattr."""
from _shape import run


class Bag(list):
    def __init__(self):
        super().__init__()
        self.a = None
        self.b = None


class BagSlotted(list):
    __slots__ = ("a", "b")

    def __init__(self):
        super().__init__()
        self.a = None
        self.b = None


def new(i, slotted):
    return (BagSlotted if slotted else Bag)()


run(globals(), new)
