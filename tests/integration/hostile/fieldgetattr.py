import dataclasses, sys
@dataclasses.dataclass
class A:
    x: int = 0
keep = [A() for _ in range(2000)]
def ga(self, name):
    if name == "_field_type":
        sys.stdout.write("Field.__getattribute__ called by the profiler\n")
    return object.__getattribute__(self, name)
dataclasses.Field.__getattribute__ = ga
import gc; gc.collect()
print("done")
