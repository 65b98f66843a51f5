"""minimal: the shape of issue 9.  A class-level default that the
profiled run (path A) never sets on an instance; path B sets it on one.

    minimal.py        path A
    minimal.py B      path B: scopes[0].uses_locals = True

Reported today "safe, __slots__ = ('names', 'ret')": with that plan path
B raises AttributeError ('Scope' object attribute 'uses_locals' is
read-only)."""
import sys


class Scope:
    uses_locals = False           # class-level default

    def __init__(self):
        self.names = {}
        self.ret = None


scopes = [Scope() for _ in range(1000)]
if len(sys.argv) > 1:             # a path the profiled run did not take
    scopes[0].uses_locals = True
print(len(scopes), sum(s.uses_locals for s in scopes),
      sorted(set(type(s.names).__name__ for s in scopes)))
