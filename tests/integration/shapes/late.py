"""late: __init__ sets a; attribute b is added later, after every instance
exists, by a second pass."""
from _shape import run


class Node:
    def __init__(self):
        self.a = None


class NodeSlotted:
    __slots__ = ("a", "b")

    def __init__(self):
        self.a = None


def new(i, slotted):
    return NodeSlotted() if slotted else Node()


def finish(objs, slotted):
    for o in objs:
        o.b = None


run(globals(), new)
