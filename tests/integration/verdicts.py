"""Integration tests of issue 9, "Verdicts that hold": a plan the report
calls safe must not break the program.

jobs(interp, want, keep) yields (test name, callable), as sampling.py
and allocs.py do, whose Ctx and job wrapper these tests share.

  verdict/PROG   a program of verdicts/ with two paths: A (no argument)
                 and B (argument "B"), a path the profiled run did not
                 take.  Path A runs under the library (JSON report);
                 every recommended plan whose verdict is "safe" is then
                 applied (apply_plan.py) and both paths run with the
                 plans and without: exit status, stdout and stderr must
                 be identical.  The classes the program is about must
                 be in the report with enough instances to be judged;
                 whatever their verdict, no safe plan may break a path.
                 A failure names the plans applied and the first
                 difference (exception, message, file:line).  When a
                 class the program is about gets "review", its plan is
                 applied too and the outcome shown, not judged.
  apply/CASE     a blocker (or warning) of the report against CPython:
                 verdicts/blockers.py is profiled once per interpreter,
                 the plan of one class is applied exactly as printed, and
                 the operations its text talks about are run.  What
                 CPython does must be what the case expects (the truth,
                 asserted exactly), and the text must name that failure:
                 its exception type, its operation (class statement,
                 setting, reading, __dict__), and no "setting/reading
                 ... raises" for an operation that works.
  apply/helper*  apply_plan.py itself: it applies every form and option
                 (a plan that silently did nothing would make every
                 verdict test pass), leaves other classes and the
                 program's output alone, and runs the sitecustomize it
                 hides.
"""
import json
import os
import re
import threading

import apply_plan
import sampling

HERE = os.path.dirname(os.path.abspath(__file__))
PROGS = os.path.join(HERE, "verdicts")

# (program, classes of __main__ it is about, minimum CPython or None)
VERDICT_PROGRAMS = [
    ("minimal", ["Scope"], None),
    ("later_phase", ["Node"], None),
    ("subclass_default", ["Base", "Derived"], None),
    ("init_reads_default", ["Button", "Widget"], None),
    ("class_level_read", ["Config"], None),
    ("setattr_computed", ["Record"], None),
    ("subclass_layout", ["Point", "Label"], None),
    ("subclass_shadow", ["Kind"], None),
    ("class_assign", ["Connection"], None),
    ("pickle_rare", ["Item"], None),
    ("dict_rare", ["Event"], None),
    ("weakref_rare", ["Listener"], None),
    ("dataclass_super", ["Circle"], None),
    ("class_dict_read", ["Formatter"], None),
    ("slotted_mixin", ["Record", "Entry"], None),
]


def load(path):
    with open(path) as f:
        return json.load(f)


def find(report, qualname, module="__main__"):
    for c in report.get("classes") or []:
        if c.get("qualname") == qualname and c.get("module") == module:
            return c
    return None


def step_text(s):
    names = tuple(s.get("names") or ())
    form = s.get("form")
    if form == "dataclass":
        code = "@dataclass(slots=True)"
    elif form == "empty_slots" or not names:
        code = "__slots__ = ()"
    else:
        code = "__slots__ = %r" % (names,)
    md = [m["name"] for m in s.get("moved_defaults") or []]
    return "%s.%s %s%s" % (s.get("module"), s.get("qualname"), code,
                           " (moves %s)" % ", ".join(md) if md else "")


_FILE_LINE = re.compile(r'^\s*File "([^"]+)", line (\d+)')


