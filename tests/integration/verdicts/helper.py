"""helper: what apply_plan.py does to classes, printed (apply/helper).

    helper.py        prints, per class, whether instances have a
                     __dict__, the class's __slots__, and the values the
                     test looks at

The harness runs it without a plan and with a list of steps naming these
classes, and compares both outputs with what it expects; a helper that
applied nothing, or too much, fails there.  Plain classes, a metaclass
with __prepare__ and class keywords, an Enum, a nested class, a class
made twice by a function, a dataclass, moved defaults with and without
an __init__ of the class's own."""
import dataclasses
import enum
import sys
import weakref


class Plain:
    def __init__(self):
        self.a = 1
        self.b = 2


class Untouched:
    def __init__(self):
        self.a = 1


class Meta(type):
    @classmethod
    def __prepare__(mcs, name, bases, **kw):
        return {"prepared": sorted(kw)}

    def __new__(mcs, name, bases, ns, **kw):
        return super().__new__(mcs, name, bases, ns)

    def __init__(cls, name, bases, ns, **kw):
        super().__init__(name, bases, ns)


class WithMeta(metaclass=Meta, flavour="x"):
    def __init__(self):
        self.m = 1


class Color(enum.Enum):
    RED = 1


class Outer:
    class Inner:
        def __init__(self):
            self.i = 1


def make():
    class Local:
        def __init__(self):
            self.v = 1
    return Local


Local1, Local2 = make(), make()


class Scope:
    uses_locals = False
    shared = []

    def __init__(self):
        self.names = {}


class Scoped(Scope):
    def __init__(self):
        self.uses_locals = True         # set before Scope.__init__ runs
        super().__init__()


class NoInit:
    flag = 3


class Weak:
    def __init__(self):
        self.w = 1


@dataclasses.dataclass
class Point:
    x: int
    y: int = 0


def show(name, obj):
    tp = type(obj)
    print("%s: dict=%s slots=%r" % (name, hasattr(obj, "__dict__"),
                                    tp.__dict__.get("__slots__")))


show("Plain", Plain())
show("Untouched", Untouched())
show("WithMeta", WithMeta())
print("WithMeta: prepared=%r meta=%s" % (WithMeta.prepared,
                                         type(WithMeta).__name__))
print("Color: %r %s" % (Color.RED, hasattr(Color, "__slots__")))
show("Outer.Inner", Outer.Inner())
show("Local1", Local1())
show("Local2", Local2())
s, t = Scope(), Scope()
show("Scope", s)
print("Scope: uses_locals=%r shared-is-shared=%s in-class=%s"
      % (s.uses_locals, s.shared is t.shared,
         type(Scope.__dict__.get("uses_locals")).__name__))
s.uses_locals = True
print("Scope: set=%r other=%r" % (s.uses_locals, t.uses_locals))
sd = Scoped()
show("Scoped", sd)
print("Scoped: uses_locals=%r" % sd.uses_locals)
n = NoInit()
show("NoInit", n)
print("NoInit: flag=%r init=%s" % (n.flag, "__init__" in NoInit.__dict__))
w = Weak()
show("Weak", w)
print("Weak: ref=%s" % (weakref.ref(w)() is w))
p = Point(1)
show("Point", p)
print("Point: %r" % (p,))
sys.stdout.flush()
