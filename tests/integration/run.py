#!/usr/bin/python3
"""Integration tests: real programs under libslotprof, every interpreter.

    /usr/bin/python3 tests/integration/run.py INTERP [INTERP ...]
        [-k SUBSTRING] [-j JOBS] [--rss-only] [--keep]

For each interpreter the library path comes from
`make -s lib-path PYTHON=INTERP` (run from the repository root).  Then:

  shape/*      a shape program (tests/integration/shapes/) runs under the
               library; the JSON report must say exactly what we expect:
               instance counts, suggested __slots__ in first-seen order,
               the hierarchy plan, verdict, blocker and warning codes.
  accuracy/*   the ground truth: the same shape runs twice more WITHOUT
               the library, in fresh processes, once with the dict-carrying
               classes and once with their slotted twins, measuring the
               resident-set growth per instance.  The profiler's
               savings_bytes / instances must be within max(3 %, 4 B) of
               measured(dict) - measured(slots).  The table also goes to
               build/accuracy.txt.
  host/*       the library must not change what a program does: stdout,
               stderr and exit status with and without it, non-Python
               processes, bad options, the wrong CPython version, an
               unwritable output path, %p in the path, atomic writes.
  example/*    examples/shop.py under the library.
  verdict/*, apply/*   safe plans applied to paths the profiled run did
               not take; blocker texts against what CPython does
               (verdicts.py, apply_plan.py).

One line per test: `PASS|FAIL <version> <test> [details]`, then the
closing line `N passed, M failed`; exit status 1 if anything failed.
Standard library only: this runs under the system python3.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import allocs
import sampling
import verdicts

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHAPES = os.path.join(HERE, "shapes")
HOSTPROG = os.path.join(HERE, "hostprog.py")
SHOP = os.path.join(ROOT, "examples", "shop.py")
ACCURACY_TXT = os.path.join(ROOT, "build", "accuracy.txt")

TIMEOUT = 120           # seconds, every child process
N = 200000              # instances per shape (RSS: page size negligible)
N40 = 100000            # the 40-attribute shape
N_BLOCKERS = 300        # the blocker/review shapes: no RSS measurement
TOL_FRACTION = 0.03
TOL_BYTES = 4.0


# ---------------------------------------------------------------- helpers

def base_env():
    """The environment of every child, without any profiler setting."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_PRELOAD", "SLOTPROF_OPTIONS", "PYTHONPATH",
                        "PYTHONSTARTUP", "PYTHONHOME", "PYTHONMALLOC",
                        "PYTHONTRACEMALLOC", "PYTHONWARNINGS")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONHASHSEED"] = "0"
    # In sanitizer mode every child gets the sanitizers' options, with or
    # without the library: they do nothing in a process without the
    # runtime, and a test that builds its own LD_PRELOAD still fails on a
    # finding.
    env.update(Interp.sanitizer_options())
    return env


def lib_env(lib, options):
    env = base_env()
    # The ASan runtime must be the first object of the process: a
    # sanitized library after it in LD_PRELOAD, never alone.
    env["LD_PRELOAD"] = " ".join(Interp.sanitizer_preload() + [lib])
    if options is not None:
        env["SLOTPROF_OPTIONS"] = options
    return env


class Proc:
    """What a finished child did."""

    def __init__(self, argv, rc, out, err, seconds):
        self.argv = argv
        self.rc = rc
        self.out = out
        self.err = err
        self.seconds = seconds

    def brief(self):
        err = self.err.decode("utf-8", "replace").strip()
        if len(err) > 600:
            err = "..." + err[-600:]
        return "rc=%s stderr=%r" % (self.rc, err)


def run_child(argv, env, cwd=None):
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=TIMEOUT)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc = "timeout"
        out = e.stdout or b""
        err = (e.stderr or b"") + b"\n[killed after %d s]" % TIMEOUT
    return Proc(argv, rc, out, err, time.monotonic() - t0)


class Failure(Exception):
    """A test's verdict: the message says expected vs got."""


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def expect_eq(what, expected, got):
    if expected != got:
        raise Failure("%s: expected %r, got %r" % (what, expected, got))


class Mismatches:
    """Collects every mismatch of one test, so one FAIL line tells all."""

    def __init__(self):
        self.items = []

    def eq(self, what, expected, got):
        if expected != got:
            self.items.append("%s: expected %r, got %r"
                              % (what, expected, got))

    def true(self, cond, msg):
        if not cond:
            self.items.append(msg)

    def raise_if_any(self):
        if self.items:
            raise Failure("; ".join(self.items))


# ---------------------------------------------------------------- the JSON
# The report mirrors struct sp_report / sp_class (profiler/internal.h);
# the accessors below are the only code that knows its key names.

def report_classes(report):
    return report.get("classes", [])


def find_class(report, qualname, module="__main__"):
    for c in report_classes(report):
        if c.get("qualname") == qualname and c.get("module") == module:
            return c
    return None


def codes(c, key):
    return [i.get("code") for i in c.get(key) or []]


def plan_of(c):
    return [(s.get("qualname"), s.get("form"), list(s.get("names") or []))
            for s in c.get("plan") or []]


def per_instance_saving(c):
    n = c.get("instances") or 0
    return c.get("savings_bytes", 0) / n if n else float("nan")


# ---------------------------------------------------------------- interps

