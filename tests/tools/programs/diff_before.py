"""slotprof diff's real before/after pair: the "before" program.

2,000 instances of a plain class, alive at exit.  diff_after.py is the
same program with the __slots__ the report on this one recommends.
"""


class Point:
    def __init__(self, x, y, z):
        self.x = x
        self.y = y
        self.z = z


points = [Point(i, i + 1, i + 2) for i in range(2000)]
