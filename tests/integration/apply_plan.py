"""apply_plan: run a Python program with a slotprof plan applied, its
source untouched.

The verdict tests (verdicts.py) and the acid test on real programs
(tests/apps/run.py) need the program as it would be after the user made
the edits a report prints.  This module makes them at class creation, in
the child process:

    env = apply_plan.child_env(base_env, "/tmp/report.json",
                               result="/tmp/applied.json")
    subprocess.run([python, "prog.py"], env=env)

How it gets into the child.  child_env() puts the directory apply_site/
(next to this file; it holds nothing but sitecustomize.py) first on
PYTHONPATH.  site imports that sitecustomize at start-up; it loads this
file under the private name `_slotprof_apply_plan`, installs the hooks
and then runs the sitecustomize the interpreter would have run without us
(Debian's /usr/lib/python3.X/sitecustomize.py, a virtualenv's, the
program's own): the first one found on sys.path after apply_site/.

Environment of the child:

    SLOTPROF_TEST_APPLY=PATH            the plan: a slotprof JSON report,
                                        or a JSON list of plan steps
                                        {"module", "qualname", "form",
                                        "names", "moved_defaults"?}
    SLOTPROF_TEST_APPLY_VERDICTS=LIST   from a report, the plans of the
                                        classes with `recommended: true`
                                        whose verdict is in LIST
                                        (comma-separated; default "safe";
                                        "any" for every verdict)
    SLOTPROF_TEST_APPLY_CLASSES=LIST    from a report, the plans of exactly
                                        these classes, `module:qualname`
                                        comma-separated, whatever their
                                        verdict and `recommended`
    SLOTPROF_TEST_APPLY_RESULT=PATH     what was applied, as JSON (below),
                                        rewritten after every class the
                                        plan touches and at exit; %p is
                                        the process id
    SLOTPROF_TEST_APPLY_STDERR=1        the same summary on stderr at exit
                                        (lines starting "apply_plan:")

A plan step is applied when the class it names (`__module__` and
`__qualname__` exactly) is created:

    "slots"        __slots__ = tuple(names) in the class namespace
    "empty_slots"  __slots__ = ()
    "init_only"    no __slots__: only init_defaults (below) are applied
    "dataclass"    the class's own @dataclass(...) decorator is called with
                   slots=True, and weakref_slot=True when "__weakref__"
                   is in names (CPython 3.11+): the equivalent of editing
                   the decorator.  A class the plan calls a dataclass but
                   that no @dataclass decorates shows as created but not
                   applied.
    moved_defaults [{"name", "line"}]: class-body data attributes that
                   leave the class body (their values are kept).
    init_defaults  [{"name", "from_module", "from_qualname", "line"}]:
                   set on each instance when the class's __init__
                   starts, unless the instance has them already, to the
                   value the body of from_module.from_qualname gave
                   (a moved_defaults entry of that class's step).  With
                   "add_init": true, the class has no __init__ of its
                   own and gets one that sets them and calls
                   super().__init__(*args, **kwargs).

Steps of several selected classes are merged by class; two plans that
disagree on one class (form or names) are reported as a conflict and the
first one is applied.  Errors the edits cause (ValueError at class
creation, a layout conflict) are the program's errors with the plan
applied: they propagate unchanged.  Nothing is written to the program's
stdout or stderr unless SLOTPROF_TEST_APPLY_STDERR=1.

The result file:

    {"plan": PATH, "pid": N, "python": "3.12.1",
     "selected": ["module:qualname", ...],     classes whose plans were used
     "steps": [{"module", "qualname", "form", "names", "moved_defaults",
                "created": N,      class statements that made this class
                "applied": N,      of them, with the step applied
                "errors": [...]}], what could not be applied, and why
     "never_created": ["module:qualname", ...],  steps whose class no
                                                 class statement made
     "conflicts": [...], "finished": bool}       true once written at exit

Limits (the price of not editing the source):
- Needs the site module: not with -S or -I, nor with -E (PYTHONPATH
  ignored); a program that re-executes itself with a cleared
  environment runs without the plan.  Child processes inherit the
  environment, so they run with the plan too.
- sys.path has apply_site/ in second place (after the script's
  directory); sys.modules holds `_slotprof_apply_plan`, json (with what
  it imports), and, when another sitecustomize exists,
  importlib.machinery.
- builtins.__build_class__ is a Python function: every class body runs
  one frame deeper (a class body that reads sys._getframe(1) sees it; a
  traceback through a class body shows it), and, for a class whose simple
  name is in the plan, the metaclass is a proxy that computes the real
  one as CPython does and passes __prepare__ and the call on.
- dataclasses.dataclass is replaced by a wrapper when the plan has a
  "dataclass" step (only then); code that imported the decorator before
  start-up keeps the original.
- An __init__ wrapped for moved_defaults is one frame deeper too (in
  tracebacks that pass through it); instances made without __init__
  (copy, pickle, __new__) get no defaults -- as with the hand edit.
- Classes made by calling type() or a metaclass directly, not by a class
  statement, are not touched.

Standard library only; runs on CPython 3.8-3.13 (in the child) and under
the test harness's /usr/bin/python3 (select_steps(), child_env()).
"""
import json
import os
import sys

