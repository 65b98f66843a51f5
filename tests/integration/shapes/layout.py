"""layout: A and B each have their own instances carrying their own
attribute; C(A, B) instances carry both.  Slotting A with ('a',) and B
with ('b',) makes `class C(A, B)` a layout conflict."""
from _shape import run

FEW = 200


class A:
    def __init__(self):
        self.a = None


class B:
    def __init__(self):
        self.b = None


class C(A, B):
    def __init__(self):
        A.__init__(self)
        B.__init__(self)


def prelude(slotted):
    return [A() for _ in range(FEW)] + [B() for _ in range(FEW)]


def new(i, slotted):
    return C()


run(globals(), new)