def last_exception(err, mine=PROGS):
    """'Type: message at file:line' of the last traceback on stderr, or
    None.  file:line is the innermost frame in a file under `mine` (the
    program's own code), followed by the innermost frame of all when
    that is elsewhere (the standard library); never a frame of the
    helper that applies the plan (a class statement fails inside it)."""
    lines = err.decode("utf-8", "replace").splitlines()
    own = inner = None
    for line in lines:
        m = _FILE_LINE.match(line)
        if not m or os.path.basename(m.group(1)) in ("apply_plan.py",
                                                     "sitecustomize.py"):
            continue
        inner = "%s:%s" % (os.path.basename(m.group(1)), m.group(2))
        if os.path.abspath(m.group(1)).startswith(mine + os.sep):
            own = inner
    where = own or inner
    if own and inner != own:
        where += " (innermost %s)" % inner
    tail = [l for l in lines if l.strip() and not l.startswith((" ", "\t"))
            and not l.startswith("Traceback")]
    if not tail:
        return None
    return "%s%s" % (tail[-1], " at " + where if where else "")


def first_difference(a, b):
    la = a.decode("utf-8", "replace").splitlines()
    lb = b.decode("utf-8", "replace").splitlines()
    for k in range(max(len(la), len(lb))):
        x = la[k] if k < len(la) else "<no line>"
        y = lb[k] if k < len(lb) else "<no line>"
        if x != y:
            return "line %d: %r -> %r" % (k + 1, x, y)
    return None


def compare(plain, applied, mine=PROGS):
    """None if the runs are the same, else the evidence."""
    parts = []
    if plain.rc != applied.rc:
        parts.append("exit status %s -> %s" % (plain.rc, applied.rc))
    if plain.err != applied.err:
        exc = last_exception(applied.err, mine)
        parts.append("stderr: %s" % (exc or first_difference(plain.err,
                                                             applied.err)))
    if plain.out != applied.out:
        parts.append("stdout %s" % first_difference(plain.out, applied.out))
    return "; ".join(parts) or None


def run_paths(c, argvs, report_path, tag, verdicts=("safe",),
              classes=None):
    """Run each path plain and with the plan; {path: (evidence or None,
    result)}."""
    out = {}
    for path, argv in argvs:
        plain = c.run(argv, None, profiled=False)
        res = c.path("applied-%s-%s.json" % (tag, path))
        extra = apply_plan.child_env({}, report_path, verdicts=verdicts,
                                     classes=classes, result=res)
        applied = c.run(argv, None, profiled=False, extra=extra)
        result = apply_plan.read_result(res)
        c.m.true(plain.rc == 0, "path %s fails without any plan: %s"
                 % (path, plain.brief()))
        out[path] = (compare(plain, applied), result)
    return out


def unapplied(result):
    """Steps of the plan that did not take effect, as text."""
    if result is None:
        return ["no result file: the plan was not installed"]
    bad = []
    for s in result.get("steps") or []:
        if s.get("applied", 0) < 1 or s.get("errors"):
            bad.append("%s: created %s, applied %s%s" % (
                apply_plan.class_key(s["module"], s["qualname"]),
                s.get("created"), s.get("applied"),
                "".join("; " + e for e in s.get("errors") or [])))
    return bad


# ---------------------------------------------------------------- verdict/*

def later_phase_precondition(c, report):
    """later_phase: the report shows a phase-1 census (no document), a
    gc census saw phase 2 (20,000 nodes), the exit census 18,000."""
    node = find(report, "Node")
    series = report.get("series") or {}
    col = None
    for s in series.get("classes") or []:
        if (s.get("module"), s.get("qualname")) == ("__main__", "Node"):
            col = s.get("instances")
    trig = series.get("trigger") or []
    if node is None or col is None:
        raise c.R.Failure("precondition: Node not in the report's series")
    seen = [(t, n) for t, n in zip(trig, col)]
    if not node.get("instances", 0) > 20000:
        raise c.R.Failure("precondition: the report shows a census with "
                          "%s Nodes, not a phase-1 one (> 20,000); "
                          "censuses: %s" % (node.get("instances"), seen))
    if ("gc", 20000) not in seen:
        raise c.R.Failure("precondition: no gc census saw phase 2 (20,000 "
                          "Nodes); censuses (trigger, Nodes): %s" % seen)
    if not seen or seen[-1] != ("exit", 18000):
        raise c.R.Failure("precondition: the exit census does not show "
                          "the 18,000 survivors: %s" % seen)
    return "censuses %s" % seen


