name = "caf\udce9"           # a surrogateescape-decoded byte, as os.listdir gives
class A:
    pass
setattr(A, name, 0)           # a class default ...
objs = []
for i in range(300):
    a = A()
    a.x = i
    setattr(a, name, i)       # ... also set on the instances
    objs.append(a)
print("done")
