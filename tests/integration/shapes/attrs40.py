"""attrs40: forty attributes set in __init__ -- past CPython's shared-keys
limit (SHARED_KEYS_MAX_SIZE = 30) on 3.11+."""
from _shape import run

NAMES = tuple("f%02d" % k for k in range(40))


class Forty:
    def __init__(self):
        for name in NAMES:
            setattr(self, name, None)


class FortySlotted:
    __slots__ = NAMES

    def __init__(self):
        for name in NAMES:
            setattr(self, name, None)


def new(i, slotted):
    return FortySlotted() if slotted else Forty()


run(globals(), new)
