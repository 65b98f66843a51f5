"""dataclass_super: @dataclass(slots=True) makes a new class, and the
zero-argument super() in the class's methods still names the old one
(CPython 3.10-3.13; gh-90562).

    dataclass_super.py      path A: no describe()
    dataclass_super.py B    path B: describe() calls super().describe()

With the "dataclass" plan form (3.10+) path B raises TypeError
(super(type, obj): obj must be an instance or subtype of type).  On 3.8
and 3.9 the plan is a hand-written __slots__, under which super()
works."""
import sys
from dataclasses import dataclass


@dataclass
class Shape:
    name: str

    def describe(self):
        return "shape " + self.name


@dataclass
class Circle(Shape):
    radius: float = 1.0

    def describe(self):
        return super().describe() + " r=%s" % self.radius


circles = [Circle("c%d" % i, float(i)) for i in range(1000)]
shapes = [Shape("s%d" % i) for i in range(300)]
if len(sys.argv) > 1:
    print(circles[2].describe())
print("circles:", len(circles), "shapes:", len(shapes))
