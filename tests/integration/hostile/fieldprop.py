import dataclasses, sys
real = dataclasses.Field._field_type       # member descriptor (Field has __slots__)
class Spy:
    def __get__(self, obj, tp=None):
        if obj is None: return self
        sys.stdout.write("Field._field_type read by the profiler\n")
        return real.__get__(obj, tp)
@dataclasses.dataclass
class A:
    x: int = 0
keep = [A() for _ in range(2000)]
dataclasses.Field._field_type = Spy()   # after class creation, so only the census reads it
import gc; gc.collect()
print("done")
