"""ranking: several classes whose ranking by total saving differs by
CPython version.  Per-instance savings (CPYTHON.md section 1): a 1-attr
class saves ~113 B on 3.8-3.10 but ~32-48 B on 3.11+; a 30-attr class
saves ~160-180 B on 3.8-3.10 but ~1,400-1,650 B on 3.11+ (shared-keys
cliff).  With 4,000 One, 2,000 Five and 600 Thirty instances:
3.8-3.10 rank One > Five > Thirty, 3.11+ rank Thirty > One > Five.
Few has 50 instances: below min_instances (100), not recommended.
N (argv[1]) is ignored: the counts are fixed."""
from _shape import run

COUNTS = {"One": 4000, "Five": 2000, "Thirty": 600, "Few": 50}
THIRTY = tuple("t%02d" % k for k in range(30))


class One:
    def __init__(self):
        self.a = None


class Five:
    def __init__(self):
        self.a = None
        self.b = None
        self.c = None
        self.d = None
        self.e = None


class Thirty:
    def __init__(self):
        for name in THIRTY:
            setattr(self, name, None)


class Few:
    def __init__(self):
        self.a = None
        self.b = None


def prelude(slotted):
    keep = []
    for cls in (One, Five, Thirty, Few):
        keep.extend(cls() for _ in range(COUNTS[cls.__name__]))
    return keep


def new(i, slotted):
    raise AssertionError("ranking uses N = 0")


run(globals(), new)
