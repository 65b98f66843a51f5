import sys
class myprop(property):
    def __getattribute__(self, name):
        sys.stdout.write("myprop.__getattribute__(%s)\n" % name)
        return property.__getattribute__(self, name)
class A:
    def __init__(self): self.x = 1
    @myprop
    def p(self): return self.x
objs = [A() for i in range(3)]
print("done")
