"""Widget instances made by a C extension (spext.make_many) and by Python
(native test)."""
import sys

sys.path.insert(0, sys.argv[1])
import spext                             # noqa: E402


class Widget:
    def __init__(self):
        self.w = 1


from_c = spext.make_many(Widget, 300)
from_py = [Widget() for _ in range(200)]