class Interp:
    """One interpreter under test and the library built for it.

    Sanitizer mode: SANITIZE=address,undefined (the Makefile's variable)
    in the environment -- `make check SANITIZE=...` exports its
    command-line variables to this script -- tests the library variant
    build/cpython-X.Y.Z-address-undefined/, built with the sanitizers and
    libc's malloc (Makefile, SANITIZE).  CPython itself is not
    instrumented; the runtime is preloaded ahead of the library into
    every profiled child, and a finding fails the test: the child exits
    with SANITIZER_EXITCODE and its report is on stderr, which the tests
    compare or require empty.
    """

    SANITIZE = os.environ.get("SANITIZE", "").strip()
    # Not a status any test program uses (hostprog.py: 0, 1, 3, 7).
    SANITIZER_EXITCODE = 86
    # Runtimes that must be the first object of the process (the dynamic
    # linker loads a preload before the executable's own libraries).
    # undefined needs none: libubsan is a dependency of the library.
    PRELOADED_RUNTIMES = {"address": "libasan.so", "thread": "libtsan.so"}
    _preload = None

    def __init__(self, path):
        self.path = path
        self.version = None
        self.vinfo = None
        self.lib = None
        self.build_error = None

    def label(self):
        return self.version or self.path

    @classmethod
    def variant(cls):
        """The build directory suffix, as the Makefile's VARIANT."""
        return "-" + cls.SANITIZE.replace(",", "-") if cls.SANITIZE else ""

    @classmethod
    def sanitizer_preload(cls):
        """Absolute paths to put before the library in LD_PRELOAD."""
        # Jobs run on threads: publish the list only once it is complete.
        if cls._preload is None:
            preload = []
            for s in cls.SANITIZE.split(","):
                name = cls.PRELOADED_RUNTIMES.get(s.strip())
                if name is None:
                    continue
                # The runtime of the compiler that built the library.
                cc = os.environ.get("CC") or "cc"
                p = subprocess.run([cc, "-print-file-name=" + name],
                                   stdout=subprocess.PIPE, timeout=60)
                path = p.stdout.decode().strip()
                if not os.path.isabs(path) or not os.path.isfile(path):
                    raise RuntimeError("SANITIZE=%s: %s -print-file-name "
                                       "does not find %s"
                                       % (cls.SANITIZE, cc, name))
                preload.append(os.path.realpath(path))
            cls._preload = preload
        return list(cls._preload)

    @classmethod
    def sanitizer_options(cls):
        """ASAN_OPTIONS / UBSAN_OPTIONS for every child ({} normally).

        A finding ends the child at once with SANITIZER_EXITCODE.  No
        leak detection: CPython does not free everything at exit, by
        design, and the library's own leaks are valgrind's job in the
        unit tests (make check-valgrind).  The host's own settings come
        last, so they win."""
        if not cls.SANITIZE:
            return {}
        common = "exitcode=%d:halt_on_error=1:color=never" \
            % cls.SANITIZER_EXITCODE
        mine = {
            # abort_on_error=0: an exit status, not a SIGABRT core dump.
            "ASAN_OPTIONS": common + ":abort_on_error=0:detect_leaks=0"
                            ":detect_stack_use_after_return=0",
            "UBSAN_OPTIONS": common + ":print_stacktrace=1"
                             ":report_error_type=1",
            "TSAN_OPTIONS": common,
        }
        for k in mine:
            if os.environ.get(k):
                mine[k] += ":" + os.environ[k]
        return mine

    @classmethod
    def sanitizer_skip(cls, test):
        """Why `test` does not run in sanitizer mode, or None."""
        if not cls.SANITIZE:
            return None
        if test.startswith("accuracy/"):
            return ("sanitizer mode: the RSS ground truth runs without "
                    "the library; accuracy is the plain build's test")
        return None


def probe(interp):
    p = run_child([interp.path, "-c",
                   "import sys; print(sys.version.split()[0])"], base_env())
    if p.rc != 0:
        interp.build_error = "cannot run interpreter: " + p.brief()
        return
    interp.version = p.out.decode().strip()
    interp.vinfo = tuple(int(x) for x in
                         re.match(r"(\d+)\.(\d+)\.(\d+)",
                                  interp.version).groups())


def build_lib(interp):
    try:
        Interp.sanitizer_preload()      # before the jobs' threads start
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        interp.build_error = str(e)
        return
    if os.environ.get("SLOTPROF_IT_NOBUILD"):
        # Use the library already built (while someone else rebuilds it).
        interp.lib = os.path.join(ROOT, "build", "cpython-" + interp.version
                                  + Interp.variant(), "libslotprof.so")
        if not os.path.isfile(interp.lib):
            interp.build_error = ("SLOTPROF_IT_NOBUILD: no library at %s"
                                  % interp.lib)
        return
    # SANITIZE explicitly: make builds the variant this script tests.
    p = run_child(["make", "-s", "lib-path", "PYTHON=" + interp.path,
                   "SANITIZE=" + Interp.SANITIZE], os.environ.copy(),
                  cwd=ROOT)
    lines = p.out.decode("utf-8", "replace").strip().splitlines()
    if p.rc != 0 or not lines or not os.path.isfile(lines[-1].strip()):
        err = (p.out + p.err).decode("utf-8", "replace").strip()
        interp.build_error = "make lib-path failed: " + err[-800:]
        return
    interp.lib = os.path.abspath(lines[-1].strip())


# ---------------------------------------------------------------- shapes

def run_shape_profiled(interp, shape, n, tmp, options_extra=""):
    """Run a shape under the library; return (Proc, report or None)."""
    out = os.path.join(tmp, "r.json")
    opts = "output=%s,text=none%s" % (out, options_extra)
    p = run_child([interp.path, os.path.join(SHAPES, shape + ".py"), str(n)],
                  lib_env(interp.lib, opts), cwd=tmp)
    check(p.rc == 0, "%s under the library: %s" % (shape, p.brief()))
    check(p.err == b"", "stderr not empty under the library: " + p.brief())
    check(os.path.exists(out), "no JSON report written")
    with open(out) as f:
        try:
            report = json.load(f)
        except ValueError as e:
            raise Failure("JSON report does not parse: %s" % e)
    return p, report


def measure_rss(interp, shape, n, slotted):
    p = run_child([interp.path, os.path.join(SHAPES, shape + ".py"), str(n),
                   "rss-slots" if slotted else "rss"], base_env(), cwd=SHAPES)
    check(p.rc == 0, "RSS run of %s failed: %s" % (shape, p.brief()))
    return json.loads(p.out.decode().strip().splitlines()[-1])[
        "bytes_per_instance"]


def shape_keys(interp, shape, n):
    p = run_child([interp.path, os.path.join(SHAPES, shape + ".py"), str(n),
                   "keys"], base_env(), cwd=SHAPES)
    check(p.rc == 0, "keys run of %s failed: %s" % (shape, p.brief()))
    return json.loads(p.out.decode().strip().splitlines()[-1])


class Expect:
    """What the report must say about one class."""

    def __init__(self, qualname, instances, slots, verdict="safe",
                 blockers=(), warnings=(), plan=None, recommended=None,
                 module="__main__"):
        self.qualname = qualname
        self.module = module
        self.instances = instances
        self.slots = slots          # list, or f(keys run) -> list
        self.verdict = verdict
        self.blockers = list(blockers)
        self.warnings = list(warnings)
        self.plan = plan            # [(qualname, form, names)] or None
        self.recommended = recommended


def own_plan(name, slots, form="slots"):
    return [(name, form, list(slots))]