ENV_PLAN = "SLOTPROF_TEST_APPLY"
ENV_VERDICTS = "SLOTPROF_TEST_APPLY_VERDICTS"
ENV_CLASSES = "SLOTPROF_TEST_APPLY_CLASSES"
ENV_RESULT = "SLOTPROF_TEST_APPLY_RESULT"
ENV_STDERR = "SLOTPROF_TEST_APPLY_STDERR"

HERE = os.path.dirname(os.path.abspath(__file__))
SITE_DIR = os.path.join(HERE, "apply_site")

FORMS = ("slots", "empty_slots", "dataclass", "init_only")


# ------------------------------------------------------------ selection
# Shared by the harness (which reports what it applies) and the child.

def class_key(module, qualname):
    return "%s:%s" % (module, qualname)


def parse_classes(text):
    """'mod:Qual,mod2:A.B' -> [('mod', 'Qual'), ('mod2', 'A.B')]."""
    out = []
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        module, sep, qualname = item.partition(":")
        if not sep or not module or not qualname:
            raise ValueError("%s: %r is not module:qualname"
                             % (ENV_CLASSES, item))
        out.append((module, qualname))
    return out


def select_classes(report, verdicts=("safe",), classes=None):
    """The report's class entries whose plans are to be applied.

    classes: a list of (module, qualname) -- exactly those, whatever
    their verdict; otherwise every class with recommended true and a
    verdict in `verdicts` ("any" matches all)."""
    chosen = []
    for c in report.get("classes") or []:
        key = (c.get("module"), c.get("qualname"))
        if classes is not None:
            if key in classes:
                chosen.append(c)
        elif c.get("recommended") is True and (
                "any" in verdicts or c.get("verdict") in verdicts):
            chosen.append(c)
    return chosen


def normalize_step(s):
    """A plan step as this module applies it; ValueError if malformed."""
    if not isinstance(s, dict):
        raise ValueError("plan step %r is not an object" % (s,))
    module, qualname, form = s.get("module"), s.get("qualname"), \
        s.get("form")
    names = s.get("names")
    if not isinstance(module, str) or not isinstance(qualname, str):
        raise ValueError("plan step without module/qualname: %r" % (s,))
    if form not in FORMS:
        raise ValueError("plan step %s: unknown form %r"
                         % (class_key(module, qualname), form))
    if not isinstance(names, list) or not all(isinstance(n, str)
                                              for n in names):
        raise ValueError("plan step %s: names must be a list of strings"
                         % class_key(module, qualname))
    moved = []
    for m in s.get("moved_defaults") or []:
        if not isinstance(m, dict) or not isinstance(m.get("name"), str):
            raise ValueError("plan step %s: bad moved_defaults entry %r"
                             % (class_key(module, qualname), m))
        moved.append({"name": m["name"], "line": m.get("line")})
    inits = []
    for m in s.get("init_defaults") or []:
        if not isinstance(m, dict) or not all(
                isinstance(m.get(k), str)
                for k in ("name", "from_module", "from_qualname")):
            raise ValueError("plan step %s: bad init_defaults entry %r"
                             % (class_key(module, qualname), m))
        inits.append({"name": m["name"], "from_module": m["from_module"],
                      "from_qualname": m["from_qualname"],
                      "line": m.get("line")})
    return {"module": module, "qualname": qualname, "form": form,
            "names": list(names), "moved_defaults": moved,
            "init_defaults": inits, "add_init": bool(s.get("add_init")),
            "init_args": bool(s.get("init_args", True))}


