"""blockers: one class (or small hierarchy) per blocker code of the
report, to apply each plan as printed and see what CPython really does
(issue 9, item 4: "Check every blocker text against what CPython really
does").

    blockers.py          profile: 300 instances of every case, kept
    blockers.py CASE     probe: with the case's plan applied (by the
                         harness, apply_plan.py), run the operations its
                         blocker text talks about; one line per
                         operation: "OP: ok" or "OP: Type: message"

A plan that makes a class statement fail stops the program at import:
the traceback on stderr is the observation then.  Cases: verdicts.py,
BLOCKER_CASES.  Not here: plan-incomplete (a profiler inconsistency, no
program can provoke it)."""
import functools
import sys
import threading

N = 300


class Counter:
    """class-variable: a class variable named like an instance attribute."""
    count = 0

    def __init__(self, i):
        self.count = i
        self.step = 1


class Kind:
    """class-variable: SubKind.kind shadows the slot declared in Kind."""

    def __init__(self):
        self.kind = "kind"


class SubKind(Kind):
    kind = "sub"


class Part:
    """class-variable, the docutils `entry` shape: Element.tagname is a
    class default, Part's code sets tagname, Part precedes Element in
    Entry's MRO."""

    def mark(self, tag):
        self.tagname = tag


class Element:
    tagname = None

    def __init__(self):
        self.children = []


class Entry(Part, Element):
    pass


class Widget:
    """class-default-hidden: the default lives in a base."""
    color = None


class Button(Widget):
    def __init__(self, i):
        self.label = i
        if i % 4 == 0:
            self.color = "red"


class Handler:
    """class-variable: an instance attribute named like a method (not
    plain data: no __init__ can take the method's place)."""

    def __init__(self, cb):
        self.on_event = cb

    def on_event(self):
        return "method"


class Tagged(tuple):
    """varsize-base."""

    def __init__(self, items):
        self.tag = None


class Doc:
    """cached-property."""

    def __init__(self):
        self.text = "x y"

    @functools.cached_property
    def words(self):
        return len(self.text.split())


class A:
    """layout-conflict: A and B get non-empty slots, C(A, B) combines
    them."""

    def __init__(self):
        self.a = None


class B:
    def __init__(self):
        self.b = None


class C(A, B):
    def __init__(self):
        A.__init__(self)
        B.__init__(self)


class AppError(Exception):
    """base-has-dict."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


class Worker(threading.Thread):
    """base-not-editable."""

    def __init__(self):
        super().__init__(daemon=True)
        self.job = None


class Bag:
    """non-str-key."""

    def __init__(self, i):
        self.name = i
        self.__dict__[1] = "one"


class Row:
    """materialized-dict (a warning, 3.11+): some instances had their
    __dict__ read."""

    def __init__(self, i):
        self.a = i
        self.b = None


def profile():
    keep = []
    for i in range(N):
        e = Entry()
        Element.__init__(e)
        if i % 2:
            e.mark("entry")
        row = Row(i)
        if i % 3 == 0:
            vars(row)
        keep.extend([Counter(i), Kind(), SubKind(), e, Button(i),
                     Tagged((i,)), Doc(), A(), B(), C(), AppError(i),
                     Worker(), Bag(i), row, Handler(len)])
        keep[-9].words
    return keep


def outcome(op, fn):
    try:
        r = fn()
        print("%s: ok%s" % (op, "" if r is None else " %r" % (r,)))
    except Exception as e:
        print("%s: %s: %s" % (op, type(e).__name__, e))


def probe(case):
    if case == "Counter":
        outcome("create", lambda: Counter(1).count)
    elif case == "SubKind":
        outcome("set kind (in Kind.__init__)", lambda: SubKind().kind)
    elif case == "Entry":
        e = Entry()
        Element.__init__(e)
        outcome("read tagname before setting it", lambda: e.tagname)
        outcome("set tagname", lambda: e.mark("entry"))
        outcome("read tagname after setting it", lambda: e.tagname)
    elif case == "Button":
        outcome("read unset color", lambda: Button(1).color)
        outcome("set color", lambda: setattr(Button(1), "color", "x"))
    elif case == "Handler":
        outcome("create", lambda: Handler(len).on_event is len)
    elif case == "Tagged":
        outcome("create", lambda: Tagged((1,)).tag)
    elif case == "Doc":
        outcome("access cached_property words", lambda: Doc().words)
    elif case == "C":
        outcome("create", lambda: C().a)
    elif case == "AppError":
        outcome("instance __dict__ kept", lambda: hasattr(AppError(1),
                                                          "__dict__"))
    elif case == "Worker":
        outcome("instance __dict__ kept", lambda: hasattr(Worker(),
                                                          "__dict__"))
    elif case == "Bag":
        outcome("create (puts a non-str key in __dict__)",
                lambda: Bag(1).name)
    elif case == "Row":
        outcome("read obj.__dict__", lambda: sorted(Row(1).__dict__))
        outcome("vars(obj)", lambda: sorted(vars(Row(1))))
    else:
        sys.exit("unknown case %r" % case)


if len(sys.argv) > 1:
    probe(sys.argv[1])
else:
    KEEP = profile()
    print("profiled:", len(KEEP))
