"""exits: the ways a process ends.

    exits.py MODE

Builds 1234 Exiting objects, prints two lines (flushed), then ends as
MODE says:

    osexit         os._exit(5)
    osexit-thread  a second thread calls os._exit(6); main waits
    ctypes-exit    libc _exit(4) through ctypes.CDLL, which releases the
                   GIL around the call
    pydll-exit     libc _exit(9) through ctypes.PyDLL (GIL held)
    sysexit        sys.exit(3)
    kbint          raise KeyboardInterrupt at top level
    sigint         SIGINT to itself, Python's default handler
    delraise       a module global whose __del__ raises at shutdown
    atexitraise    an atexit callback that raises
"""
import atexit
import os
import signal
import sys
import threading
import time


class Exiting:
    def __init__(self, i):
        self.i = i
        self.how = None


class Grumpy:
    def __del__(self):
        raise ValueError("Grumpy.__del__ refuses")


def refuse():
    raise RuntimeError("atexit callback refuses")


KEEP = [Exiting(i) for i in range(1234)]
mode = sys.argv[1]
print("mode", mode)
print("kept", len(KEEP))
sys.stdout.flush()

if mode == "osexit":
    os._exit(5)
elif mode == "osexit-thread":
    threading.Thread(target=os._exit, args=(6,)).start()
    time.sleep(30)
elif mode in ("ctypes-exit", "pydll-exit"):
    import ctypes
    lib = (ctypes.CDLL if mode == "ctypes-exit" else ctypes.PyDLL)(None)
    lib._exit(4 if mode == "ctypes-exit" else 9)
elif mode == "sysexit":
    sys.exit(3)
elif mode == "kbint":
    raise KeyboardInterrupt
elif mode == "sigint":
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(30)
elif mode == "delraise":
    GRUMPY = Grumpy()
elif mode == "atexitraise":
    atexit.register(refuse)
print("end of program")
