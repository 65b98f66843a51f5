"""weakref_rare: weak references on a path the profiled run did not
take (no census saw a weakly referenced instance, so the plan has no
'__weakref__').

    weakref_rare.py      path A
    weakref_rare.py B    path B: a WeakSet of listeners

With __slots__ = ('name', 'calls'), path B raises TypeError (cannot
create weak reference to 'Listener' object)."""
import sys
import weakref


class Listener:
    def __init__(self, name):
        self.name = name
        self.calls = 0


listeners = [Listener("l%d" % i) for i in range(1000)]
if len(sys.argv) > 1:
    live = weakref.WeakSet(listeners[:10])
    print("weakly held:", len(live))
print("listeners:", len(listeners))
