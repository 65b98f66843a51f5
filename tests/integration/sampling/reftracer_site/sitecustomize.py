# Installs libc's abs() as the reference tracer (CPython 3.13+), with
# data 0x5107, before the program starts; see ../reftracer.py.
import ctypes
import sys

if sys.version_info >= (3, 13):
    _libc = ctypes.CDLL(None)
    ctypes.pythonapi.PyRefTracer_SetTracer.restype = ctypes.c_int
    ctypes.pythonapi.PyRefTracer_SetTracer.argtypes = [ctypes.c_void_p,
                                                       ctypes.c_void_p]
    ctypes.pythonapi.PyRefTracer_SetTracer(
        ctypes.cast(_libc.abs, ctypes.c_void_p).value, 0x5107)