PRECONDITIONS = {"later_phase": later_phase_precondition}


def t_verdict(c, prog, subjects):
    R = c.R
    path = os.path.join(PROGS, prog + ".py")
    argv_a = [c.interp.path, path]
    argv_b = argv_a + ["B"]
    report_path = c.path("r.json")
    prof = c.run(argv_a, "output=%s,text=none" % report_path)
    if prof.rc != 0 or prof.err != b"":
        raise R.Failure("path A under the library: " + prof.brief())
    report = load(report_path)
    mini = report.get("min_instances", 100)
    verdicts = {}
    for q in subjects:
        k = find(report, q)
        if k is None:
            raise R.Failure("precondition: %s not in the report" % q)
        if k.get("instances", 0) < mini:
            raise R.Failure("precondition: %s has %s instances, fewer than "
                            "min_instances %s" % (q, k.get("instances"),
                                                  mini))
        verdicts[q] = k
    notes = []
    if prog in PRECONDITIONS:
        notes.append(PRECONDITIONS[prog](c, report))
    steps, selected, _ = apply_plan.select_steps(report)
    safe = ", ".join(step_text(s) for s in steps) or "none"
    runs = run_paths(c, [("A", argv_a), ("B", argv_b)], report_path, "safe")
    broke = []
    for p in ("A", "B"):
        ev, result = runs[p]
        if ev is not None:
            broke.append("path %s: %s" % (p, ev))
        else:
            bad = unapplied(result)
            c.m.true(not bad, "path %s: the safe plan was not applied "
                     "(the comparison proves nothing): %s" % (p, bad))
    desc = "; ".join(
        "%s %s%s" % (q, k.get("verdict"),
                     " [%s]" % ",".join(i["code"] for i in
                                        (k.get("blockers") or [])
                                        + (k.get("warnings") or []))
                     if k.get("blockers") or k.get("warnings") else "")
        for q, k in verdicts.items())
    if broke:
        c.m.true(False, "safe plans broke the program: %s -- plans applied "
                 "(%s): %s" % ("; ".join(broke), desc, safe))
        return ""
    # Informational: the plans of the classes under study that got
    # "review" (issue 9: a review plan must be sound on its own, or say
    # what else to do).
    review = [q for q, k in verdicts.items() if k.get("verdict") == "review"]
    if review:
        rr = run_paths(c, [("A", argv_a), ("B", argv_b)], report_path,
                       "review", verdicts=("safe", "review"))
        notes.append("review plans %s: %s" % (
            ",".join(review), "; ".join(
                "path %s %s" % (p, "identical" if rr[p][0] is None
                                else "differs: " + rr[p][0])
                for p in ("A", "B"))))
    return "%s; safe plans %s; A and B identical%s" % (
        desc, safe, "".join("; " + n for n in notes))


# ---------------------------------------------------------------- apply/*
# One case per blocker (or warning that names a failure) of
# verdicts/blockers.py: the class whose plan is applied as printed, the
# issue code and list, a filter on the steps (None: all), and the
# outcomes CPython may show -- the truth, asserted exactly; more than one
# where the plan itself may change (a plan that drops the name the text
# is about).  An outcome is a dict:
#   op      the operation that fails (or shows the effect): a key of OPS
#   exc     the exception it raises, None when nothing raises; a tuple
#           when the text names several operations, each raising one
#   lines   the probe's stdout, regular expressions over whole lines; or
#   klass   instead, a regular expression over the last traceback line
#           when the class statement itself fails
#   named   False when the text need not name `exc` (its wording states
#           the cause, not the symptom)
# A text names a failure by its exception type or by quoting CPython's
# message.

