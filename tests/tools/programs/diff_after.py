"""slotprof diff's real before/after pair: the "after" program.

diff_before.py with the __slots__ its report recommends (the test checks
that the recommendation is exactly this).
"""


class Point:
    __slots__ = ('x', 'y', 'z')

    def __init__(self, x, y, z):
        self.x = x
        self.y = y
        self.z = z


points = [Point(i, i + 1, i + 2) for i in range(2000)]
