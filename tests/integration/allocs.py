"""Integration tests of allocation counts and sites (docs/allocations.md).

jobs(interp, want, keep) yields (test name, callable), as sampling.py
does, whose Ctx and job wrapper these tests share.

  allocs/exact-counts    known numbers of instances created and dropped
                         (kept, churned, freed by gc, subclasses, type(),
                         an ABC, a namedtuple, exceptions, a
                         dataclass(slots=True) replacement): exact
                         allocated / freed / live / peak_live.
  allocs/sites-exact     sample_every=1: every allocation sampled, so each
                         site's allocations, instances and saving are
                         exact, down to the line numbers.
  allocs/sites-sampled   sample_every=100 over 100,000 allocations from
                         two sites 70/30: per-class sums exact, the split
                         within 5 standard deviations of the truth.
  allocs/native          native=1: instances made by a C extension show
                         its function and its .so.
  allocs/off             allocs=off: "allocations": null, allocator left
                         alone.
  allocs/tracemalloc     tracemalloc started and stopped during the run:
                         counts stay exact (3.8-3.12: its hook chains to
                         ours), or the report says frees were lost (3.13:
                         tracemalloc replaces the reference tracer).
  allocs/identical       the exact-counts program's exit status, stdout
                         and stderr are the same with and without the
                         library at sample_every=1, native=1.
  allocs/review-*        what a review found (allocs/review.py): a
                         metaclass older than the profiler, 66,000
                         throw-away classes, a class per call, exec() in
                         a loop, a subinterpreter with its own GIL.
"""
import json
import os
import re
import subprocess
import sys

import sampling

HERE = os.path.dirname(os.path.abspath(__file__))
PROGS = os.path.join(HERE, "allocs")


def classes_of(report):
    a = report.get("allocations") or {}
    return {(c["module"], c["qualname"]): c for c in a.get("classes", [])}


def load(path):
    with open(path) as f:
        return json.load(f)


def marker_line(prog, marker):
    with open(os.path.join(PROGS, prog)) as f:
        for n, line in enumerate(f, 1):
            if "# " + marker in line:
                return n
    raise ValueError("no marker %s in %s" % (marker, prog))


def check_sums(m, report):
    """Per class, the sites add up to the class's allocated, instances and
    savings_bytes (docs/report-format.md, allocations.sites[])."""
    a = report["allocations"]
    inst, sav = {}, {}
    for c in report["classes"]:
        k = (c["module"], c["qualname"])
        inst[k] = inst.get(k, 0) + c["instances"]
        sav[k] = sav.get(k, 0) + c["savings_bytes"]
    for c in report.get("slotted_classes", []):
        k = (c["module"], c["qualname"])
        inst[k] = inst.get(k, 0) + c["instances"]
    for c in a["classes"]:
        k = (c["module"], c["qualname"])
        ss = [s for s in a["sites"]
              if (s["module"], s["qualname"]) == k]
        m.eq("%s.%s: sum of site allocations" % k, c["allocated"],
             sum(s["allocations"] for s in ss))
        m.eq("%s.%s: sum of site instances" % k, inst.get(k, 0),
             sum(s["instances"] for s in ss))
        m.eq("%s.%s: sum of site savable_bytes" % k, sav.get(k, 0),
             sum(s["savable_bytes"] for s in ss))
        m.eq("%s.%s: sum of site samples" % k, c["samples"],
             sum(s["samples"] for s in ss))
    for s in a["sites"]:
        for i in s["frames"]:
            m.true(0 <= i < len(a["frames"]),
                   "frame index %r out of range" % i)


