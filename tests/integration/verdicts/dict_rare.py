"""dict_rare: the instance __dict__ read on a path the profiled run did
not take (so no census saw a materialized dict).

    dict_rare.py      path A
    dict_rare.py B    path B: Event.as_dict() (self.__dict__ in the
                      class's own code) and vars(event) outside it

With __slots__ both raise AttributeError / TypeError."""
import sys


class Event:
    def __init__(self, kind, payload):
        self.kind = kind
        self.payload = payload

    def as_dict(self):
        return dict(self.__dict__)


def outcome(what, fn):
    try:
        print("%s: ok %s" % (what, fn()))
    except Exception as e:
        print("%s: %s: %s" % (what, type(e).__name__, e))


events = [Event("k%d" % (i % 3), i) for i in range(1000)]
if len(sys.argv) > 1:
    outcome("as_dict", lambda: sorted(events[0].as_dict()))
    outcome("vars", lambda: sorted(vars(events[1])))
print("events:", len(events))