def expectations(shape, v):
    """{shape: (n, [Expect], [accuracy class qualnames])} for version v."""
    new_dicts = v >= (3, 11)        # dicts materialize only on demand
    tuple_slots = v >= (3, 15)      # tuple subclasses take named slots
    dc_form = "dataclass" if v >= (3, 10) else "slots"
    abc = list("abcdefghijkl")
    f40 = ["f%02d" % k for k in range(40)]
    opts = ["opt%d" % k for k in range(10)]
    chain_plan = [("Base", "slots", ["a", "b"]), ("Mid", "slots", ["c", "d"]),
                  ("Leaf", "slots", ["e", "f"])]
    table = {
        "attrs1": (N, [Expect("One", N, ["a"], plan=own_plan("One", ["a"]),
                              recommended=True)], ["One"]),
        "attrs5": (N, [Expect("Five", N, abc[:5],
                              plan=own_plan("Five", abc[:5]),
                              recommended=True)], ["Five"]),
        "attrs12": (N, [Expect("Twelve", N, abc,
                               plan=own_plan("Twelve", abc),
                               recommended=True)], ["Twelve"]),
        # setattr() with computed names: other names may come on
        # other inputs (dynamic-attributes).
        "attrs40": (N40, [Expect("Forty", N40, f40, verdict="review",
                                 warnings=["dynamic-attributes"],
                                 plan=own_plan("Forty", f40),
                                 recommended=True)], ["Forty"]),
        "dataclass_plain": (N, [Expect(
            "Item", N, ["name", "qty", "price"],
            plan=own_plan("Item", ["name", "qty", "price"], dc_form),
            recommended=True)], ["Item"]),
        "chain": (N, [
            Expect("Leaf", N, abc[:6], plan=chain_plan, recommended=True),
            Expect("Mid", 200, abc[:4], plan=chain_plan[:2],
                   recommended=True),
            Expect("Base", 200, abc[:2], plan=chain_plan[:1],
                   recommended=True)], ["Leaf"]),
        "dict_accessed": (N, [Expect(
            "Row", N, abc[:5], verdict="review" if new_dicts else "safe",
            warnings=["materialized-dict"] if new_dicts else [],
            plan=own_plan("Row", abc[:5]), recommended=True)], ["Row"]),
        "order": (N, [Expect("Pair", N, ["a", "b"],
                             plan=own_plan("Pair", ["a", "b"]),
                             recommended=True)], ["Pair"]),
        "late": (N, [Expect("Node", N, ["a", "b"],
                            plan=own_plan("Node", ["a", "b"]),
                            recommended=True)], ["Node"]),
        "weakref_shape": (N, [Expect(
            "Listener", N, ["a", "b", "__weakref__"],
            plan=own_plan("Listener", ["a", "b", "__weakref__"]),
            recommended=True)], ["Listener"]),
        "sparse": (N, [Expect("Options", N, opts, verdict="review",
                              warnings=["variable-attributes",
                                        "dynamic-attributes"],
                              plan=own_plan("Options", opts),
                              recommended=True)], ["Options"]),
        "tuple_sub": (N, [Expect("Pair", N, [],
                                 plan=own_plan("Pair", [], "empty_slots"),
                                 recommended=True)], ["Pair"]),
        "namedtuple_sub": (N, [Expect("Point", N, [],
                                      plan=own_plan("Point", [],
                                                    "empty_slots"),
                                      recommended=True)], ["Point"]),
        "over_slotted": (N, [Expect("Rec", N, ["a", "b", "c"],
                                    plan=own_plan("Rec", ["a", "b", "c"]),
                                    recommended=True)], ["Rec"]),
        "list_sub": (N, [Expect("Bag", N, ["a", "b"],
                                plan=own_plan("Bag", ["a", "b"]),
                                recommended=True)], ["Bag"]),
        "dict_sub": (N, [Expect("Table", N, ["a", "b"],
                                plan=own_plan("Table", ["a", "b"]),
                                recommended=True)], ["Table"]),
        "str_sub": (N, [Expect("Label", N, ["a", "b"],
                               plan=own_plan("Label", ["a", "b"]),
                               recommended=True)], ["Label"]),
        "attrs28": (N40, [Expect("A28", N40, f40[:28],
                                 plan=own_plan("A28", f40[:28]),
                                 recommended=True)], ["A28"]),
        "attrs31": (N40, [Expect("A31", N40, f40[:31],
                                 plan=own_plan("A31", f40[:31]),
                                 recommended=True)], ["A31"]),
        "setattr_names": (N, [Expect("Opts", N, ["x", "y", "z"],
                                     verdict="review",
                                     warnings=["dynamic-attributes"],
                                     plan=own_plan("Opts", ["x", "y", "z"]),
                                     recommended=True)], ["Opts"]),
        # Only 3.15 has the slotted twin to measure.
        "tuple_attr": (N, [Expect("Tagged", N, ["tag"],
                                  plan=own_plan("Tagged", ["tag"]),
                                  recommended=True)], ["Tagged"])
        if tuple_slots else
        (N_BLOCKERS, [Expect("Tagged", N_BLOCKERS, ["tag"],
                             verdict="blocked", blockers=["varsize-base"])],
         []),
        # A class attribute instances set too: a slot, the attribute
        # moved into __init__ (verdicts.py applies such plans).
        "class_defaults": (N_BLOCKERS, [Expect(
            "Setting", N_BLOCKERS, ["a", "x"], verdict="review",
            warnings=["class-default-moved"],
            plan=own_plan("Setting", ["a", "x"]))], []),
        "class_default_hidden": (N_BLOCKERS, [Expect(
            "Button", N_BLOCKERS, ["label", "color"], verdict="review",
            warnings=["variable-attributes", "class-default-moved"],
            plan=[("Widget", "slots", []),
                  ("Button", "slots", ["label", "color"])])], []),
        "layout": (N_BLOCKERS, [
            Expect("C", N_BLOCKERS, ["a", "b"], verdict="blocked",
                   blockers=["layout-conflict"]),
            # Each plan alone is fine for its class; applied together
            # they break C's class statement: both blocked, naming C.
            Expect("A", 200, ["a"], plan=own_plan("A", ["a"]),
                   verdict="blocked", blockers=["layout-conflict"]),
            Expect("B", 200, ["b"], plan=own_plan("B", ["b"]),
                   verdict="blocked", blockers=["layout-conflict"])], []),
        "blockers": (N_BLOCKERS, [
            Expect("Counter", N_BLOCKERS, ["count", "a"], verdict="review",
                   warnings=["class-default-moved"],
                   plan=own_plan("Counter", ["count", "a"])),
            # cached_property writes through instance.__dict__, which
            # materializes the dict on 3.11+.
            # 'words' is the cached_property's: no slot can take it.
            Expect("Document", N_BLOCKERS, ["text"],
                   verdict="blocked", blockers=["cached-property"],
                   warnings=["materialized-dict"] if new_dicts else []),
            # Thread.__init__ puts every thread in threading._dangling, a
            # WeakSet: '__weakref__' is suggested, last, after the names in
            # first-seen order.  Thread._initialized is a class variable.
            Expect("Worker", N_BLOCKERS,
                   lambda keys: [k for k in keys["Worker"] if k != "job"]
                   + ["job", "__weakref__"], verdict="blocked",
                   blockers=["base-not-editable"]),
            Expect("AppError", N_BLOCKERS, ["code"], verdict="blocked",
                   blockers=["base-has-dict"]),
            # 3.15: a tuple subclass takes named slots.
            Expect("Tagged", N_BLOCKERS, ["tag"],
                   plan=own_plan("Tagged", ["tag"]))
            if tuple_slots else
            Expect("Tagged", N_BLOCKERS, ["tag"], verdict="blocked",
                   blockers=["varsize-base"]),
            Expect("Level", N_BLOCKERS, ["label"], verdict="blocked",
                   blockers=["varsize-base"]),
            Expect("Proxy", N_BLOCKERS, ["target"], verdict="review",
                   warnings=["getattr-override"],
                   plan=own_plan("Proxy", ["target"])),
            Expect("Guarded", N_BLOCKERS, ["a"], verdict="review",
                   warnings=["setattr-override"],
                   plan=own_plan("Guarded", ["a"])),
            Expect("Saved", N_BLOCKERS, ["a"], verdict="review",
                   warnings=["getstate-override"],
                   plan=own_plan("Saved", ["a"]))], []),
    }
    return table[shape]