OPS = {
    "class": r"__slots__ naming|class statement|not supported for subtype"
             r"|lay-out conflict|class creation",
    "set": r"\bsett?ing\b|\bassign",
    "read": r"\bread(ing)?\b",
    "dict": r"__dict__",
    "moved": r"__init__",
}

BLOCKER_CASES = [
    ("class-variable-conflict", "Handler", "class-variable", "blockers",
     None, [dict(op="class", exc="ValueError",
                 klass=r"ValueError: 'on_event' in __slots__ conflicts "
                       r"with class variable")]),
    # Plain-data class defaults are no blockers: the plan moves them
    # (class-default-moved), and applied with the moves the operations
    # the old blockers broke work as without slots.
    ("class-default-moved-same", "Counter", "class-default-moved",
     "warnings", None, [dict(op="moved", exc=None, lines=[
         r"create: ok 1"])]),
    ("class-default-moved-subclass", "SubKind", "class-default-moved",
     "warnings", None, [dict(op="moved", exc=None, lines=[
         r"set kind \(in Kind.__init__\): ok 'kind'"])]),
    # The docutils `entry` shape of issue 9 item 4.
    ("class-default-moved-entry", "Entry", "class-default-moved",
     "warnings", None, [dict(op="moved", exc=None, lines=[
         r"read tagname before setting it: ok",
         r"set tagname: ok",
         r"read tagname after setting it: ok 'entry'"])]),
    ("class-default-moved-base", "Button", "class-default-moved",
     "warnings", None, [dict(op="moved", exc=None, lines=[
         r"read unset color: ok",
         r"set color: ok"])]),
    ("varsize-base", "Tagged", "varsize-base", "blockers", None,
     [dict(op="class", exc="TypeError",
           klass=r"TypeError: nonempty __slots__ not supported for subtype "
                 r"of 'tuple'")]),
    # The plan leaves 'words' out of __slots__ (the class statement
    # would refuse it); then its first access fails.
    ("cached-property", "Doc", "cached-property", "blockers", None,
     [dict(op="read", exc="TypeError", lines=[
          r"access cached_property words: TypeError: No '__dict__' "
          r"attribute on 'Doc' instance to cache 'words' property\."])]),
    ("layout-conflict", "C", "layout-conflict", "blockers", None,
     [dict(op="class", exc="TypeError",
           klass=r"TypeError: multiple bases have instance lay-out "
                 r"conflict")]),
    ("base-has-dict", "AppError", "base-has-dict", "blockers", None,
     [dict(op="dict", exc=None,
           lines=[r"instance __dict__ kept: ok True"])]),
    # The user cannot edit threading.Thread: apply the steps of their
    # own classes, as they would.
    ("base-not-editable", "Worker", "base-not-editable", "blockers",
     lambda s: s["module"] == "__main__",
     [dict(op="dict", exc=None,
           lines=[r"instance __dict__ kept: ok True"])]),
    # "which no slot can hold": the cause; the symptom is the program's
    # own write into __dict__ failing.
    ("non-str-key", "Bag", "non-str-key", "blockers", None,
     [dict(op="dict", exc="AttributeError", named=False, lines=[
         r"create \(puts a non-str key in __dict__\): AttributeError: "
         r"'Bag' object has no attribute '__dict__'"])]),
    # The text names two operations: obj.__dict__ raises AttributeError,
    # vars(obj) TypeError.
    ("materialized-dict", "Row", "materialized-dict", "warnings", None,
     [dict(op="dict", exc=("AttributeError", "TypeError"), lines=[
         r"read obj.__dict__: AttributeError: 'Row' object has no "
         r"attribute '__dict__'",
         r"vars\(obj\): TypeError: vars\(\) argument must have __dict__ "
         r"attribute"])]),
]


_blocker_reports = {}
_blocker_lock = threading.Lock()


