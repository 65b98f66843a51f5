"""subclass_default: a class-level default in a user base class,
overridden by a subclass; the profiled run never sets it on an instance.

    subclass_default.py      path A
    subclass_default.py B    path B: one Base and one Derived instance set
                             their own `level`

Today both plans leave `level` out: with them path B raises
AttributeError ('... object attribute 'level' is read-only')."""
import sys


class Base:
    level = 0                       # the default, in a user base

    def __init__(self, i):
        self.key = i
        self.value = None


class Derived(Base):
    level = 1                       # overridden in the subclass

    def __init__(self, i):
        super().__init__(i)
        self.extra = -i


items = [Base(i) for i in range(500)] + [Derived(i) for i in range(500)]
if len(sys.argv) > 1:
    items[0].level = 5
    items[-1].level = 6
print("levels:", sum(x.level for x in items),
      sorted(set((type(x).__name__, x.level) for x in items)))