def t_exact_counts(c):
    out = c.path("r.json")
    p = c.run([c.interp.path, os.path.join(PROGS, "counts.py")],
              "output=%s,text=none" % out)
    c.m.eq("exit status", 0, p.rc)
    c.m.eq("stderr", "", p.err.decode(errors="replace"))
    r = load(out)
    a = r["allocations"]
    c.m.eq("counting", "reftracer" if c.interp.vinfo >= (3, 13)
           else "tp_alloc", a["counting"])
    c.m.eq("frees_exact", True, a["frees_exact"])
    c.m.eq("allocator", "pymalloc", r["allocator"])
    got = classes_of(r)
    want = {
        "Kept": (1001, 0, 1001, 1001),
        "Churned": (5000, 5000, 0, 500),
        "Cyclic": (300, 300, 0, 300),
        "Derived": (7, 0, 7, 7),
        "Dyn": (11, 0, 11, 11),
        "Concrete": (13, 0, 13, 13),
        "Pair": (17, 0, 17, 17),
        "Oops": (23, 23, 0, 1),
    }
    if c.interp.vinfo >= (3, 10):
        want["Slotted"] = (19, 0, 19, 19)
    for q, (al, fr, live, peak) in sorted(want.items()):
        k = ("__main__", q)
        if k not in got:
            c.m.true(False, "class %s not in allocations.classes" % q)
            continue
        g = got[k]
        c.m.eq(q + " allocated/freed/live/peak_live", (al, fr, live, peak),
               (g["allocated"], g["freed"], g["live"], g["peak_live"]))
    # The census agrees with the counters for the classes still alive.
    for cl in r["classes"]:
        if cl["module"] == "__main__" and cl["qualname"] in want:
            c.m.eq(cl["qualname"] + " instances at exit",
                   want[cl["qualname"]][2], cl["instances"])
    if c.interp.vinfo >= (3, 10):
        sl = [s for s in r["slotted_classes"]
              if (s["module"], s["qualname"]) == ("__main__", "Slotted")]
        c.m.eq("slotted_classes Slotted instances", [19],
               [s["instances"] for s in sl])
    check_sums(c.m, r)
    return "%d classes counted" % len(a["classes"])


def t_sites_exact(c):
    out = c.path("r.json")
    p = c.run([c.interp.path, os.path.join(PROGS, "sites.py")],
              "output=%s,text=none,sample_every=1" % out)
    c.m.eq("exit status", 0, p.rc)
    r = load(out)
    a = r["allocations"]
    c.m.eq("sample_every", 1, a["sample_every"])
    prog = os.path.join(PROGS, "sites.py")
    la, lb = marker_line("sites.py", "SITE-A"), marker_line("sites.py",
                                                            "SITE-B")
    ca, cb = marker_line("sites.py", "CALL-A"), marker_line("sites.py",
                                                            "CALL-B")
    # Python 3.8-3.11 run a list comprehension as a function of its own.
    comp = [("<listcomp>" if c.interp.vinfo < (3, 11)
             else "make_a.<locals>.<listcomp>", la)] \
        if c.interp.vinfo < (3, 12) else []

    def frames_of(s):
        return [(a["frames"][i]["function"], a["frames"][i]["line"])
                for i in s["frames"]
                if a["frames"][i]["file"] == prog]

    item = [s for s in a["sites"] if s["qualname"] == "Item"]
    got = sorted((frames_of(s), s["samples"], s["allocations"],
                  s["instances"]) for s in item)
    want = sorted([
        ([("<module>", ca), ("make_a", la)] + comp, 600, 600, 600),
        ([("<module>", cb), ("make_b", lb)], 400, 400, 400),
    ])
    c.m.eq("Item sites (frames, samples, allocations, instances)", want,
           got)
    item_cls = [x for x in r["classes"] if x["qualname"] == "Item"]
    if item_cls:
        sav = item_cls[0]["savings_bytes"]
        # Largest remainder: 600/1000 of the saving, rounded to nearest.
        big = (sav * 600 + 500) // 1000
        c.m.eq("Item saving split 600:400", sorted([big, sav - big]),
               sorted(s["savable_bytes"] for s in item))
    temp = [s for s in a["sites"] if s["qualname"] == "Temp"]
    c.m.eq("Temp sites (allocations, instances)", [(250, 0)],
           [(s["allocations"], s["instances"]) for s in temp])
    check_sums(c.m, r)
    # The text report says where the saving is created.
    t = subprocess.run([c.interp.path, os.path.join(PROGS, "sites.py")],
                       env=c.env("text=stderr,sample_every=1"),
                       cwd=c.tmp, capture_output=True)
    err = t.stderr.decode(errors="replace")
    c.m.true("where the savings are created" in err,
             "no sites section in the text report:\n" + err)
    c.m.true(re.search(r"60\.0%.*make_a \(sites\.py:" + str(la) + r"\)", err)
             is not None, "make_a's 60.0% line missing:\n" + err)
    return ""


