"""dict_sub: a subclass of dict with two attributes set in __init__.
3.14+ gives it inline values at obj + tp_basicsize; 3.13 a dict on the
first setattr."""
from _shape import run


class Table(dict):
    def __init__(self):
        super().__init__()
        self.a = None
        self.b = None


class TableSlotted(dict):
    __slots__ = ("a", "b")

    def __init__(self):
        super().__init__()
        self.a = None
        self.b = None


def new(i, slotted):
    return (TableSlotted if slotted else Table)()


run(globals(), new)
