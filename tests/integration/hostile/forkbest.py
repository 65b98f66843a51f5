import os, gc, sys
class Parent:
    def __init__(self, i): self.i = i
big = [Parent(i) for i in range(100000)]
gc.collect()                    # census in the parent: 100,000 Parent
del big
pid = os.fork()
if pid == 0:
    class Child:
        def __init__(self): self.c = 1
    few = [Child() for _ in range(500)]
    sys.exit(0)                 # child runs atexit -> its own report
os.waitpid(pid, 0)