def _blocker_report(c):
    """verdicts/blockers.py profiled, once per interpreter (the apply/*
    tests of one interpreter share the report)."""
    with _blocker_lock:
        key = (c.interp.path, c.interp.lib)
        if key not in _blocker_reports:
            out = c.path("blockers.json")
            p = c.run([c.interp.path, os.path.join(PROGS, "blockers.py")],
                      "output=%s,text=none" % out)
            if p.rc != 0 or p.err != b"":
                raise c.R.Failure("blockers.py under the library: "
                                  + p.brief())
            _blocker_reports[key] = load(out)
        return _blocker_reports[key]


def _matches(outcome, p, got_lines):
    if "klass" in outcome:
        return p.rc == 1 and re.match(outcome["klass"],
                                      last_exception(p.err) or "") \
            is not None
    return p.rc == 0 and p.err == b"" and len(got_lines) == len(
        outcome["lines"]) and all(re.fullmatch(w, g) for w, g in
                                  zip(outcome["lines"], got_lines))


def t_apply(c, case):
    (_, qual, code, lst, keep, outcomes) = case
    R = c.R
    report = _blocker_report(c)
    k = find(report, qual)
    if k is None:
        raise R.Failure("%s not in the report" % qual)
    issues = [i for i in k.get(lst) or [] if i.get("code") == code]
    if not issues:
        if code == "materialized-dict" and c.interp.vinfo < (3, 11):
            return "SKIP no materialized-dict before 3.11 (every " \
                   "instance has a dict object)"
        raise R.Failure("%s: no %s in %s (%s: %s)" % (
            qual, code, lst, lst, [(i.get("code"), i.get("detail"))
                                   for i in k.get(lst) or []]))
    text = " / ".join(i["detail"] for i in issues)
    steps = [s for s in k.get("plan") or [] if keep is None or keep(s)]
    plan_path = c.path("steps.json")
    with open(plan_path, "w") as f:
        json.dump(steps, f)
    res = c.path("applied.json")
    argv = [c.interp.path, os.path.join(PROGS, "blockers.py"), qual]
    p = c.run(argv, None, profiled=False,
              extra=apply_plan.child_env({}, plan_path, result=res))
    plans = ", ".join(step_text(s) for s in steps)
    got_lines = p.out.decode("utf-8", "replace").splitlines()
    observed = " | ".join(got_lines) if p.rc == 0 else \
        "rc=%s %s" % (p.rc, last_exception(p.err))
    seen = [o for o in outcomes if _matches(o, p, got_lines)]
    if not seen:
        raise R.Failure("%s: with %s applied CPython does %r; the case "
                        "expects one of %r" % (qual, plans, observed,
                                               outcomes))
    o = seen[0]
    # The text against the observation.
    excs = o["exc"] if isinstance(o["exc"], tuple) else (o["exc"],)
    quoted = o.get("klass", "").split(": ", 1)[-1]
    for exc in excs:
        if exc is None or not o.get("named", True) or (quoted
                                                       and quoted in text):
            continue
        c.m.true(re.search(r"\b%s\b" % exc, text) is not None,
                 "%s %s: the text does not name the failure, %s (%s): %r"
                 % (qual, code, exc, observed, text))
    c.m.true(re.search(OPS[o["op"]], text) is not None
             or (quoted and quoted in text),
             "%s %s: the text does not name the operation that fails "
             "(%s): %r; observed: %s" % (qual, code, o["op"], text,
                                         observed))
    for m in re.finditer(r"\b(setting|reading)\b[^.;:]*?\braises?\b",
                         text):
        if m.group(1) == "setting":
            works = [g for g in got_lines if re.match(r"set [^:]*: ok", g)]
        else:
            works = [g for g in got_lines if re.match(r"read [^:]*: ok", g)
                     and "after setting" not in g]
        c.m.true(not works, "%s %s: the text claims %r, but CPython does: "
                 "%s" % (qual, code, m.group(0), " | ".join(works)))
    if "lines" in o:
        bad = unapplied(apply_plan.read_result(res))
        c.m.true(not bad, "%s: the plan was not applied: %s" % (qual, bad))
    return "%s: %s -> %s" % (qual, plans, observed)


