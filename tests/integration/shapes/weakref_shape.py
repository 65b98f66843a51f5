"""weakref_shape: every instance is weakly referenced; the weakref.ref
objects are kept alive in a list (they are not part of the class's saving:
they exist slotted or not)."""
import weakref

from _shape import run

REFS = []


class Listener:
    def __init__(self):
        self.a = None
        self.b = None


class ListenerSlotted:
    __slots__ = ("a", "b", "__weakref__")

    def __init__(self):
        self.a = None
        self.b = None


def new(i, slotted):
    o = ListenerSlotted() if slotted else Listener()
    REFS.append(weakref.ref(o))
    return o


run(globals(), new)
