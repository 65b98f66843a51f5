"""dict_accessed: every instance's __dict__ is read (serialization), which
materializes a dict object on 3.11+."""
from _shape import run

SINK = []


class Row:
    def __init__(self):
        self.a = None
        self.b = None
        self.c = None
        self.d = None
        self.e = None


class RowSlotted:
    __slots__ = ("a", "b", "c", "d", "e")

    def __init__(self):
        self.a = None
        self.b = None
        self.c = None
        self.d = None
        self.e = None


def new(i, slotted):
    if slotted:
        return RowSlotted()
    o = Row()
    if len(o.__dict__) != 5:
        raise SystemExit("unexpected dict")
    return o


run(globals(), new)