SHAPE_NAMES = ["attrs1", "attrs5", "attrs12", "attrs40", "dataclass_plain",
               "chain", "dict_accessed", "order", "late", "weakref_shape",
               "sparse", "tuple_sub", "namedtuple_sub", "over_slotted",
               "list_sub", "dict_sub", "str_sub", "attrs28", "attrs31",
               "setattr_names", "tuple_attr", "class_defaults",
               "class_default_hidden", "layout", "blockers"]


def check_class(m, report, e, keys):
    c = find_class(report, e.qualname, e.module)
    if c is None:
        m.true(False, "%s: not in the report (classes: %s)" % (
            e.qualname, [x.get("qualname") for x in report_classes(report)
                         if x.get("module") == "__main__"]))
        return
    q = e.qualname
    m.eq(q + " instances", e.instances, c.get("instances"))
    slots = e.slots(keys) if callable(e.slots) else e.slots
    m.eq(q + " suggested_slots", slots, c.get("suggested_slots"))
    m.eq(q + " verdict", e.verdict, c.get("verdict"))
    m.eq(q + " blockers", e.blockers, codes(c, "blockers"))
    m.eq(q + " warnings", e.warnings, codes(c, "warnings"))
    if e.plan is not None:
        m.eq(q + " plan", e.plan, plan_of(c))
        for step in c.get("plan") or []:
            m.eq(q + " plan module of " + str(step.get("qualname")),
                 "__main__", step.get("module"))
    if e.recommended is not None:
        m.eq(q + " recommended", e.recommended, c.get("recommended"))


