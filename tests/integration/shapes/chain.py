"""chain: Base -> Mid -> Leaf, each __init__ sets its own attributes and
calls super().__init__().  A few Base and Mid instances exist too, so each
class must declare its own names."""
from _shape import run

FEW = 200


class Base:
    def __init__(self):
        self.a = None
        self.b = None


class Mid(Base):
    def __init__(self):
        super().__init__()
        self.c = None
        self.d = None


class Leaf(Mid):
    def __init__(self):
        super().__init__()
        self.e = None
        self.f = None


class SBase:
    __slots__ = ("a", "b")

    def __init__(self):
        self.a = None
        self.b = None


class SMid(SBase):
    __slots__ = ("c", "d")

    def __init__(self):
        super().__init__()
        self.c = None
        self.d = None


class SLeaf(SMid):
    __slots__ = ("e", "f")

    def __init__(self):
        super().__init__()
        self.e = None
        self.f = None


def prelude(slotted):
    base, mid = (SBase, SMid) if slotted else (Base, Mid)
    return [base() for _ in range(FEW)] + [mid() for _ in range(FEW)]


def new(i, slotted):
    return SLeaf() if slotted else Leaf()


run(globals(), new)
