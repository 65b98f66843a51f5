# A str-subclass attribute key whose __hash__ frees the instances while
# slotprof's exit census holds borrowed pointers to their keys.
import atexit
exiting = False
class S(str):
    def __hash__(self):
        if exiting:
            objs.clear()        # frees every instance, dict and key
        return str.__hash__(self)
class A:
    x = 0
objs = []
for i in range(200):
    a = A()
    a.__dict__[S("x")] = i
    a.__dict__[S("attr%d" % i)] = i
    objs.append(a)
atexit.register(lambda: globals().__setitem__("exiting", True))
print("done")