class Results:
    """Accuracy rows, shared by all jobs."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rows = []

    def add(self, row):
        with self.lock:
            self.rows.append(row)


def job_shape(interp, shape, results, keep):
    """One shape: exact report assertions, then the RSS ground truth."""
    n, expects, accuracy = expectations(shape, interp.vinfo)
    out = []
    tmp = tempfile.mkdtemp(prefix="slotprof-it-")
    report = None
    try:
        try:
            keys = {}
            if any(callable(e.slots) for e in expects):
                keys = shape_keys(interp, shape, min(n, 50))
            p, report = run_shape_profiled(interp, shape, n, tmp)
            m = Mismatches()
            m.eq("report python", interp.version, report.get("python"))
            m.eq("allocator", "pymalloc", report.get("allocator"))
            # The profiler's own heap is its private jemalloc: it reports
            # a footprint only if that heap served it.  Sanitizer builds
            # keep it in libc's heap and report none.
            if Interp.SANITIZE:
                m.eq("profiler_bytes of a sanitizer build", 0,
                     report.get("profiler_bytes"))
            else:
                m.true(report.get("profiler_bytes", 0) > 0, "profiler_bytes "
                       "%r, want > 0" % report.get("profiler_bytes"))
            for e in expects:
                check_class(m, report, e, keys)
            m.raise_if_any()
            out.append(("shape/" + shape, None, "%.1fs" % p.seconds))
        except Failure as f:
            out.append(("shape/" + shape, str(f), ""))
        for q in accuracy:
            name = "accuracy/%s/%s" % (shape, q)
            if Interp.sanitizer_skip(name):
                out.append((name, None, "SKIP " + Interp.sanitizer_skip(name)))
                continue
            try:
                check(report is not None, "no report from the profiled run")
                c = find_class(report, q)
                check(c is not None, "%s not in the report" % q)
                predicted = per_instance_saving(c)
                d = measure_rss(interp, shape, n, False)
                s = measure_rss(interp, shape, n, True)
                measured = d - s
                tol = max(TOL_FRACTION * abs(measured), TOL_BYTES)
                diff = predicted - measured
                ok = abs(diff) <= tol
                results.add((interp.label(), shape, q, predicted, measured,
                             d, s, diff, tol, ok))
                detail = ("predicted %.1f B/inst, measured %.1f "
                          "(dict %.1f - slots %.1f), diff %+.1f, tol %.1f"
                          % (predicted, measured, d, s, diff, tol))
                check(ok, "expected |predicted - measured| <= tol: " + detail)
                out.append((name, None, detail))
            except Failure as f:
                out.append((name, str(f), ""))
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def job_ranking(interp, keep):
    """Classes whose ranking differs between 3.8-3.10 and 3.11+."""
    name = "shape/ranking"
    tmp = tempfile.mkdtemp(prefix="slotprof-it-")
    try:
        p, report = run_shape_profiled(interp, "ranking", 0, tmp)
        m = Mismatches()
        counts = {"One": 4000, "Five": 2000, "Thirty": 600, "Few": 50}
        for q, n in counts.items():
            c = find_class(report, q)
            if c is None:
                m.true(False, "%s not in the report" % q)
                continue
            m.eq(q + " instances", n, c.get("instances"))
            m.eq(q + " recommended", q != "Few", c.get("recommended"))
            # Thirty sets its names with setattr() in a loop.
            m.eq(q + " verdict", "review" if q == "Thirty" else "safe",
                 c.get("verdict"))
        m.eq("min_instances", 100, report.get("min_instances"))
        order = [c.get("qualname") for c in report_classes(report)
                 if c.get("module") == "__main__"
                 and c.get("qualname") in ("One", "Five", "Thirty")]
        if interp.vinfo >= (3, 11):
            expected = ["Thirty", "One", "Five"]
        else:
            expected = ["One", "Five", "Thirty"]
        m.eq("ranking", expected, order)
        # The user's own classes first, each group by saving.
        keys = [(c.get("origin") != "yours", -c.get("savings_bytes"))
                for c in report_classes(report)]
        m.true(keys == sorted(keys),
               "classes not sorted (yours first, then by savings_bytes): %s"
               % keys[:10])
        m.raise_if_any()
        return [(name, None, " > ".join(order))]
    except Failure as f:
        return [(name, str(f), "")]
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def job_negative(interp, keep):
    """A negative saving is reported, not recommended, and ranked last."""
    name = "shape/negative"
    tmp = tempfile.mkdtemp(prefix="slotprof-it-")
    try:
        out = os.path.join(tmp, "r.json")
        p = run_child([interp.path, os.path.join(SHAPES, "negative.py")],
                      lib_env(interp.lib, "output=%s,text=none" % out),
                      cwd=tmp)
        check(p.rc == 0 and p.out == b"2000\n", "negative.py: " + p.brief())
        with open(out) as f:
            report = json.load(f)
        sp, pl = find_class(report, "Sparse"), find_class(report, "Plain")
        check(sp is not None and pl is not None, "Sparse/Plain missing")
        m = Mismatches()
        m.eq("Sparse instances", 1000, sp.get("instances"))
        m.true(sp.get("savings_bytes", 0) < 0,
               "Sparse savings %r, want < 0" % sp.get("savings_bytes"))
        m.eq("Sparse recommended", False, sp.get("recommended"))
        m.eq("Sparse names", 100, len(sp.get("suggested_slots") or []))
        m.true("variable-attributes" in codes(sp, "warnings"),
               "no variable-attributes warning: %r" % sp.get("warnings"))
        names = [c.get("qualname") for c in report_classes(report)]
        m.true(names.index("Plain") < names.index("Sparse"),
               "Sparse ranked before Plain")
        m.true(all(c.get("savings_bytes", 0) <= sp["savings_bytes"]
                   for c in report_classes(report)[names.index("Sparse"):]
                   if c.get("origin") == "yours"),
               "a class of yours after Sparse saves more")
        m.raise_if_any()
        return [(name, None, "Sparse saves %d B" % sp["savings_bytes"])]
    except (Failure, OSError, ValueError, KeyError) as f:
        return [(name, str(f), "")]
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def job_peak(interp, mode, keep):
    """The report shows the census at the peak, not the exit state."""
    name = "census/peak-" + mode
    tmp = tempfile.mkdtemp(prefix="slotprof-it-")
    n = 150000
    try:
        out = os.path.join(tmp, "r.json")
        p = run_child([interp.path, os.path.join(SHAPES, "peak.py"), str(n),
                       mode], lib_env(interp.lib, "output=%s,text=none" % out),
                      cwd=tmp)
        check(p.rc == 0 and p.out == b"%d\n" % n, "peak.py: " + p.brief())
        with open(out) as f:
            report = json.load(f)
        c = find_class(report, "Peak")
        check(c is not None, "Peak not in the report")
        m = Mismatches()
        m.eq("census trigger", "gc", report["census"]["trigger"])
        if mode == "explicit":
            m.eq("Peak instances", n + 10, c.get("instances"))
        else:
            # The collector's collections come at its pace, and censuses
            # within a time budget: the best one must still have caught a
            # good part of the growth (the exit census sees 10).
            m.true(c.get("instances", 0) >= n // 4,
                   "Peak instances %r, want >= %d" % (c.get("instances"),
                                                      n // 4))
        m.true(report.get("censuses", 0) >= 2,
               "censuses %r, want >= 2 (peak + exit)"
               % report.get("censuses"))
        m.raise_if_any()
        return [(name, None, "%d instances at the %s census"
                 % (c["instances"], report["census"]["trigger"]))]
    except (Failure, OSError, ValueError, KeyError) as f:
        return [(name, str(f), "")]
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- host

def slotprof_lines(err):
    return err.decode("utf-8", "replace").splitlines()


def job_host_identical(interp, mode, keep):
    """stdout, stderr and exit status identical with and without it."""
    name = "host/identical-" + mode
    tmp = tempfile.mkdtemp(prefix="slotprof-it-")
    try:
        # devmode: -X dev installs the debug allocators, which abort at
        # exit on a pre-init audit hook entry unless the library unlinks
        # it (bootstrap.c, cpython._PySys_ClearAuditHooks).
        flags = ["-X", "dev"] if mode == "devmode" else []
        argv = [interp.path] + flags + [HOSTPROG,
                                        "ok" if mode == "devmode" else mode]
        plain = run_child(argv, base_env(), cwd=tmp)
        out = os.path.join(tmp, "r.json")
        prof = run_child(argv, lib_env(interp.lib,
                                       "output=%s,text=none" % out), cwd=tmp)
        want_rc = {"ok": 0, "exit3": 3, "raise": 1, "osexit7": 7,
                   "devmode": 0}[mode]
        m = Mismatches()
        m.eq("exit status without the library", want_rc, plain.rc)
        m.eq("exit status", plain.rc, prof.rc)
        m.eq("stdout", plain.out, prof.out)
        m.eq("stderr", plain.err, prof.err)
        if mode != "osexit7":
            m.true(os.path.exists(out), "no JSON report after exit status %s"
                   % prof.rc)
        m.raise_if_any()
        return [(name, None, "rc=%s" % prof.rc)]
    except Failure as f:
        return [(name, str(f), "")]
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


HOSTILE_DIR = os.path.join(HERE, "hostile")
# program -> argv tail.  See hostile/README.
HOSTILE = {
    "strsub.py": [], "module.py": [], "prop.py": [], "dcfields.py": [],
    "uaf.py": [], "fields_overflow.py": [], "surr.py": [],
    "deep.py": ["2000"], "smallstack.py": ["32768"], "mix.py": [],
    "names.py": [], "forkbest.py": [], "fieldprop.py": [],
    "fieldgetattr.py": [], "strsubdup.py": [],
}


def job_host_hostile(interp, prog, keep):
    """A hostile program behaves the same with and without the library."""
    name = "host/hostile-" + prog[:-3]
    tmp = tempfile.mkdtemp(prefix="slotprof-it-")
    try:
        argv = [interp.path, os.path.join(HOSTILE_DIR, prog)] + HOSTILE[prog]
        plain = run_child(argv, base_env(), cwd=tmp)
        out = os.path.join(tmp, "r-%p.json")
        prof = run_child(argv, lib_env(interp.lib,
                                       "output=%s,text=none" % out), cwd=tmp)
        m = Mismatches()
        m.eq("exit status", plain.rc, prof.rc)
        m.eq("stdout", plain.out, prof.out)
        m.eq("stderr", plain.err, prof.err)
        reports = [f for f in os.listdir(tmp) if f.endswith(".json")]
        m.true(reports, "no report written")
        parents = 0
        for f in reports:
            with open(os.path.join(tmp, f)) as fh:
                report = json.load(fh)
            c = find_class(report, "Parent")
            parents += c is not None and c.get("instances", 0) >= 1000
            a = find_class(report, "A")
            if prog == "strsubdup.py" and a is not None:
                # A str-subclass key is the same attribute name on every
                # instance, not a new one per instance.
                m.eq("A attributes",
                     [{"name": "x", "instances": 3000,
                       "max_instances": 3000, "in_code": False},
                      {"name": "y", "instances": 3000,
                       "max_instances": 3000, "in_code": False}],
                     a.get("attributes"))
        if prog == "forkbest.py":
            # The fork child must not report the parent's pre-fork
            # census as its own.
            m.eq("reports showing the parent's 100,000 Parent", 1, parents)
        m.raise_if_any()
        return [(name, None, "rc=%s, %d report(s)" % (prof.rc, len(reports)))]
    except (Failure, ValueError) as f:
        return [(name, str(f), "")]
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def job_host_sigpipe(interp, keep):
    """The report written into a closed stderr pipe must not kill a
    program that restored SIG_DFL for SIGPIPE (exit 141)."""
    name = "host/sigpipe"
    prog = ("import signal, time\n"
            "signal.signal(signal.SIGPIPE, signal.SIG_DFL)\n"
            "class A:\n    def __init__(self): self.v = 1\n"
            "keep = [A() for _ in range(1000)]\n"
            "time.sleep(0.3)\nprint('done')\n")
    def run(env):
        p = subprocess.Popen([interp.path, "-c", prog], env=env,
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        p.stderr.close()            # the reader is gone
        out = p.stdout.read()
        return p.wait(timeout=TIMEOUT), out
    try:
        plain = run(base_env())
        prof = run(lib_env(interp.lib, "text=stderr"))
        m = Mismatches()
        m.eq("exit status and stdout", plain, prof)
        m.raise_if_any()
        return [(name, None, "rc=%s" % prof[0])]
    except (Failure, subprocess.TimeoutExpired) as f:
        return [(name, str(f), "")]


def job_host_pythonmalloc(interp, keep):
    """Under PYTHONMALLOC=malloc the report says the costs do not apply."""
    name = "host/pythonmalloc"
    tmp = tempfile.mkdtemp(prefix="slotprof-it-")
    try:
        out = os.path.join(tmp, "r.json")
        env = lib_env(interp.lib, "output=%s,text=stderr" % out)
        env["PYTHONMALLOC"] = "malloc"
        p = run_child([interp.path, HOSTPROG, "ok"], env, cwd=tmp)
        m = Mismatches()
        m.eq("exit status", 0, p.rc)
        with open(out) as f:
            m.eq("allocator", "malloc", json.load(f).get("allocator"))
        m.true(b"\nwarning: this process allocates with malloc, not "
               b"pymalloc" in p.err, "no allocator warning: " + p.brief())
        m.raise_if_any()
        return [(name, None, "allocator malloc reported")]
    except (Failure, OSError, ValueError) as f:
        return [(name, str(f), "")]
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def job_host_malloc_conf(interp, keep):
    """The private jemalloc ignores the host's MALLOC_CONF."""
    name = "host/malloc-conf"
    tmp = tempfile.mkdtemp(prefix="slotprof-it-")
    try:
        env = lib_env(interp.lib, "text=none,output=%s"
                      % os.path.join(tmp, "r.json"))
        env["MALLOC_CONF"] = "abort_conf:true,junk:foo,stats_print:true"
        p = run_child([interp.path, HOSTPROG, "ok"], env, cwd=tmp)
        plain = run_child([interp.path, HOSTPROG, "ok"], base_env(), cwd=tmp)
        m = Mismatches()
        m.eq("exit status", plain.rc, p.rc)
        m.eq("stdout", plain.out, p.out)
        m.eq("stderr", plain.err, p.err)
        m.raise_if_any()
        return [(name, None, "rc=%s" % p.rc)]
    except Failure as f:
        return [(name, str(f), "")]
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def job_host_foreign(interp, what, keep):
    """Non-Python processes (and the pyenv shim) under LD_PRELOAD."""
    name = "host/foreign-" + what
    try:
        env = lib_env(interp.lib, None)
        if what == "true":
            argv, want_out, want_rc = ["/bin/true"], b"", 0
        elif what == "false":
            argv, want_out, want_rc = ["/bin/false"], b"", 1
        elif what == "bash":
            argv, want_out, want_rc = ["bash", "-c", "echo hi"], b"hi\n", 0
        else:
            root = pyenv_root()
            argv = [os.path.join(root, "shims", "python3"), "-c",
                    "print('shim ok')"]
            want_out, want_rc = b"shim ok\n", 0
            env["SLOTPROF_OPTIONS"] = "text=none"
            env["PYENV_VERSION"] = (interp.version
                                    if interp.path.startswith(root)
                                    else "system")
        p = run_child(argv, env)
        m = Mismatches()
        m.eq("exit status", want_rc, p.rc)
        m.eq("stdout", want_out, p.out)
        if what == "pyenv-shim" and not interp.path.startswith(root) \
                and interp.version != system_python_version():
            # pyenv has no such version (Debian unstable's 3.14, 3.15):
            # the shim's system python refuses the library in one line.
            one_slotprof_line(m, p.err, [interp.version])
        else:
            m.eq("stderr", b"", p.err)
        m.raise_if_any()
        return [(name, None, "")]
    except Failure as f:
        return [(name, str(f), "")]


