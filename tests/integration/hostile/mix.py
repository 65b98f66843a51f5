import sys, gc, weakref
class Meta(type):
    def __getattr__(cls, name):
        sys.stdout.write("Meta.__getattr__ %s\n" % name)
        raise AttributeError(name)
    @property
    def __mro__(cls):
        sys.stdout.write("Meta.__mro__\n")
        return type.__mro__.__get__(cls)
class M1(metaclass=Meta):
    def __init__(self): self.a = 1; self.b = 2
class A:
    def __init__(self): self.x = 1; self.y = 2
class B:
    def __init__(self): self.p = 1; self.q = 2; self.r = 3; self.s = 4
class DictSub(dict):
    def __hash__(self): sys.stdout.write("hash\n"); return 0
    def keys(self): sys.stdout.write("keys\n"); return []
    def __iter__(self): sys.stdout.write("iter\n"); return iter([])
    def __len__(self): sys.stdout.write("len\n"); return 0
class NonStrMod:
    pass
NonStrMod.__module__ = 42
class NoMod:
    pass
NoMod = type("NoMod", (), {}); type.__dict__["__module__"]  # keep
try:
    del NoMod.__dict__
except Exception: pass
class SlotGen:
    __slots__ = (n for n in ("u", "v"))
class SlotDictCls:
    __slots__ = {"u": "doc", "__dict__": "d"}
class Weird:
    pass
keep = []
for i in range(150):
    keep.append(M1())
    a = A()
    if i % 3 == 0:
        a.__class__ = B          # class reassignment after attrs set
    keep.append(a)
    b = B()
    if i % 5 == 0:
        b.__dict__ = DictSub(b.__dict__)
    keep.append(b)
    w = Weird()
    w.__dict__[1] = "int key"
    w.__dict__[(1, 2)] = "tuple key"
    w.z = 3
    keep.append(w)
    keep.append(NonStrMod()); keep[-1].m = 1
    keep.append(NoMod()); keep[-1].m = 1
    s = SlotDictCls(); s.extra = 1; keep.append(s)
    keep.append(SlotGen())
    e = A(); del e.x; keep.append(e)
    keep.append(weakref.ref(keep[-1]))
# a class whose instances outlive it in the module
class Gone:
    def __init__(self): self.k = 1
keep.extend(Gone() for _ in range(200))
del Gone
gc.freeze()
print("done", len(keep))