# ---------------------------------------------------------------- helper

def helper_steps(v):
    steps = [
        {"module": "__main__", "qualname": "Plain", "form": "slots",
         "names": ["a", "b"]},
        # The same class again, otherwise: a conflict, the first wins.
        {"module": "__main__", "qualname": "Plain", "form": "slots",
         "names": ["a"]},
        {"module": "__main__", "qualname": "WithMeta", "form": "slots",
         "names": ["m"]},
        # Same simple name, another module: Color goes through the
        # metaclass proxy (EnumMeta.__prepare__) and stays as it is.
        {"module": "elsewhere", "qualname": "Color", "form": "slots",
         "names": ["x"]},
        {"module": "__main__", "qualname": "Outer.Inner", "form": "slots",
         "names": ["i"]},
        {"module": "__main__", "qualname": "make.<locals>.Local",
         "form": "slots", "names": ["v"]},
        {"module": "__main__", "qualname": "Scope", "form": "slots",
         "names": ["names", "uses_locals", "shared"],
         "moved_defaults": [{"name": "uses_locals", "line": 70},
                            {"name": "shared", "line": 71}],
         "init_defaults": [
             {"name": "uses_locals", "from_module": "__main__",
              "from_qualname": "Scope", "line": 70},
             {"name": "shared", "from_module": "__main__",
              "from_qualname": "Scope", "line": 71}]},
        # Scoped's own __init__ runs first for its instances: it sets
        # the defaults (unless set), then Scope's finds them set.
        {"module": "__main__", "qualname": "Scoped", "form": "slots",
         "names": [],
         "init_defaults": [
             {"name": "uses_locals", "from_module": "__main__",
              "from_qualname": "Scope", "line": 70}]},
        {"module": "__main__", "qualname": "NoInit", "form": "slots",
         "names": ["flag"], "moved_defaults": [{"name": "flag",
                                                "line": None}],
         "init_defaults": [{"name": "flag", "from_module": "__main__",
                            "from_qualname": "NoInit", "line": None}],
         "add_init": True},
        {"module": "__main__", "qualname": "Weak", "form": "slots",
         "names": ["w", "__weakref__"]},
        {"module": "__main__", "qualname": "Nowhere", "form": "slots",
         "names": ["z"]},
    ]
    if v >= (3, 10):
        steps.append({"module": "__main__", "qualname": "Point",
                      "form": "dataclass", "names": ["x", "y"]})
    return steps


def helper_expected(v, applied):
    def cls(name, slots):
        if applied and slots is not None:
            return "%s: dict=False slots=%r" % (name, slots)
        return "%s: dict=True slots=None" % name
    dc = applied and v >= (3, 10)
    return [
        cls("Plain", ("a", "b")),
        cls("Untouched", None),
        cls("WithMeta", ("m",)),
        "WithMeta: prepared=['flavour'] meta=Meta",
        "Color: <Color.RED: 1> False",
        cls("Outer.Inner", ("i",)),
        cls("Local1", ("v",)),
        cls("Local2", ("v",)),
        cls("Scope", ("names", "uses_locals", "shared")),
        "Scope: uses_locals=False shared-is-shared=True in-class=%s"
        % ("member_descriptor" if applied else "bool"),
        "Scope: set=True other=False",
        cls("Scoped", ()),
        "Scoped: uses_locals=True",
        cls("NoInit", ("flag",)),
        "NoInit: flag=3 init=%s" % applied,
        cls("Weak", ("w", "__weakref__")),
        "Weak: ref=True",
        "%s: dict=%s slots=%r" % ("Point", not dc,
                                  ("x", "y") if dc else None),
        "Point: Point(x=1, y=0)",
    ]