def one_slotprof_line(m, err, must_contain=()):
    lines = slotprof_lines(err)
    m.eq("stderr line count", 1, len(lines))
    if lines:
        m.true(lines[0].startswith("slotprof: "),
               "stderr does not start with 'slotprof: ': %r" % lines[0])
        for s in must_contain:
            m.true(s in lines[0], "stderr line %r does not name %r"
                   % (lines[0], s))


def job_host_bad_options(interp, keep):
    name = "host/bogus-option"
    tmp = tempfile.mkdtemp(prefix="slotprof-it-")
    try:
        argv = [interp.path, HOSTPROG, "exit3"]
        plain = run_child(argv, base_env(), cwd=tmp)
        out = os.path.join(tmp, "r.json")
        p = run_child(argv, lib_env(interp.lib,
                                    "output=%s,bogus=1" % out), cwd=tmp)
        m = Mismatches()
        one_slotprof_line(m, p.err, ["bogus"])
        m.eq("exit status", plain.rc, p.rc)
        m.eq("stdout", plain.out, p.out)
        m.eq("files written", [], sorted(os.listdir(tmp)))
        m.raise_if_any()
        return [(name, None, p.err.decode().strip())]
    except Failure as f:
        return [(name, str(f), "")]
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def job_host_wrong_version(interp, other, keep):
    """A library built for another CPython loaded into this one."""
    name = "host/wrong-version-lib-%s" % other.version
    tmp = tempfile.mkdtemp(prefix="slotprof-it-")
    try:
        argv = [interp.path, HOSTPROG, "ok"]
        plain = run_child(argv, base_env(), cwd=tmp)
        out = os.path.join(tmp, "r.json")
        p = run_child(argv, lib_env(other.lib, "output=%s,text=stderr" % out),
                      cwd=tmp)
        m = Mismatches()
        one_slotprof_line(m, p.err, [other.version, interp.version])
        m.eq("exit status", plain.rc, p.rc)
        m.eq("stdout", plain.out, p.out)
        m.eq("files written", [], sorted(os.listdir(tmp)))
        m.raise_if_any()
        return [(name, None, p.err.decode().strip())]
    except Failure as f:
        return [(name, str(f), "")]
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def job_host_unwritable(interp, keep):
    name = "host/unwritable-output"
    try:
        argv = [interp.path, HOSTPROG, "exit3"]
        plain = run_child(argv, base_env())
        p = run_child(argv, lib_env(
            interp.lib, "output=/proc/nonexistent/x.json,text=none"))
        m = Mismatches()
        one_slotprof_line(m, p.err, ["/proc/nonexistent/x.json"])
        m.eq("exit status", plain.rc, p.rc)
        m.eq("stdout", plain.out, p.out)
        m.raise_if_any()
        return [(name, None, p.err.decode().strip())]
    except Failure as f:
        return [(name, str(f), "")]