def merge_steps(steps):
    """Steps by class, in first-seen order; (merged, conflicts).  A class
    one plan only gives an __init__ ("init_only") and another edits
    fully takes the full edit; the __init__ settings of all add up."""
    merged = {}
    conflicts = []
    for s in steps:
        s = normalize_step(s)
        key = (s["module"], s["qualname"])
        have = merged.get(key)
        if have is None:
            merged[key] = s
            continue
        if have["form"] == "init_only" and s["form"] != "init_only":
            s, have = have, dict(s)
            merged[key] = have
        if s["form"] != "init_only" and \
                (have["form"], have["names"], have["moved_defaults"]) != \
                (s["form"], s["names"], s["moved_defaults"]):
            conflicts.append({"class": class_key(*key), "applied": have,
                              "other": s})
            continue
        # The same edit from two classes' plans: their __init__
        # settings add up (each instance class names what it needs).
        for m in s["init_defaults"]:
            if m not in have["init_defaults"]:
                have["init_defaults"].append(m)
        have["add_init"] = have["add_init"] or s["add_init"]
        have["init_args"] = have["init_args"] or s["init_args"]
    return list(merged.values()), conflicts


def select_steps(doc, verdicts=("safe",), classes=None):
    """(steps, selected class keys, conflicts) from a report or a list of
    steps, as the child selects them."""
    if isinstance(doc, list):
        steps, conflicts = merge_steps(doc)
        return steps, [], conflicts
    if not isinstance(doc, dict) or "classes" not in doc:
        raise ValueError("neither a slotprof report nor a list of steps")
    chosen = select_classes(doc, verdicts, classes)
    raw = []
    for c in chosen:
        raw.extend(c.get("plan") or [])
    steps, conflicts = merge_steps(raw)
    keys = []
    for c in chosen:
        k = class_key(c.get("module"), c.get("qualname"))
        if k not in keys:
            keys.append(k)
    return steps, keys, conflicts


def child_env(env, plan_path, verdicts=None, classes=None, result=None,
              to_stderr=False):
    """A copy of env that runs a Python child with the plan applied."""
    env = dict(env)
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = SITE_DIR + (os.pathsep + old if old else "")
    env[ENV_PLAN] = os.path.abspath(plan_path)
    for k in (ENV_VERDICTS, ENV_CLASSES, ENV_RESULT, ENV_STDERR):
        env.pop(k, None)
    if verdicts is not None:
        env[ENV_VERDICTS] = ",".join(verdicts)
    if classes is not None:
        env[ENV_CLASSES] = ",".join(class_key(m, q) for m, q in classes)
    if result is not None:
        env[ENV_RESULT] = os.path.abspath(result)
    if to_stderr:
        env[ENV_STDERR] = "1"
    return env


def read_result(path):
    """The child's result file, or None when it wrote none."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


# ------------------------------------------------------------ the child

class _State:
    """Everything the hooks share, in one object (one global name)."""

    def __init__(self, plan_path, steps, selected, conflicts, result_path,
                 to_stderr):
        self.plan_path = plan_path
        self.steps = {(s["module"], s["qualname"]): s for s in steps}
        self.order = [(s["module"], s["qualname"]) for s in steps]
        # The simple names: the class statement's `name` argument, known
        # before the body runs, so other classes pass straight through.
        self.names = {q.rsplit(".", 1)[-1] for _, q in self.order}
        self.dataclass_steps = {k: s for k, s in self.steps.items()
                                if s["form"] == "dataclass"}
        self.selected = selected
        self.conflicts = conflicts
        self.result_path = result_path
        self.to_stderr = to_stderr
        self.stats = {k: {"created": 0, "applied": 0, "errors": []}
                      for k in self.order}
        self.finished = False

    def error(self, key, msg):
        errs = self.stats[key]["errors"]
        if msg not in errs:
            errs.append(msg)

    def result(self):
        steps = []
        for k in self.order:
            s = dict(self.steps[k])
            s.update(self.stats[k])
            steps.append(s)
        return {
            "plan": self.plan_path,
            "pid": os.getpid(),
            "python": "%d.%d.%d" % sys.version_info[:3],
            "selected": self.selected,
            "steps": steps,
            "never_created": [class_key(*k) for k in self.order
                              if self.stats[k]["created"] == 0],
            "conflicts": self.conflicts,
            "finished": self.finished,
        }

    def write(self):
        """Rewrite the result file (atomically); never raises."""
        if not self.result_path:
            return
        path = self.result_path.replace("%p", str(os.getpid()))
        tmp = "%s.tmp.%d" % (path, os.getpid())
        try:
            with open(tmp, "w") as f:
                json.dump(self.result(), f, indent=1)
            os.replace(tmp, path)
        except (OSError, ValueError, TypeError):
            try:
                os.unlink(tmp)
            except OSError:
                pass

    def at_exit(self):
        self.finished = True
        self.write()
        if self.to_stderr:
            r = self.result()
            lines = []
            for s in r["steps"]:
                lines.append("apply_plan: %s %s %s: created %d, applied %d%s"
                             % (class_key(s["module"], s["qualname"]),
                                s["form"], tuple(s["names"]), s["created"],
                                s["applied"], "".join(
                                    "; error: " + e for e in s["errors"])))
            for c in r["conflicts"]:
                lines.append("apply_plan: conflicting steps for %s"
                             % c["class"])
            try:
                sys.stderr.write("\n".join(lines) + "\n")
                sys.stderr.flush()
            except (OSError, ValueError, AttributeError):
                pass


_state = None
_MISSING = object()
_real_build_class = None


def _calculate_meta(meta, bases):
    """CPython's _PyType_CalculateMetaclass (Objects/typeobject.c)."""
    winner = meta
    for base in bases:
        base_meta = type(base)
        if issubclass(winner, base_meta):
            continue
        if issubclass(base_meta, winner):
            winner = base_meta
            continue
        raise TypeError("metaclass conflict: the metaclass of a derived "
                        "class must be a (non-strict) subclass of the "
                        "metaclasses of all its bases")
    return winner