def t_sites_sampled(c):
    out = c.path("r.json")
    p = c.run([c.interp.path, os.path.join(PROGS, "sampled.py")],
              "output=%s,text=none,sample_every=100" % out)
    c.m.eq("exit status", 0, p.rc)
    r = load(out)
    a = r["allocations"]
    check_sums(c.m, r)
    rec = classes_of(r)[("__main__", "Rec")]
    c.m.eq("Rec allocated", 100000, rec["allocated"])
    hot = sum(s["allocations"] for s in a["sites"] if s["qualname"] == "Rec"
              and any(a["frames"][i]["function"] == "hot"
                      for i in s["frames"]))
    n = rec["samples"]
    # Each allocation is sampled with probability 1/100: n ~ Binomial.
    c.m.true(abs(n - 1000) <= 5 * (100000 * 0.01 * 0.99) ** 0.5,
             "samples %d, want 1000 +- 5 sd" % n)
    sd = (0.7 * 0.3 / max(n, 1)) ** 0.5 * 100000
    c.m.true(abs(hot - 70000) <= 5 * sd,
             "hot() allocations estimated %d, want 70000 +- %.0f" %
             (hot, 5 * sd))
    return "samples %d, hot %d" % (n, hot)


def build_ext(c):
    """Compile native.c for this interpreter into the scratch dir."""
    R = c.R
    info = subprocess.run(
        [c.interp.path, "-c", "import sysconfig as s; print(s.get_paths()"
         "['include']); print(s.get_config_var('EXT_SUFFIX'))"],
        capture_output=True, text=True, env=R.base_env())
    inc, suffix = info.stdout.split()
    so = c.path("spext" + suffix)
    cc = subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-I", inc, "-o", so,
                         os.path.join(PROGS, "native.c")],
                        capture_output=True, text=True)
    if cc.returncode != 0:
        raise R.Failure("cannot build the test extension:\n" + cc.stderr)
    return so


def t_native(c):
    so = build_ext(c)
    out = c.path("r.json")
    p = c.run([c.interp.path, os.path.join(PROGS, "native.py"), c.tmp],
              "output=%s,text=none,sample_every=1,native" % out)
    c.m.eq("exit status", 0, p.rc)
    c.m.eq("stderr", "", p.err.decode(errors="replace"))
    r = load(out)
    a = r["allocations"]
    c.m.eq("native", True, a["native"])
    w = [s for s in a["sites"] if s["qualname"] == "Widget"]
    via_c = [s for s in w if any(
        a["frames"][i]["native"] and a["frames"][i]["function"]
        == "spext_make_many" for i in s["frames"])]
    c.m.eq("Widget allocations through spext_make_many", 300,
           sum(s["allocations"] for s in via_c))
    for s in via_c:
        fr = [a["frames"][i] for i in s["frames"]]
        nat = [f for f in fr if f["function"] == "spext_make_many"]
        c.m.eq("the C frame's file", so, nat[0]["file"])
        c.m.eq("the C frame's line", None, nat[0]["line"])
        # Python frames first (outermost), then the native ones.
        c.m.eq("the C frame comes after the Python frames", True,
               fr.index(nat[0]) > max(
                   (k for k, f in enumerate(fr) if not f["native"]),
                   default=-1))
    c.m.eq("Widget allocations from Python", 200,
           sum(s["allocations"] for s in w) - 300)
    check_sums(c.m, r)
    return ""


def t_off(c):
    out = c.path("r.json")
    p = c.run([c.interp.path, os.path.join(PROGS, "sites.py")],
              "output=%s,text=none,allocs=off" % out)
    c.m.eq("exit status", 0, p.rc)
    r = load(out)
    c.m.eq("allocations", None, r["allocations"])
    c.m.eq("allocator", "pymalloc", r["allocator"])
    return ""


TRACEMALLOC_PROG = r"""
import tracemalloc
class K:
    def __init__(self):
        self.k = 1
a = [K() for _ in range(100)]
tracemalloc.start()
b = [K() for _ in range(200)]
snap = tracemalloc.take_snapshot()
assert snap.statistics("lineno"), "tracemalloc saw nothing"
tracemalloc.stop()
del b
c = [K() for _ in range(300)]
print("ok")
"""


