"""Creates and drops known numbers of instances (tests/integration/allocs.py,
allocs/exact-counts).  Every number the test expects is in EXPECT below;
the program prints nothing."""
import abc
import collections
import copy
import gc
import sys


class Kept:                              # 1000 kept + 1 copy
    def __init__(self, i):
        self.i = i


class Churned:                           # 10 batches of 500, each dropped
    def __init__(self):
        self.a = 1
        self.b = 2


class Cyclic:                            # 300 in cycles, freed by gc
    def __init__(self):
        self.me = self


class Derived(Kept):                     # a subclass: 7 kept
    pass


Dyn = type("Dyn", (), {})                # type(...): 11 kept


class Abstract(abc.ABC):                 # a metaclass older than us
    @abc.abstractmethod
    def f(self):
        pass


class Concrete(Abstract):                # 13 kept
    def f(self):
        return 1


Pair = collections.namedtuple("Pair", "a b")   # 17 kept (module fixed later)


class Oops(Exception):                   # 23 raised and caught
    pass


kept = [Kept(i) for i in range(1000)]
kept.append(copy.copy(kept[0]))
for _ in range(10):
    batch = [Churned() for _ in range(500)]
    del batch
for _ in range(300):
    Cyclic()
gc.collect()
derived = [Derived(i) for i in range(7)]
dyn = [Dyn() for _ in range(11)]
conc = [Concrete() for _ in range(13)]
pairs = [Pair(i, i) for i in range(17)]
for _ in range(23):
    try:
        raise Oops()
    except Oops:
        pass
if sys.version_info >= (3, 10):
    import dataclasses

    @dataclasses.dataclass(slots=True)
    class Slotted:                       # the replacement class: 19 kept
        x: int
    slotted = [Slotted(i) for i in range(19)]
gc.collect()