def job_host_pid_atomic(interp, keep):
    """output=DIR/r-%p.json: expands to the child's pid; the directory
    holds exactly that file afterwards (no temp file left behind)."""
    name = "host/pid-path-atomic"
    tmp = tempfile.mkdtemp(prefix="slotprof-it-")
    try:
        argv = [interp.path, HOSTPROG, "pid"]
        p = run_child(argv, lib_env(
            interp.lib, "output=%s/r-%%p.json,text=none" % tmp), cwd="/")
        m = Mismatches()
        m.eq("exit status", 0, p.rc)
        m.eq("stderr", b"", p.err)
        got = re.search(rb"^pid (\d+)$", p.out, re.M)
        check(got is not None, "no pid printed: " + p.brief())
        pid = int(got.group(1))
        want = "r-%d.json" % pid
        m.eq("files in the output directory", [want], sorted(os.listdir(tmp)))
        if os.path.exists(os.path.join(tmp, want)):
            with open(os.path.join(tmp, want)) as f:
                report = json.load(f)
            m.eq("report pid", pid, report.get("pid"))
            m.eq("report python", interp.version, report.get("python"))
            m.eq("allocator", "pymalloc", report.get("allocator"))
            c = find_class(report, "Record")
            m.true(c is not None and c.get("instances") == 5000,
                   "Record with 5000 instances not in the report")
        m.raise_if_any()
        return [(name, None, want)]
    except Failure as f:
        return [(name, str(f), "")]
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def job_example(interp, keep):
    """examples/shop.py: same stdout with and without, sensible report."""
    name = "example/shop"
    tmp = tempfile.mkdtemp(prefix="slotprof-it-")
    try:
        argv = [interp.path, SHOP]
        plain = run_child(argv, base_env(), cwd=tmp)
        out = os.path.join(tmp, "r.json")
        p = run_child(argv, lib_env(interp.lib, "output=%s,text=none" % out),
                      cwd=tmp)
        m = Mismatches()
        m.eq("exit status", 0, plain.rc)
        m.eq("exit status", plain.rc, p.rc)
        m.eq("stdout", plain.out, p.out)
        m.eq("stderr", b"", p.err)
        check(os.path.exists(out), "no JSON report: " + p.brief())
        with open(out) as f:
            report = json.load(f)
        mine = {c.get("qualname"): c for c in report_classes(report)
                if c.get("module") == "__main__"}
        for q in ("Customer", "Order", "LineItem", "Product", "Event",
                  "Snapshot", "Warehouse"):
            m.true(q in mine, "%s not in the report" % q)
        ev = mine.get("Event") or {}
        m.true("__weakref__" in (ev.get("suggested_slots") or []),
               "Event: __weakref__ not suggested: %r"
               % ev.get("suggested_slots"))
        m.eq("Warehouse recommended", False,
             (mine.get("Warehouse") or {}).get("recommended"))
        prod = mine.get("Product") or {}
        m.eq("Product plan", [(
            "Product", "dataclass" if interp.vinfo >= (3, 10) else "slots",
            ["sku", "name", "price_cents", "warehouse"])], plan_of(prod))
        li = mine.get("LineItem") or {}
        m.eq("LineItem plan", [("Entity", "slots", ["ident"]),
                               ("LineItem", "slots",
                                ["product", "quantity", "discount"])],
             plan_of(li))
        snap = mine.get("Snapshot") or {}
        if interp.vinfo >= (3, 11):
            m.true("materialized-dict" in codes(snap, "warnings"),
                   "Snapshot: no materialized-dict warning: %r"
                   % codes(snap, "warnings"))
        m.raise_if_any()
        top = [c.get("qualname") for c in report_classes(report)][:4]
        return [(name, None, "%.2fs plain, %.2fs profiled, top %s"
                 % (plain.seconds, p.seconds, top))]
    except Failure as f:
        return [(name, str(f), "")]
    except (OSError, ValueError) as e:
        return [(name, "%s: %s" % (type(e).__name__, e), "")]
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- main

_pyenv_root = None


def pyenv_root():
    global _pyenv_root
    if _pyenv_root is None:
        try:
            _pyenv_root = subprocess.run(
                ["pyenv", "root"], stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, timeout=30).stdout.decode().strip()
        except (OSError, subprocess.SubprocessError):
            _pyenv_root = ""
        if not _pyenv_root:
            _pyenv_root = os.path.expanduser("~/.pyenv")
    return _pyenv_root


_system_version = None


def system_python_version():
    """The version of pyenv's "system" python3 (/usr/bin/python3)."""
    global _system_version
    if _system_version is None:
        p = run_child(["/usr/bin/python3", "-c",
                       "import sys; print(sys.version.split()[0])"],
                      base_env())
        _system_version = p.out.decode().strip()
    return _system_version


def other_libs(interp, interps):
    """Libraries built for other CPythons to load into this one: one of
    the same minor version with another patch level if there is one (the
    subtlest mismatch), and the next minor version up (the one below for
    the newest)."""
    built = [o for o in interps if o.lib and o.version != interp.version]
    picks = []
    same = [o for o in built if o.vinfo[:2] == interp.vinfo[:2]]
    if same:
        picks.append(same[0])
    others = [o for o in built if o.vinfo[:2] != interp.vinfo[:2]]
    up = sorted((o for o in others if o.vinfo > interp.vinfo),
                key=lambda o: o.vinfo)
    down = sorted((o for o in others if o.vinfo < interp.vinfo),
                  key=lambda o: o.vinfo)
    if up:
        picks.append(up[0])
    elif down:
        picks.append(down[-1])
    return picks


