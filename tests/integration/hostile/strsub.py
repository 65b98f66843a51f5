import sys
class S(str):
    def __hash__(self):
        sys.stdout.write("S.__hash__ called\n")
        return str.__hash__(self)
    def __eq__(self, other):
        sys.stdout.write("S.__eq__ called\n")
        return str.__eq__(self, other)
class A:
    x = 0          # class variable named like the instance key
objs = []
for i in range(3):
    a = A()
    a.__dict__[S("x")] = i
    objs.append(a)
print("done")
