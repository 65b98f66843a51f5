"""subclass_layout: a subclass without instances combines two classes
that each get non-empty slots.

    subclass_layout.py      path A: Points and Labels only
    subclass_layout.py B    path B: one LabelledPoint too

Each of Point and Label alone is "safe"; with both plans applied the
statement `class LabelledPoint(Point, Label)` raises TypeError (multiple
bases have instance lay-out conflict) -- at import, on both paths."""
import sys


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y


class Label:
    def __init__(self, text):
        self.text = text


class LabelledPoint(Point, Label):  # no instances on path A
    def __init__(self, x, y, text):
        Point.__init__(self, x, y)
        Label.__init__(self, text)


points = [Point(i, -i) for i in range(1000)]
labels = [Label(str(i)) for i in range(1000)]
if len(sys.argv) > 1:
    points.append(LabelledPoint(1, 2, "p"))
print("points:", len(points), "labels:", len(labels),
      sum(p.x for p in points))
