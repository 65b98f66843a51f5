import sys
N = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
C = object
for i in range(N):
    C = type("C%d" % i, (C,), {})
objs = [C() for _ in range(3)]
for o in objs: o.a = 1
print("done", len(C.__mro__))
