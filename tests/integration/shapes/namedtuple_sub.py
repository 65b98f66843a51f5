"""namedtuple_sub: a subclass (without __slots__) of a typing.NamedTuple
(whose generated class already has __slots__ = ())."""
from typing import NamedTuple

from _shape import run


class PointBase(NamedTuple):
    x: int
    y: int


class Point(PointBase):
    def norm1(self):
        return abs(self.x) + abs(self.y)


class PointSlotted(PointBase):
    __slots__ = ()

    def norm1(self):
        return abs(self.x) + abs(self.y)


def new(i, slotted):
    return (PointSlotted if slotted else Point)(1, i & 7)


run(globals(), new)
