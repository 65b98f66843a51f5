"""attrs28: 28 attributes assigned in __init__ (3.14+: all in
__static_attributes__; 30 fit the class's shared keys, 31 make a dict)."""
from _shape import run


class A28:
    def __init__(self):
        self.f00 = None
        self.f01 = None
        self.f02 = None
        self.f03 = None
        self.f04 = None
        self.f05 = None
        self.f06 = None
        self.f07 = None
        self.f08 = None
        self.f09 = None
        self.f10 = None
        self.f11 = None
        self.f12 = None
        self.f13 = None
        self.f14 = None
        self.f15 = None
        self.f16 = None
        self.f17 = None
        self.f18 = None
        self.f19 = None
        self.f20 = None
        self.f21 = None
        self.f22 = None
        self.f23 = None
        self.f24 = None
        self.f25 = None
        self.f26 = None
        self.f27 = None


class A28Slotted:
    __slots__ = tuple("f%02d" % k for k in range(28))

    def __init__(self):
        self.f00 = None
        self.f01 = None
        self.f02 = None
        self.f03 = None
        self.f04 = None
        self.f05 = None
        self.f06 = None
        self.f07 = None
        self.f08 = None
        self.f09 = None
        self.f10 = None
        self.f11 = None
        self.f12 = None
        self.f13 = None
        self.f14 = None
        self.f15 = None
        self.f16 = None
        self.f17 = None
        self.f18 = None
        self.f19 = None
        self.f20 = None
        self.f21 = None
        self.f22 = None
        self.f23 = None
        self.f24 = None
        self.f25 = None
        self.f26 = None
        self.f27 = None


def new(i, slotted):
    return A28Slotted() if slotted else A28()


run(globals(), new)
