# __dataclass_fields__ whose values grow the dict while slotprof iterates it:
# collect_fields() sized d->fields from PyDict_Size() before the loop.
import dataclasses
FIELD = dataclasses._FIELD
class Spy:
    def __getattr__(self, name):
        if name == "_field_type":
            n = len(A.__dict__["__dataclass_fields__"])
            if n < 5000:
                A.__dict__["__dataclass_fields__"]["f%d" % n] = Spy()
            return FIELD
        raise AttributeError(name)
class A:
    __dataclass_fields__ = {"x": Spy()}
    def __init__(self): self.x = 1
keep = [A() for _ in range(10)]
print("done")