def t_helper(c):
    v = c.interp.vinfo
    argv = [c.interp.path, os.path.join(PROGS, "helper.py")]
    plain = c.run(argv, None, profiled=False)
    c.m.eq("without a plan: exit status", 0, plain.rc)
    c.m.eq("without a plan: stdout", helper_expected(v, False),
           plain.out.decode().splitlines())
    plan = c.path("steps.json")
    with open(plan, "w") as f:
        json.dump(helper_steps(v), f)
    res = c.path("applied.json")
    p = c.run(argv, None, profiled=False,
              extra=apply_plan.child_env({}, plan, result=res))
    c.m.eq("with the plan: exit status", 0, p.rc)
    c.m.eq("with the plan: stderr", "", p.err.decode("utf-8", "replace"))
    c.m.eq("with the plan: stdout", helper_expected(v, True),
           p.out.decode().splitlines())
    r = apply_plan.read_result(res)
    if r is None:
        raise c.R.Failure("no result file")
    got = {s["qualname"]: (s["created"], s["applied"], s["errors"])
           for s in r["steps"]}
    want = {"Plain": (1, 1, []), "WithMeta": (1, 1, []),
            "Color": (0, 0, []), "Outer.Inner": (1, 1, []),
            "make.<locals>.Local": (2, 2, []), "Scope": (1, 1, []),
            "Scoped": (1, 1, []), "NoInit": (1, 1, []), "Weak": (1, 1, []),
            "Nowhere": (0, 0, [])}
    if v >= (3, 10):
        want["Point"] = (1, 1, [])
    c.m.eq("result: (created, applied, errors) per step", want, got)
    c.m.eq("result: never created",
           ["elsewhere:Color", "__main__:Nowhere"], r["never_created"])
    c.m.eq("result: conflicts", ["__main__:Plain"],
           [x["class"] for x in r["conflicts"]])
    c.m.eq("result: finished", True, r["finished"])
    # On stderr when asked, and only then.
    p2 = c.run(argv, None, profiled=False,
               extra=apply_plan.child_env({}, plan, to_stderr=True))
    errl = p2.err.decode().splitlines()
    c.m.eq("stderr summary: one line per step and conflict",
           len(r["steps"]) + 1, len(errl))
    c.m.true(all(l.startswith("apply_plan: ") for l in errl),
             "stderr summary lines: %r" % errl)
    c.m.eq("stderr summary leaves stdout alone", p.out, p2.out)
    return "%d steps, %d applied" % (len(r["steps"]), sum(
        1 for s in r["steps"] if s["applied"]))


def t_helper_identical(c):
    """With the hook installed and nothing selected, every verdict
    program prints exactly what it prints without it, on both paths."""
    empty = c.path("empty.json")
    with open(empty, "w") as f:
        json.dump([], f)
    n = 0
    for prog, _, _ in VERDICT_PROGRAMS + [("helper", None, None)]:
        for extra_arg in ([], ["B"]):
            argv = [c.interp.path, os.path.join(PROGS, prog + ".py")] \
                + extra_arg
            plain = c.run(argv, None, profiled=False)
            hooked = c.run(argv, None, profiled=False,
                           extra=apply_plan.child_env({}, empty))
            ev = compare(plain, hooked)
            c.m.true(ev is None, "%s %s: the hook alone changed the "
                     "program: %s" % (prog, extra_arg, ev))
            n += 1
    return "%d runs identical" % n


