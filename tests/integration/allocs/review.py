"""Regressions found in review (tests/integration/allocs.py, allocs/review):

    review.py CASE

meta      a metaclass made before the profiler started (metasite/
          sitecustomize.py) and a subclass of it whose __new__ calls
          super().__new__: must work, and their classes be counted
many      66,000 throw-away classes made by type(), then class After: one
          record per name, After still counted
peak      a class defined in a function called 10 times, 1,000 instances
          each, dropped: peak live 1,000, not 10,000
exec      exec() of 200 different lines in a loop (code objects reuse
          addresses): 200 sites, one per line
subint    a 3.12+ subinterpreter with its own GIL makes instances in a
          thread while the main thread does: no crash, main counts exact
Prints one line; the test reads the JSON report.
"""
import gc
import sys

case = sys.argv[1]
if case == "meta":
    M, M2 = __builtins__.M, __builtins__.M2  # from sitecustomize

    class C(metaclass=M):
        def __init__(self):
            self.a = 1
    keep = [C() for _ in range(100)]

    class D(metaclass=M2):
        def __init__(self):
            self.a = 1
    keep2 = [D() for _ in range(100)]
elif case == "many":
    for i in range(66000):
        K = type("K", (), {})
        k = K()
        del k, K
    gc.collect()

    class After:
        def __init__(self):
            self.a = 1
    keep = [After() for _ in range(1000)]
elif case == "peak":
    def make():
        class C:
            def __init__(self):
                self.a = 1
        xs = [C() for _ in range(1000)]
        del xs
    for _ in range(10):
        make()
elif case == "exec":
    class Foo:
        def __init__(self):
            self.a = 1
    keep = []
    g = {"Foo": Foo, "keep": keep}
    for i in range(200):
        exec("\n" * i + "keep.append(Foo())", g)
elif case == "subint":
    import threading
    try:
        import _xxsubinterpreters as si
    except ImportError:
        import _interpreters as si

    class Foo:
        def __init__(self):
            self.a = 1
    SUB = ("class Bar:\n    def __init__(self): self.b = 2\n"
           "for _ in range(100):\n    xs = [Bar() for _ in range(2000)]\n"
           "    del xs\n")

    def sub():
        # The default is an isolated interpreter: a GIL of its own
        # (3.12's _xxsubinterpreters, 3.13's _interpreters).
        iid = si.create()
        si.run_string(iid, SUB)
        si.destroy(iid)
    t = threading.Thread(target=sub)
    t.start()
    made = 0
    while t.is_alive() or made < 20000:
        xs = [Foo() for _ in range(2000)]
        del xs
        made += 2000
    t.join()
    keep = [Foo() for _ in range(7)]
print("ok")