def t_tracemalloc(c):
    prog = c.path("tm.py")
    with open(prog, "w") as f:
        f.write(TRACEMALLOC_PROG)
    out = c.path("r.json")
    p = c.run([c.interp.path, prog], "output=%s,text=stderr" % out)
    c.m.eq("exit status", 0, p.rc)
    c.m.eq("stdout", b"ok\n", p.out)
    r = load(out)
    a = r["allocations"]
    k = classes_of(r)[("__main__", "K")]
    err = p.err.decode(errors="replace")
    if c.interp.vinfo >= (3, 13):
        # tracemalloc.start() replaced the reference tracer: the events
        # until the next census are lost, and the report says so.
        c.m.eq("frees_exact", False, a["frees_exact"])
        c.m.true("some frees were not seen" in err,
                 "no warning in the text report:\n" + err)
    else:
        c.m.eq("frees_exact", True, a["frees_exact"])
        c.m.eq("K allocated/freed/live/peak_live", (600, 200, 400, 400),
               (k["allocated"], k["freed"], k["live"], k["peak_live"]))
    return ""


def t_identical(c):
    argv = [c.interp.path, os.path.join(PROGS, "counts.py")]
    plain = c.run(argv, None, profiled=False)
    prof = c.run(argv, "text=none,sample_every=1,native")
    c.m.eq("exit status", plain.rc, prof.rc)
    c.m.eq("stdout", plain.out, prof.out)
    c.m.eq("stderr", plain.err, prof.err)
    return ""


REVIEW = {
    # case: (classes -> (allocated, freed, live, peak_live), Foo sites)
    "meta": ({"C": (100, 0, 100, 100), "D": (100, 0, 100, 100)}, None),
    "many": ({"K": (66000, 66000, 0, 1),
              "After": (1000, 0, 1000, 1000)}, None),
    "peak": ({"make.<locals>.C": (10000, 10000, 0, 1000)}, None),
    "exec": ({"Foo": (200, 0, 200, 200)}, 200),
    "subint": ({}, None),
}


def t_review(c, case):
    out = c.path("r.json")
    argv = [c.interp.path, os.path.join(PROGS, "review.py"), case]
    extra = {"PYTHONPATH": os.path.join(PROGS, "metasite")} \
        if case == "meta" else None
    p = c.run(argv, "output=%s,text=none,sample_every=1" % out, extra=extra)
    c.m.eq("exit status", 0, p.rc)
    c.m.eq("stdout", b"ok\n", p.out)
    c.m.eq("stderr", "", p.err.decode(errors="replace"))
    r = load(out)
    a = r["allocations"]
    c.m.eq("frees_exact", True, a["frees_exact"])
    got = classes_of(r)
    want, foo_sites = REVIEW[case]
    for q, counts in sorted(want.items()):
        g = got.get(("__main__", q))
        c.m.eq(q + " allocated/freed/live/peak_live", counts,
               g and (g["allocated"], g["freed"], g["live"], g["peak_live"]))
    if case == "subint":
        # The main interpreter's Foo: every one made counted, 7 alive.
        g = got.get(("__main__", "Foo"))
        c.m.true(g is not None and g["live"] == 7
                 and g["allocated"] == g["freed"] + 7
                 and g["allocated"] >= 20007,
                 "main-interpreter Foo counts %r" % g)
        c.m.eq("classes of the subinterpreter", [],
               [k for k in got if k[1] == "Bar"])
    if foo_sites is not None:
        c.m.eq("Foo sites (one per exec'd line)", foo_sites,
               len([s for s in a["sites"] if s["qualname"] == "Foo"]))
    check_sums(c.m, r)
    return ""


def _tests(interp):
    return [
        ("allocs/exact-counts", t_exact_counts),
        ("allocs/sites-exact", t_sites_exact),
        ("allocs/sites-sampled", t_sites_sampled),
        ("allocs/native", t_native),
        ("allocs/off", t_off),
        ("allocs/tracemalloc", t_tracemalloc),
        ("allocs/identical", t_identical),
    ] + [("allocs/review-" + case, lambda c, case=case: t_review(c, case))
         for case in REVIEW
         if case != "subint" or interp.vinfo >= (3, 12)]


def jobs(interp, want, keep):
    for name, fn in _tests(interp):
        if want(name):
            yield name, sampling._job(name, fn, interp, keep)
