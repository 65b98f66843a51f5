"""slotted_mixin: a class that combines a plain base with a class that
has __slots__ already.

    slotted_mixin.py      path A: Records and Entries
    slotted_mixin.py B    path B: the same, and one Entry renamed

Record(Base, Weakly) is "safe" today with Base getting __slots__ =
('name',) (Weakly's slots hold only '__weakref__', so the class
statement still works).  Entry(Base, Keyed) is blocked (Base is not on
its layout chain), but Record's plan edits Base all the same: with it,
`class Entry(Base, Keyed)` raises TypeError (multiple bases have
instance lay-out conflict) -- at import, on both paths."""
import sys


class Base:
    def __init__(self, name):
        self.name = name


class Weakly:
    __slots__ = ("__weakref__",)


class Keyed:
    __slots__ = ("key",)


class Record(Base, Weakly):
    pass


class Entry(Base, Keyed):
    pass


records = [Record("r%d" % i) for i in range(1000)]
entries = [Entry("e%d" % i) for i in range(300)]
if len(sys.argv) > 1:
    entries[0].name = "renamed"
print("records:", len(records), "entries:", len(entries), entries[0].name)
