"""class_default_hidden: the default lives in a base class (never
instantiated); a slot for it in the subclass would hide the default from
the instances that never set it."""
from _shape import run


class Widget:
    color = None


class Button(Widget):
    def __init__(self, i):
        self.label = None
        if i % 4 == 0:
            self.color = 3


def new(i, slotted):
    return Button(i)


run(globals(), new)
