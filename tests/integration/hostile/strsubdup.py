class S(str):
    pass
class A:
    pass
keep = []
for i in range(3000):
    a = A()
    a.__dict__[S("x")] = i
    a.y = 1
    keep.append(a)
print("done")
