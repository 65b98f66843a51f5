"""reftracer (CPython 3.13+): another PyRefTracer is already set.

    PYTHONPATH=<dir with reftracer_site/sitecustomize.py> reftracer.py SECONDS

sitecustomize (run by site, before the program) installed libc's abs()
as the reference tracer: a C function, since a ctypes callback written in
Python would be called for the objects its own call creates, without
end.  The program builds 2000 Ref objects, sleeps SECONDS (snapshots),
and prints whether the tracer is still the one it installed.
"""
import ctypes
import sys
import time


class Ref:
    def __init__(self, i):
        self.i = i
        self.kind = "ref"


KEEP = []          # alive until the exit census (atexit)


def main():
    seconds = float(sys.argv[1])
    KEEP.extend(Ref(i) for i in range(2000))
    time.sleep(seconds)
    api = ctypes.pythonapi
    api.PyRefTracer_GetTracer.restype = ctypes.c_void_p
    api.PyRefTracer_GetTracer.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
    data = ctypes.c_void_p()
    now = api.PyRefTracer_GetTracer(ctypes.byref(data))
    libc = ctypes.CDLL(None)
    want = ctypes.cast(libc.abs, ctypes.c_void_p).value
    print("%d objects; tracer still abs: %s, data %s"
          % (len(KEEP), now == want, data.value == 0x5107))


if __name__ == "__main__":
    main()