class _MetaProxy:
    """Stands in for the metaclass of a class whose simple name is in the
    plan: __build_class__ asks it for __prepare__ and calls it with the
    finished namespace, which is where the step is applied.  The real
    metaclass is computed as __build_class__ (Python/bltinmodule.c) does:
    explicit or type(bases[0]), then the most derived of the bases'."""

    def __init__(self, meta):
        self.meta = meta
        self.real = None

    def _resolve(self, bases):
        meta = self.meta
        if meta is _MISSING:
            meta = type(bases[0]) if bases else type
        if isinstance(meta, type):
            meta = _calculate_meta(meta, bases)
        self.real = meta
        return meta

    def __prepare__(self, name, bases, **kwds):
        meta = self._resolve(bases)
        prepare = getattr(meta, "__prepare__", None)
        if prepare is None:
            return {}
        return prepare(name, bases, **kwds)

    def __call__(self, name, bases, ns, **kwds):
        meta = self.real if self.real is not None else self._resolve(bases)
        try:
            key = (ns["__module__"], ns["__qualname__"])
        except (KeyError, TypeError):
            key = None
        st = _state
        step = st.steps.get(key) if st is not None and key else None
        if step is None:
            return meta(name, bases, ns, **kwds)
        st.stats[key]["created"] += 1
        holder = []
        applied = _edit_namespace(st, key, step, ns, holder)
        try:
            cls = meta(name, bases, ns, **kwds)
        finally:
            st.write()
        holder.append(cls)
        if applied:
            st.stats[key]["applied"] += 1
            st.write()
        return cls


def _build_class(func, name, *bases, **kwds):
    """builtins.__build_class__: a proxy metaclass for the plan's class
    names, the real thing for every other class."""
    st = _state
    if st is None or name not in st.names:
        return _real_build_class(func, name, *bases, **kwds)
    meta = kwds.pop("metaclass", _MISSING)
    return _real_build_class(func, name, *bases,
                             metaclass=_MetaProxy(meta), **kwds)


def _edit_namespace(st, key, step, ns, holder):
    """Make the step's edits to a class namespace; True if applied."""
    form = step["form"]
    if form == "init_only":
        # No __slots__: only its __init__ sets the moved defaults.
        _pop_defaults(st, key, step, ns)
        if step["init_defaults"]:
            _wrap_init(ns, step["init_defaults"], holder, step["qualname"],
                   step["init_args"])
        return True
    if form in ("slots", "empty_slots") and "__slots__" in ns:
        st.error(key, "the class declares __slots__ already")
        return False
    _pop_defaults(st, key, step, ns)
    if step["init_defaults"]:
        _wrap_init(ns, step["init_defaults"], holder, step["qualname"],
                   step["init_args"])
    if form == "slots":
        ns["__slots__"] = tuple(step["names"])
    elif form == "empty_slots":
        ns["__slots__"] = ()
    else:
        # dataclass: applied by the decorator wrapper, after this.
        return False
    return True


# Values taken out of class bodies: (module, qualname, name) -> value.
_stash = {}


def _pop_defaults(st, key, step, ns):
    for m in step["moved_defaults"]:
        n = m["name"]
        if n in ns:
            _stash[(key[0], key[1], n)] = ns[n]
            del ns[n]
        else:
            st.error(key, "moved default %r is not in the class body" % n)