def t_helper_chain(c):
    """The sitecustomize our directory hides still runs (once), and the
    plan is applied."""
    other = c.path("other")
    os.makedirs(other)
    marker = c.path("chained.txt")
    with open(os.path.join(other, "sitecustomize.py"), "w") as f:
        f.write("import os\n"
                "with open(os.environ['CHAIN_MARKER'], 'a') as f:\n"
                "    f.write('ran %s\\n' % __name__)\n")
    plan = c.path("steps.json")
    with open(plan, "w") as f:
        json.dump([{"module": "__main__", "qualname": "P", "form": "slots",
                    "names": ["a"]}], f)
    env = apply_plan.child_env({"PYTHONPATH": other}, plan)
    env["CHAIN_MARKER"] = marker
    p = c.run([c.interp.path, "-c",
               "import sys\nclass P:\n    def __init__(self): self.a = 1\n"
               "print(hasattr(P(), '__dict__'), "
               "sys.modules['sitecustomize'].__file__)"],
              None, profiled=False, extra=env)
    c.m.eq("exit status", 0, p.rc)
    c.m.eq("stderr", "", p.err.decode("utf-8", "replace"))
    c.m.eq("stdout", "False %s\n" % os.path.join(other, "sitecustomize.py"),
           p.out.decode())
    ran = open(marker).read() if os.path.exists(marker) else ""
    c.m.eq("the hidden sitecustomize ran", "ran sitecustomize\n", ran)
    return ""


# ---------------------------------------------------------------- origin

MINE_PROG = """\
import sys
sys.path.insert(0, sys.argv[1])
from pkg import Thing
KEEP = [Thing(i) for i in range(500)]
print(len(KEEP))
"""

MINE_PKG = """\
class Thing:
    def __init__(self, i):
        self.i = i
        self.tag = None
"""


def t_mine(c):
    """A class of an installed package is not the user's: summed up, not
    ranked, blocked (base-not-editable); with mine= naming its directory
    it is theirs: ranked, recommended, safe."""
    site = c.path("lib", "site-packages")
    os.makedirs(os.path.join(site, "pkg"))
    with open(os.path.join(site, "pkg", "__init__.py"), "w") as f:
        f.write(MINE_PKG)
    prog = c.path("main.py")
    with open(prog, "w") as f:
        f.write(MINE_PROG)
    seen = {}
    for mine in (None, os.path.join(site, "pkg")):
        out = c.path("r.json")
        txt = c.path("r.txt")
        opts = "output=%s,text=%s" % (out, txt)
        if mine is not None:
            opts += ",mine=" + os.path.relpath(mine, c.tmp)
        p = c.run([c.interp.path, prog, site], opts)
        if p.rc != 0 or p.err != b"":
            raise c.R.Failure("main.py under the library: " + p.brief())
        thing = find(load(out), "Thing", module="pkg")
        with open(txt) as f:
            text = f.read()
        if thing is None:
            raise c.R.Failure("pkg.Thing not in the report")
        seen[mine is not None] = (thing["origin"], thing["recommended"],
                                  thing["verdict"],
                                  [i["code"] for i in thing["blockers"]],
                                  re.search(r"^ +1  pkg\.Thing ", text,
                                            re.M) is not None)
    m = c.m
    m.eq("without mine=", ("installed", False, "blocked",
                           ["base-not-editable"], False), seen[False])
    m.eq("with mine=", ("yours", True, "safe", [], True), seen[True])
    return "installed -> yours"


# ---------------------------------------------------------------- jobs

def _tests(interp):
    t = []
    for prog, subjects, vmin in VERDICT_PROGRAMS:
        if vmin is None or interp.vinfo >= vmin:
            t.append(("verdict/" + prog, lambda c, prog=prog,
                      subjects=subjects: t_verdict(c, prog, subjects)))
    for case in BLOCKER_CASES:
        if case[0] == "varsize-base" and interp.vinfo is not None \
                and interp.vinfo >= (3, 15):
            continue        # 3.15: a tuple subclass takes named slots
        t.append(("apply/" + case[0], lambda c, case=case: t_apply(c,
                                                                   case)))
    t += [("origin/mine", t_mine),
          ("apply/helper", t_helper),
          ("apply/helper-identical", t_helper_identical),
          ("apply/helper-chain", t_helper_chain)]
    return t


def jobs(interp, want, keep):
    for name, fn in _tests(interp):
        if want(name):
            yield name, sampling._job(name, fn, interp, keep)
