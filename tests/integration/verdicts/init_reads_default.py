"""init_reads_default: a class default read by a subclass's __init__
before the base's __init__ has run.

    init_reads_default.py      path A
    init_reads_default.py B    path B: one Button sets `verbose`

A plan that moves the default `verbose = False` into Widget.__init__
(issue 9, item 1) breaks path A itself: Button.__init__ reads
self.verbose before it calls super().__init__().  A plan that leaves it
in the class body breaks path B, as today (read-only attribute)."""
import sys


class Widget:
    verbose = False                 # class default

    def __init__(self):
        self.children = []
        self.name = None


class Button(Widget):
    def __init__(self, label):
        if self.verbose:            # read before Widget.__init__ runs
            print("making", label)
        super().__init__()
        self.label = label


buttons = [Button(i) for i in range(1000)]
widgets = [Widget() for _ in range(300)]
if len(sys.argv) > 1:
    buttons[0].verbose = True
print("verbose:", sum(1 for b in buttons if b.verbose), len(widgets))
