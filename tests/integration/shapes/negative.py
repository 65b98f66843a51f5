"""A class where slots would cost memory: 100 optional names, each
instance sets one.  A slot costs 8 B on every instance, set or not, so the
slotted instance (8 x 100 slots) is far bigger than a small dict.  Beside
it, a plain class with a positive saving: the negative one ranks last."""
import sys


class Sparse:
    def __init__(self, i):
        setattr(self, "opt%d" % (i % 100), None)


class Plain:
    def __init__(self):
        self.a = None


sparse = [Sparse(i) for i in range(1000)]
plain = [Plain() for _ in range(1000)]
print(len(sparse) + len(plain))
sys.exit(0)
