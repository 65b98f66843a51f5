"""class_assign: the state pattern -- an instance changes its class to a
subclass that has no instances on the profiled path.

    class_assign.py      path A
    class_assign.py B    path B: one connection is closed

With Connection slotted and Closed (no instances, not in the plan) still
carrying a __dict__, `conn.__class__ = Closed` raises TypeError
(__class__ assignment: ... object layout differs ...)."""
import sys


class Connection:
    def __init__(self, host, port):
        self.host = host
        self.port = port

    def state(self):
        return "open"


class Closed(Connection):
    def state(self):
        return "closed"


conns = [Connection("h%d" % i, 8000 + i) for i in range(1000)]
if len(sys.argv) > 1:
    conns[0].__class__ = Closed
print("states:", sorted(set(c.state() for c in conns)))
