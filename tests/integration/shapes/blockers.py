"""blockers: classes whose slotting would break something, or needs a
review.  Every class gets N instances (argv[1])."""
import functools
import threading

from _shape import run


class Counter:
    """A class variable named like the instance attribute: blocks."""
    count = 0

    def __init__(self):
        self.count = 1
        self.a = None


class Document:
    """functools.cached_property needs the instance __dict__: blocks."""

    def __init__(self):
        self.text = "x y"

    @functools.cached_property
    def words(self):
        return 2


class Worker(threading.Thread):
    """A stdlib Python base without __slots__: blocks."""

    def __init__(self):
        super().__init__(daemon=True)
        self.job = None


class AppError(Exception):
    """BaseException carries a __dict__ in C: blocks."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


class Tagged(tuple):
    """Attributes on a variable-size builtin: nonempty __slots__ are not
    supported for subtypes of tuple: blocks."""

    def __init__(self, items):
        self.tag = None


class Level(int):
    """The same for int."""

    def __init__(self, value):
        self.label = None


class Proxy:
    """__getattr__ override: review."""

    def __init__(self):
        self.target = None

    def __getattr__(self, name):
        raise AttributeError(name)


class Guarded:
    """__setattr__ override: review."""

    def __init__(self):
        self.a = None

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)


class Saved:
    """__getstate__ override: review (pickle with slots)."""

    def __init__(self):
        self.a = None

    def __getstate__(self):
        return {"a": self.a}

    def __setstate__(self, state):
        self.a = state["a"]


PAIR = (None, None)


def new(i, slotted):
    d = Document()
    d.words
    return (Counter(), d, Worker(), AppError(i & 7), Tagged(PAIR),
            Level(i & 7), Proxy(), Guarded(), Saved())


run(globals(), new)
