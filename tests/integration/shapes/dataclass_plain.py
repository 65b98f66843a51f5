"""dataclass_plain: a @dataclass without defaults."""
import sys
from dataclasses import dataclass

from _shape import run


@dataclass
class Item:
    name: object
    qty: int
    price: object


if sys.version_info >= (3, 10):
    @dataclass(slots=True)
    class ItemSlotted:
        name: object
        qty: int
        price: object
else:
    @dataclass
    class ItemSlotted:
        __slots__ = ("name", "qty", "price")
        name: object
        qty: int
        price: object


def new(i, slotted):
    return (ItemSlotted if slotted else Item)(None, i & 15, None)


run(globals(), new)