def _set_defaults(self, inits):
    """Set each init_defaults entry on self unless the instance has it,
    to the value its class body gave (looked up now: the definer may be
    created after the class whose __init__ sets it)."""
    tp = type(self)
    for m in inits:
        n = m["name"]
        v = _stash.get((m["from_module"], m["from_qualname"], n), _MISSING)
        if v is _MISSING:
            raise RuntimeError("apply_plan: no value for %s.%s.%s: its "
                               "class was never created with the plan"
                               % (m["from_module"], m["from_qualname"], n))
        desc = None
        for k in tp.__mro__:
            d = k.__dict__.get(n, _MISSING)
            if d is not _MISSING:
                desc = d
                break
        if desc is not None and hasattr(type(desc), "__set__") \
                and hasattr(type(desc), "__get__"):
            try:
                desc.__get__(self, tp)
            except AttributeError:
                desc.__set__(self, v)
            continue
        d = getattr(self, "__dict__", None)
        if d is not None and n not in d:
            d[n] = v


def _wrap_init(ns, defaults, holder, qualname, init_args=True):
    orig = ns.get("__init__", None) if hasattr(ns, "get") else None
    if orig is not None:
        def __init__(self, *args, **kwargs):
            _set_defaults(self, defaults)
            return orig(self, *args, **kwargs)
        for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
            try:
                setattr(__init__, attr, getattr(orig, attr))
            except (AttributeError, TypeError):
                pass
        __init__.__wrapped__ = orig
    else:
        def __init__(self, *args, **kwargs):
            _set_defaults(self, defaults)
            if init_args:
                super(holder[0], self).__init__(*args, **kwargs)
            else:
                super(holder[0], self).__init__()
        __init__.__qualname__ = qualname + ".__init__"
        __init__.__module__ = ns.get("__module__") \
            if hasattr(ns, "get") else None
    ns["__init__"] = __init__


def _wrap_dataclass(dataclasses):
    real = dataclasses.dataclass

    def dataclass(cls=None, **kw):
        def wrap(c):
            st = _state
            key = (getattr(c, "__module__", None),
                   getattr(c, "__qualname__", None))
            step = st.dataclass_steps.get(key) if st is not None else None
            if step is None:
                return real(c, **kw)
            kw2 = dict(kw, slots=True)
            if "__weakref__" in step["names"]:
                kw2["weakref_slot"] = True
            defaults = step["init_defaults"]
            for m in step["moved_defaults"]:
                n = m["name"]
                if n in c.__dict__:
                    _stash[(key[0], key[1], n)] = c.__dict__[n]
                    delattr(c, n)
                else:
                    st.error(key, "moved default %r is not in the class "
                             "body" % n)
            try:
                new = real(c, **kw2)
            finally:
                st.write()
            if defaults:
                init = new.__dict__.get("__init__")
                if init is not None:
                    def __init__(self, *args, **kwargs):
                        _set_defaults(self, defaults)
                        return init(self, *args, **kwargs)
                    __init__.__qualname__ = init.__qualname__
                    __init__.__wrapped__ = init
                    new.__init__ = __init__
            st.stats[key]["applied"] += 1
            st.write()
            return new
        if cls is None:
            return wrap
        return wrap(cls)

    for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(dataclass, attr, getattr(real, attr))
    dataclass.__wrapped__ = real
    dataclasses.dataclass = dataclass


def install_from_env():
    """Called by apply_site/sitecustomize.py at start-up.  Returns False
    when there is no plan; raises on a plan that cannot be read (a test
    must not run silently without its plan)."""
    global _state, _real_build_class
    path = os.environ.get(ENV_PLAN)
    if not path or _state is not None:
        return False
    with open(path) as f:
        doc = json.load(f)
    verdicts = tuple(v.strip() for v in
                     os.environ.get(ENV_VERDICTS, "safe").split(",")
                     if v.strip())
    classes = None
    if os.environ.get(ENV_CLASSES):
        classes = parse_classes(os.environ[ENV_CLASSES])
    steps, selected, conflicts = select_steps(doc, verdicts, classes)
    _state = _State(os.path.abspath(path), steps, selected, conflicts,
                    os.environ.get(ENV_RESULT), os.environ.get(ENV_STDERR)
                    == "1")
    import atexit
    import builtins
    if _state.dataclass_steps:
        import dataclasses
        _wrap_dataclass(dataclasses)
    _real_build_class = builtins.__build_class__
    builtins.__build_class__ = _build_class
    # Registered at start-up, so it runs after the program's own atexit
    # callbacks (last in, first out).
    atexit.register(_state.at_exit)
    _state.write()
    return True


def write_result():
    """On demand, from the program: rewrite the result file now."""
    if _state is not None:
        _state.write()
