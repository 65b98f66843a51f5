import dataclasses, sys
class Spy:
    def __getattr__(self, name):
        sys.stdout.write("Spy.__getattr__(%s) called by the profiler\n" % name)
        raise AttributeError(name)
class A:
    __dataclass_fields__ = {"x": Spy()}     # e.g. a library mimicking dataclasses
    def __init__(self): self.x = 1
keep = [A() for _ in range(10)]
print("done")
