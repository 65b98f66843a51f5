"""tuple_attr: a tuple subclass with an attribute.  3.15 accepts named
__slots__ over tuple (the slot follows the items); before, only
`__slots__ = ()`, so the slotted twin exists on 3.15 only."""
import sys

from _shape import run

PAIR = (None, None)


class Tagged(tuple):
    def __init__(self, items):
        self.tag = None


if sys.version_info >= (3, 15):
    class TaggedSlotted(tuple):
        __slots__ = ("tag",)

        def __init__(self, items):
            self.tag = None


def new(i, slotted):
    return (TaggedSlotted if slotted else Tagged)(PAIR)


run(globals(), new)
