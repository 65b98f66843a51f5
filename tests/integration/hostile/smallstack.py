import threading, gc, sys
threading.stack_size(int(sys.argv[1]) if len(sys.argv) > 1 else 65536)
class Base0: pass
class Base1(Base0): pass
class Base2(Base1): pass
class Base3(Base2): pass
class A(Base3):
    def __init__(self, i): self.i = i; self.j = i
out = []
def run():
    keep = []
    for k in range(30):
        keep.append([A(i) for i in range(20000)])
        gc.collect()        # full collection in this thread -> gc callback here
    out.append(len(keep))
t = threading.Thread(target=run); t.start(); t.join()
print("done", out)
