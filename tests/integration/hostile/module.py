import sys
class M:
    def __hash__(self):
        sys.stdout.write("M.__hash__ called\n")
        return 1
    def __eq__(self, o):
        sys.stdout.write("M.__eq__ called\n")
        return False
class A:
    pass
A.__module__ = M()
objs = [A() for i in range(3)]
for o in objs: o.y = 1
print("done")