def write_accuracy(rows):
    lines = ["%-8s %-16s %-10s %10s %10s %10s %10s %8s %6s  %s" % (
        "python", "shape", "class", "predicted", "measured", "dict",
        "slots", "diff", "tol", "")]
    for (ver, shape, q, pred, meas, d, s, diff, tol, ok) in rows:
        lines.append("%-8s %-16s %-10s %10.1f %10.1f %10.1f %10.1f %+8.1f "
                     "%6.1f  %s" % (ver, shape, q, pred, meas, d, s, diff,
                                    tol, "ok" if ok else "OUT"))
    text = "\n".join(lines) + "\n"
    text = ("# B per instance.  predicted = savings_bytes / instances from "
            "the report;\n# measured = RSS growth per instance, dict class "
            "minus slotted twin,\n# fresh processes without the library; "
            "tol = max(3%, 4 B).\n") + text
    os.makedirs(os.path.dirname(ACCURACY_TXT), exist_ok=True)
    with open(ACCURACY_TXT, "w") as f:
        f.write(text)
    return text


def rss_only(interps, shapes, workers):
    """Measure the ground truth alone (no library needed)."""
    def one(interp, shape):
        n, _, accuracy = expectations(shape, interp.vinfo)
        if not accuracy:
            return None
        try:
            d = measure_rss(interp, shape, n, False)
            s = measure_rss(interp, shape, n, True)
        except Failure as f:
            print("%s %s: %s" % (interp.label(), shape, f), flush=True)
            return None
        return (interp.label(), shape, d, s)

    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        futs = [ex.submit(one, i, s) for i in interps for s in shapes]
        for f in futs:
            r = f.result()
            if r:
                print("%-8s %-16s dict %8.1f  slots %8.1f  saving %8.1f"
                      % (r[0], r[1], r[2], r[3], r[2] - r[3]), flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("interpreters", nargs="+")
    ap.add_argument("-k", dest="pattern", default="",
                    help="run only tests whose name contains this")
    ap.add_argument("-j", dest="jobs", type=int, default=2)
    ap.add_argument("--rss-only", action="store_true",
                    help="only measure the RSS ground truth")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directories")
    args = ap.parse_args()

    t0 = time.monotonic()
    interps = [Interp(os.path.abspath(p)) for p in args.interpreters]
    for it in interps:
        probe(it)
    shapes = [s for s in SHAPE_NAMES if args.pattern in "shape/" + s
              or args.pattern in "accuracy/" + s]
    if args.rss_only:
        return rss_only([i for i in interps if i.version], shapes, args.jobs)
    for it in interps:
        if it.version:
            build_lib(it)

    results = Results()
    passed = failed = skipped = 0
    plan = []   # (interp, callable) in print order

    def want(name):
        return args.pattern in name

    for it in interps:
        if it.build_error:
            plan.append((it, lambda it=it: [("build", it.build_error, "")]))
            continue
        for s in shapes:
            plan.append((it, lambda it=it, s=s: job_shape(
                it, s, results, args.keep)))
        if want("shape/ranking"):
            plan.append((it, lambda it=it: job_ranking(it, args.keep)))
        if want("shape/negative"):
            plan.append((it, lambda it=it: job_negative(it, args.keep)))
        for mode in ("explicit", "auto"):
            if want("census/peak-" + mode):
                plan.append((it, lambda it=it, mode=mode:
                             job_peak(it, mode, args.keep)))
        for mode in ("ok", "exit3", "raise", "osexit7", "devmode"):
            if want("host/identical-" + mode):
                plan.append((it, lambda it=it, mode=mode:
                             job_host_identical(it, mode, args.keep)))
        for what in ("true", "false", "bash", "pyenv-shim"):
            if want("host/foreign-" + what):
                plan.append((it, lambda it=it, what=what:
                             job_host_foreign(it, what, args.keep)))
        for prog in sorted(HOSTILE):
            if want("host/hostile-" + prog[:-3]):
                plan.append((it, lambda it=it, prog=prog:
                             job_host_hostile(it, prog, args.keep)))
        if want("host/sigpipe"):
            plan.append((it, lambda it=it: job_host_sigpipe(it, args.keep)))
        if want("host/pythonmalloc"):
            plan.append((it, lambda it=it: job_host_pythonmalloc(it,
                                                                 args.keep)))
        if want("host/malloc-conf"):
            plan.append((it, lambda it=it: job_host_malloc_conf(it,
                                                                args.keep)))
        if want("host/bogus-option"):
            plan.append((it, lambda it=it: job_host_bad_options(it,
                                                                args.keep)))
        for other in other_libs(it, interps):
            if want("host/wrong-version-lib"):
                plan.append((it, lambda it=it, other=other:
                             job_host_wrong_version(it, other, args.keep)))
        if want("host/unwritable-output"):
            plan.append((it, lambda it=it: job_host_unwritable(it,
                                                               args.keep)))
        if want("host/pid-path-atomic"):
            plan.append((it, lambda it=it: job_host_pid_atomic(it,
                                                               args.keep)))
        if want("example/shop"):
            plan.append((it, lambda it=it: job_example(it, args.keep)))
        # Sampling sessions (tests/integration/sampling.py): modes,
        # snapshots, processes, the control module, hostile programs.
        for tname, fn in sampling.jobs(it, want, args.keep):
            plan.append((it, fn))
        # Allocation counts and sites (tests/integration/allocs.py).
        for tname, fn in allocs.jobs(it, want, args.keep):
            plan.append((it, fn))
        # Verdicts that hold: safe plans applied (tests/integration/
        # verdicts.py), blocker texts against CPython.
        for tname, fn in verdicts.jobs(it, want, args.keep):
            plan.append((it, fn))

    def guarded(fn):
        try:
            return fn()
        except Exception as e:      # a bug in a test must not hide others
            import traceback
            return [("internal-error", "%s: %s\n%s" % (
                type(e).__name__, e, traceback.format_exc()), "")]

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        futs = [(it, ex.submit(guarded, fn)) for it, fn in plan]
        for it, fut in futs:
            for (name, err, detail) in fut.result():
                if err is None and detail.startswith("SKIP "):
                    skipped += 1
                    print("SKIP %s %s %s" % (it.label(), name, detail[5:]),
                          flush=True)
                elif err is None:
                    passed += 1
                    print(("PASS %s %s %s" % (it.label(), name,
                                              detail)).rstrip(), flush=True)
                else:
                    failed += 1
                    print("FAIL %s %s %s" % (it.label(), name, err),
                          flush=True)

    if results.rows:
        order = {it.label(): k for k, it in enumerate(interps)}
        rows = sorted(results.rows, key=lambda r: (
            order.get(r[0], 99), SHAPE_NAMES.index(r[1])
            if r[1] in SHAPE_NAMES else 99, r[2]))
        print()
        print(write_accuracy(rows), end="")
        print("(table written to %s)" % os.path.relpath(ACCURACY_TXT, ROOT))
    print("integration: %.0f s" % (time.monotonic() - t0))
    print("%d passed, %d failed%s" % (passed, failed, ", %d skipped"
                                      % skipped if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
