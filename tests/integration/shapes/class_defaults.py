"""class_defaults: a class variable x = 0 serves as default; every other
instance sets x itself."""
from _shape import run


class Setting:
    x = 0

    def __init__(self, i):
        self.a = None
        if i % 2 == 0:
            self.x = 1


def new(i, slotted):
    return Setting(i)


run(globals(), new)
