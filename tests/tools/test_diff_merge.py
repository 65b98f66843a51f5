"""`slotprof diff` and `slotprof merge`, and the man page.

Exact outputs for hand-written report pairs (tests/tools/fixtures/dm_*.json,
whose numbers are worked out in the comments below), a real before/after
pair (tests/tools/programs/diff_before.py and diff_after.py run under the
build tree's libraries), and `man --warnings` on docs/slotprof.1.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import ROOT, SLOTPROF, fixture, run  # noqa: E402

PROGRAMS = os.path.join(ROOT, "tests", "tools", "programs")
MANPAGE = os.path.join(ROOT, "docs", "slotprof.1")

# (interpreter, version) pairs for the real runs; missing ones are skipped.
INTERPRETERS = [
    ("/root/.pyenv/versions/3.12.1/bin/python3", "3.12.1"),
    ("/usr/bin/python3.11", "3.11.2"),
]


def out(r):
    return r.stdout.decode()


def err(r):
    return r.stderr.decode()



# Keys added within version 1 after these fixtures were written.
NEW_CLASS_KEYS = ("origin", "max_instances", "max_instances_at_seconds")
NEW_ATTR_KEYS = ("max_instances", "in_code")
NEW_STEP_KEYS = ("moved_defaults", "init_defaults", "add_init", "init_args")


def without_new_keys(v):
    """A classes array (or anything else) without the keys the fixtures
    predate."""
    if not isinstance(v, list) or not v or "attributes" not in v[0]:
        return v
    out = []
    for c in v:
        c = {k: x for k, x in c.items() if k not in NEW_CLASS_KEYS}
        c["attributes"] = [{k: x for k, x in a.items()
                            if k not in NEW_ATTR_KEYS}
                           for a in c["attributes"]]
        c["plan"] = [{k: x for k, x in st.items() if k not in NEW_STEP_KEYS}
                     for st in c["plan"]]
        out.append(c)
    return out

class DiffFixtures(unittest.TestCase):
    """dm_diff_before.json -> dm_diff_after.json, row by row:

    app.models.Order  dict 1000/152,000 (saving 88,000) -> slots 1000/64,000
    app.util.Cache    two entries (lines 5, 40) of one name, summed:
                      dict 150/15,000 (saving 4,000 + 2,000) -> absent
    app.a.Equal       slots 48/4,800 -> absent      (|change| ties Point)
    app.geo.Point     slots 500/24,000 -> slots 600/28,800
    app.models.Tag    dict 10/1,040 (saving 560) -> dict 20/2,080; AFTER
                      also lists it in slotted_classes (7/999): the dict
                      side wins
    app.new.Thing     absent -> dict 5/600
    totals: 196,840 -> 95,480 B (-101,360); instances 1,708 -> 1,625;
    predicted for the one class now slotted (Order): -88,000.
    RSS 50,000,000 -> 49,000,000.
    """

    def setUp(self):
        self.before = fixture("dm_diff_before.json")
        self.after = fixture("dm_diff_after.json")

    def test_text(self):
        r = run("diff", self.before, self.after)
        self.assertEqual((r.returncode, err(r)), (0, ""))
        self.assertEqual(out(r), """\
before: {b}  (CPython 3.12.1, pid 100)
after:  {a}  (CPython 3.12.1, pid 200)
censuses compared: the peak of each run (--census peak)
all classes: 196,840 -> 95,480 B, change -101,360 B (-99.0 KiB)
predicted by before for the 1 class now slotted: -88,000 B
RSS at census: 50,000,000 B -> 49,000,000 B, change -1,000,000 B (-976.6 KiB)
warning: instance counts differ by more than 10% for 2 classes (compare \
bytes per instance): Point 500 -> 600, Tag 10 -> 20

class                  instances  bytes before   bytes after  B/inst before  \
B/inst after   change  predicted
app.models.Order  1,000 -> 1,000  152,000 dict  64,000 slots          152.0  \
        64.0  -88,000    -88,000
app.util.Cache          150 -> -   15,000 dict             -          100.0  \
           -  -15,000     -6,000
app.a.Equal              48 -> -   4,800 slots             -          100.0  \
           -   -4,800          -
app.geo.Point         500 -> 600  24,000 slots  28,800 slots           48.0  \
        48.0   +4,800          -
app.models.Tag          10 -> 20    1,040 dict    2,080 dict          104.0  \
       104.0   +1,040       -560
app.new.Thing             - -> 5             -      600 dict              -  \
       120.0     +600          -
""".format(b=self.before, a=self.after))

    def test_json(self):
        r = run("diff", self.before, self.after, "--format", "json")
        self.assertEqual((r.returncode, err(r)), (0, ""))
        d = json.loads(r.stdout)
        self.assertEqual(list(d), ["format", "version", "before", "after",
                                   "census", "warnings", "totals",
                                   "rss_change_bytes", "classes"])
        self.assertEqual(d["census"], "peak")
        self.assertEqual(d["warnings"], [
            "instance counts differ by more than 10% for 2 classes "
            "(compare bytes per instance): Point 500 -> 600, Tag 10 -> 20"])
        self.assertEqual((d["format"], d["version"]), ("slotprof-diff", 1))
        self.assertEqual(d["before"], {"path": self.before, "python": "3.12.1",
                                       "pid": 100, "rss_bytes": 50000000})
        self.assertEqual(d["after"], {"path": self.after, "python": "3.12.1",
                                      "pid": 200, "rss_bytes": 49000000})
        self.assertEqual(d["totals"], {
            "instances_before": 1708, "instances_after": 1625,
            "bytes_before": 196840, "bytes_after": 95480,
            "change_bytes": -101360, "predicted_change_bytes": -88000})
        self.assertEqual(d["rss_change_bytes"], -1000000)
        keys = ["module", "qualname", "layout_before", "layout_after",
                "instances_before", "instances_after", "bytes_before",
                "bytes_after", "change_bytes", "bytes_per_instance_before",
                "bytes_per_instance_after", "predicted_savings_bytes",
                "predicted_change_bytes"]
        rows = [
            ["app.models", "Order", "dict", "slots", 1000, 1000, 152000,
             64000, -88000, 152.0, 64.0, 88000, -88000],
            ["app.util", "Cache", "dict", None, 150, 0, 15000, 0, -15000,
             100.0, None, 6000, -6000],
            ["app.a", "Equal", "slots", None, 48, 0, 4800, 0, -4800, 100.0,
             None, None, None],
            ["app.geo", "Point", "slots", "slots", 500, 600, 24000, 28800,
             4800, 48.0, 48.0, None, None],
            ["app.models", "Tag", "dict", "dict", 10, 20, 1040, 2080, 1040,
             104.0, 104.0, 560, -560],
            ["app.new", "Thing", None, "dict", 0, 5, 0, 600, 600, None,
             120.0, None, None],
        ]
        self.assertEqual(d["classes"], [dict(zip(keys, v)) for v in rows])
        for c in d["classes"]:
            self.assertEqual(list(c), keys)

    def test_json_same_as_equals_form(self):
        a = run("diff", self.before, self.after, "--format", "json")
        b = run("diff", "--format=json", self.before, self.after)
        self.assertEqual((a.returncode, a.stdout), (b.returncode, b.stdout))

    def test_fail_if_worse(self):
        """Reversed, the total grows by 101,360 B."""
        for opt, rc in [("--fail-if-worse", 1),
                        ("--fail-if-worse=101359", 1),
                        ("--fail-if-worse=101360", 0),
                        ("--fail-if-worse=5000000", 0)]:
            r = run("diff", self.after, self.before, opt)
            self.assertEqual(r.returncode, rc, opt)
            self.assertIn("change +101,360 B", out(r))
            if rc == 1:
                limit = opt.partition("=")[2] or "0"
                self.assertEqual(
                    err(r), "slotprof: worse: the bytes of all classes grew "
                    "by 101,360 B (allowed: %s B)\n"
                    % "{:,}".format(int(limit)))
            else:
                self.assertEqual(err(r), "")
        # Shrinking is never worse.
        r = run("diff", self.before, self.after, "--fail-if-worse")
        self.assertEqual((r.returncode, err(r)), (0, ""))

    def test_reversed_predictions_come_from_before(self):
        r = run("diff", self.after, self.before, "--format", "json")
        d = json.loads(r.stdout)
        pred = {c["qualname"]: c["predicted_savings_bytes"]
                for c in d["classes"]}
        # Tag and Thing have a __dict__ in dm_diff_after.json (savings
        # 1,120 and 300); nothing went from dict to slots.
        self.assertEqual(pred, {"Order": None, "Cache": None, "Equal": None,
                                "Point": None, "Tag": 1120, "Thing": 300})
        self.assertEqual(d["totals"]["predicted_change_bytes"], 0)

    def test_unknown_rss_and_control_characters(self):
        other = fixture("dm_diff_norss.json")
        r = run("diff", self.before, other)
        self.assertEqual((r.returncode, err(r)), (0, ""))
        lines = out(r).splitlines()
        self.assertEqual(lines[3], "all classes: 196,840 -> 152,200 B, "
                         "change -44,640 B (-43.6 KiB)")
        self.assertEqual(lines[4], "predicted by before for the 0 classes "
                         "now slotted: 0 B")
        self.assertEqual(lines[5], "RSS at census: 50,000,000 B -> unknown")
        self.assertIn("app.odd.Tab?Name          - -> 2             -      "
                      "200 dict              -         100.0     +200     "
                      "     -", lines)
        self.assertEqual(lines[-1], "app.models.Order  1,000 -> 1,000  "
                         "152,000 dict  152,000 dict          152.0         "
                         "152.0        0    -88,000")
        d = json.loads(run("diff", self.before, other, "--format",
                           "json").stdout)
        self.assertIsNone(d["rss_change_bytes"])
        self.assertEqual(d["after"]["rss_bytes"], 0)
        self.assertEqual(d["classes"][4]["qualname"], "Tab\tName")

    def test_census_peak_refuses_a_snapshot(self):
        """A snapshot shows one moment, an exit report its run's peak: by
        default diff compares peaks and refuses a snapshot; --census
        shown compares what they show, with a warning."""
        with open(self.before) as f:
            d = json.load(f)
        d["kind"] = "snapshot"
        d["census"]["at_seconds"] = 10.6
        snap = os.path.join(tempfile.mkdtemp(), "snap.json")
        self.addCleanup(shutil.rmtree, os.path.dirname(snap))
        with open(snap, "w") as f:
            json.dump(d, f)
        r = run("diff", snap, self.after)
        self.assertEqual((r.returncode, r.stdout), (2, b""))
        self.assertEqual(err(r), "slotprof: %s shows a snapshot census (at "
                         "10.6 s), not the peak of its run: compare two exit "
                         "reports, or pass --census shown to compare what "
                         "the reports show\n" % snap)
        r = run("diff", snap, self.after, "--census", "shown")
        self.assertEqual((r.returncode, err(r)), (0, ""))
        self.assertIn("censuses compared: the ones the reports show "
                      "(--census shown)\n", out(r))
        self.assertIn("warning: before shows a snapshot census (at 10.6 s), "
                      "after an exit (peak) one: not the same moment of the "
                      "program\n", out(r))

    def test_same_report_no_change(self):
        r = run("diff", self.before, self.before, "--fail-if-worse")
        self.assertEqual((r.returncode, err(r)), (0, ""))
        self.assertIn("all classes: 196,840 -> 196,840 B, change 0 B (0 B)\n",
                      out(r))

    def test_output_file(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        path = os.path.join(tmp, "d.json")
        r = run("diff", self.before, self.after, "--format", "json", "-o",
                path)
        self.assertEqual((r.returncode, r.stdout, err(r)), (0, b"", ""))
        with open(path, "rb") as f:
            self.assertEqual(f.read(), run("diff", self.before, self.after,
                                           "--format", "json").stdout)

    def test_usage_and_bad_input(self):
        usage = ("usage: slotprof diff BEFORE.json AFTER.json "
                 "[--census peak|shown]\n"
                 "                     [--fail-if-worse[=BYTES]] "
                 "[--format text|json] [-o OUT]\n"
                 "Try 'slotprof diff --help'.\n")
        for args, first in [
                ([self.before], "slotprof: diff needs two reports, BEFORE "
                 "and AFTER\n"),
                ([self.before, self.after, self.after],
                 "slotprof: unexpected argument '%s'\n" % self.after),
                ([self.before, self.after, "--fail-if-worse=-1"],
                 "slotprof: --fail-if-worse=BYTES: '-1' is not a number of "
                 "bytes\n"),
                ([self.before, self.after, "--format", "html"],
                 "slotprof: --format: 'html' is not text or json\n"),
                ([self.before, self.after, "--census", "exit"],
                 "slotprof: --census: 'exit' is not peak or shown\n"),
                ([self.before, self.after, "--bogus"],
                 "slotprof: unknown option '--bogus'\n")]:
            r = run("diff", *args)
            self.assertEqual((r.returncode, r.stdout, err(r)),
                             (2, b"", first + usage), args)
        r = run("diff", self.before, "/nonexistent/after.json")
        self.assertEqual((r.returncode, r.stdout), (2, b""))
        self.assertTrue(err(r).startswith("slotprof: /nonexistent/after.json"),
                        err(r))
        self.assertEqual(err(r).count("\n"), 1)
        r = run("diff", "--help")
        self.assertEqual((r.returncode, err(r)), (0, ""))
        self.assertTrue(out(r).startswith("usage: slotprof diff "))


class MergeFixtures(unittest.TestCase):
    """dm_merge_w1.json + dm_merge_w2.json: two workers of session
    20261122T080000-11 (see the expectations for the arithmetic)."""

    def merged(self, *names):
        r = run("merge", *[fixture(n) for n in names])
        self.assertEqual((r.returncode, err(r)), (0, ""))
        return json.loads(r.stdout)

    def test_top_level(self):
        m = self.merged("dm_merge_w1.json", "dm_merge_w2.json")
        top = {k: m[k] for k in (
            "python", "allocator", "pid", "min_instances", "profiler_bytes",
            "censuses", "census_seconds_total", "kind", "session",
            "snapshot", "written_at", "sampling", "censuses_aborted",
            "censuses_skipped", "census", "peak", "total_savings_bytes",
            "series")}
        self.assertEqual(top, {
            "python": "3.12.1", "allocator": "pymalloc", "pid": 0,
            "min_instances": 100,           # max(100, 60)
            "profiler_bytes": 1200,         # 500 + 700
            "censuses": 5, "census_seconds_total": 0.01,
            "kind": "merged", "session": "20261122T080000-11",
            "snapshot": 0, "written_at": None,
            "sampling": {"interval_seconds": 10.0, "signal": None,
                         "dormant": False, "max_pause_seconds": None},
            "censuses_aborted": 1, "censuses_skipped": 3,
            # interval + exit: no common trigger; the latest at_seconds;
            # durations, objects and RSS summed.
            "census": {"trigger": "merged", "at_seconds": 12.25,
                       "duration_seconds": 0.005, "objects_visited": 3500,
                       "rss_bytes": 3000000},
            "peak": None, "total_savings_bytes": 17120, "series": None})

    def test_classes(self):
        m = self.merged("dm_merge_w1.json", "dm_merge_w2.json")
        self.assertEqual(
            [(c["qualname"], c["line"], c["instances"], c["bytes_now"],
              c["bytes_slotted"], c["savings_bytes"], c["recommended"],
              c["verdict"]) for c in m["classes"]],
            [("Order", 12, 200, 30400, 13280, 17120, True, "blocked"),
             ("Item", 30, 50, 5600, 2400, 3200, False, "safe"),
             # Same module and qualname, another line: another class.
             ("Order", 99, 30, 3000, 1500, 1500, False, "safe"),
             # 70 >= w2's min_instances 60, but not the merged 100; and
             # its saving is negative anyway.
             ("Cart", 7, 70, 7000, 7100, -100, False, "review")])
        order = m["classes"][0]
        # Written before the run's maxima existed: each input's maximum
        # is its census, and merged maxima add up.
        self.assertEqual(order["attributes"], [
            {"name": "id", "instances": 200, "max_instances": 200,
             "in_code": False},
            {"name": "total", "instances": 200, "max_instances": 200,
             "in_code": False},
            {"name": "note", "instances": 3, "max_instances": 3,
             "in_code": False}])
        self.assertEqual((order["origin"], order["max_instances"]),
                         ("yours", 200))
        # w2 has more instances (120 > 80): its plan and slots.
        self.assertEqual(order["suggested_slots"], ["id", "total", "note"])
        self.assertEqual(order["plan"], [
            {"module": "shop", "qualname": "Order", "form": "slots",
             "names": ["id", "total", "note"], "moved_defaults": [],
             "init_defaults": [], "add_init": False, "init_args": False}])
        self.assertEqual(
            (order["dicts_materialized"], order["dicts_unshared"],
             order["keys_sharing_lost"], order["weakrefs"],
             order["non_str_keys"]), (1, 3, True, 2, 1))
        # The same warning in both inputs appears once.
        self.assertEqual(order["blockers"], [
            {"code": "non-str-key",
             "detail": "1 instance has a non-str key in its __dict__"}])
        self.assertEqual(order["warnings"], [
            {"code": "materialized-dict",
             "detail": "1 of 80 instances had their __dict__ read"}])
        self.assertEqual((order["bytes_per_instance_now"],
                          order["bytes_per_instance_slotted"]),
                         (152.0, 66.4))

    def test_slotted_classes(self):
        m = self.merged("dm_merge_w1.json", "dm_merge_w2.json")
        self.assertEqual(m["slotted_classes"], [
            {"module": "shop", "qualname": "Point", "instances": 15,
             "bytes": 720},
            {"module": "shop", "qualname": "Node", "instances": 1,
             "bytes": 64}])

    def test_allocations(self):
        a = self.merged("dm_merge_w1.json", "dm_merge_w2.json")["allocations"]
        self.assertEqual(
            {k: a[k] for k in ("counting", "frees_exact", "sample_every",
                               "native", "max_depth", "samples")},
            {"counting": "tp_alloc", "frees_exact": False,
             "sample_every": 1024, "native": False, "max_depth": 64,
             "samples": 7})
        self.assertEqual(a["classes"], [
            {"module": "shop", "qualname": "Order", "allocated": 260,
             "freed": 30, "live": 230, "peak_live": 245, "samples": 5},
            {"module": "shop", "qualname": "Cart", "allocated": 70,
             "freed": 0, "live": 70, "peak_live": 70, "samples": 1},
            {"module": "shop", "qualname": "Item", "allocated": 50,
             "freed": 0, "live": 50, "peak_live": 50, "samples": 1}])
        # w1's table first; w2's worker and malloc added; w2's main and
        # make_order are w1's.
        self.assertEqual(a["frames"], [
            {"function": "main", "file": "/app/shop.py", "line": 100,
             "native": False},
            {"function": "make_order", "file": "/app/shop.py", "line": 40,
             "native": False},
            {"function": "make_item", "file": "/app/shop.py", "line": 50,
             "native": False},
            {"function": "worker", "file": "/app/w.py", "line": None,
             "native": False},
            {"function": "malloc", "file": "/lib/libc.so.6", "line": None,
             "native": True}])
        # w1 [0, 1] and w2 [1, 0] are one stack, main -> make_order.
        self.assertEqual(a["sites"], [
            {"module": "shop", "qualname": "Order", "frames": [0, 1],
             "samples": 5, "allocations": 230, "instances": 200,
             "savable_bytes": 17120},
            {"module": "shop", "qualname": "Order", "frames": [],
             "samples": 0, "allocations": 30, "instances": 30,
             "savable_bytes": 1500},
            {"module": "shop", "qualname": "Cart", "frames": [3, 4],
             "samples": 1, "allocations": 70, "instances": 70,
             "savable_bytes": -100},
            {"module": "shop", "qualname": "Item", "frames": [0, 2],
             "samples": 1, "allocations": 50, "instances": 50,
             "savable_bytes": 3200}])

    def test_order_of_inputs(self):
        """w2 first: its session options and frame table come first; the
        sums do not change."""
        m = self.merged("dm_merge_w2.json", "dm_merge_w1.json")
        self.assertEqual([f["function"] for f in
                          m["allocations"]["frames"]],
                         ["make_order", "main", "worker", "malloc",
                          "make_item"])
        self.assertEqual(m["allocations"]["sites"][0]["frames"], [1, 0])
        self.assertEqual(m["allocations"]["max_depth"], 64)
        self.assertEqual(m["total_savings_bytes"], 17120)
        # Attributes in first-seen order: w2's.
        self.assertEqual([a["name"] for a in m["classes"][0]["attributes"]],
                         ["total", "id", "note"])

    def test_single_input(self):
        m = self.merged("dm_merge_w1.json")
        with open(fixture("dm_merge_w1.json")) as f:
            w1 = json.load(f)
        for k in ("classes", "slotted_classes", "allocations",
                  "total_savings_bytes", "censuses", "census_seconds_total",
                  "profiler_bytes", "session", "min_instances"):
            self.assertEqual(without_new_keys(m[k]), w1[k], k)
        self.assertEqual((m["pid"], m["kind"], m["snapshot"]),
                         (0, "merged", 0))
        self.assertEqual(m["census"], dict(w1["census"]))

    def test_session_differs(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        with open(fixture("dm_merge_w2.json")) as f:
            w2 = json.load(f)
        w2["session"] = "20261122T090000-99"
        w2["allocator"] = "malloc"
        path = os.path.join(tmp, "w2.json")
        with open(path, "w") as f:
            json.dump(w2, f)
        r = run("merge", fixture("dm_merge_w1.json"), path)
        self.assertEqual((r.returncode, err(r)), (0, ""))
        m = json.loads(r.stdout)
        self.assertIsNone(m["session"])
        # Not all pymalloc: the first other allocator, so the text
        # report still warns.
        self.assertEqual(m["allocator"], "malloc")

    def test_renders_and_round_trips(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        path = os.path.join(tmp, "m.json")
        r = run("merge", fixture("dm_merge_w1.json"),
                fixture("dm_merge_w2.json"), "-o", path)
        self.assertEqual((r.returncode, r.stdout, err(r)), (0, b"", ""))
        with open(path, "rb") as f:
            written = f.read()
        self.assertEqual(written, run("merge", fixture("dm_merge_w1.json"),
                                      fixture("dm_merge_w2.json")).stdout)
        again = run("report", path, "--format", "json")
        self.assertEqual((again.returncode, again.stdout), (0, written))
        text = run("report", path)
        self.assertEqual(text.returncode, 0)
        self.assertTrue(out(text).startswith(
            "slotprof report -- CPython 3.12.1, pid 0\n"), out(text))

    def test_python_mismatch(self):
        w1, py311 = fixture("dm_merge_w1.json"), fixture("dm_merge_py311.json")
        r = run("merge", w1, py311)
        self.assertEqual((r.returncode, r.stdout), (2, b""))
        self.assertEqual(err(r), "slotprof: %s is a report of CPython 3.11.2, "
                         "%s of CPython 3.12.1: merge reports of one "
                         "interpreter version\n" % (py311, w1))

    def test_usage(self):
        r = run("merge")
        self.assertEqual((r.returncode, r.stdout, err(r)), (
            2, b"", "slotprof: merge needs at least one report\n"
            "usage: slotprof merge FILE.json... [-o OUT]\n"
            "Try 'slotprof merge --help'.\n"))
        r = run("merge", fixture("dm_merge_w1.json"), "-o")
        self.assertEqual((r.returncode, r.stdout), (2, b""))
        self.assertTrue(err(r).startswith("slotprof: -o needs a path\n"))
        r = run("merge", "/nonexistent.json")
        self.assertEqual((r.returncode, r.stdout), (2, b""))
        self.assertTrue(err(r).startswith("slotprof: /nonexistent.json"))
        r = run("merge", "--help")
        self.assertEqual((r.returncode, err(r)), (0, ""))
        self.assertTrue(out(r).startswith("usage: slotprof merge "))


class RealBeforeAfter(unittest.TestCase):
    """diff_before.py and diff_after.py (the same with the __slots__ the
    report recommends) under the library: the class goes from dict to
    slots and its bytes drop by exactly the predicted saving."""

    def profile(self, python, version, program, out):
        lib = os.path.join(ROOT, "build", "cpython-" + version,
                           "libslotprof.so")
        if not os.access(python, os.X_OK) or not os.path.exists(lib):
            self.skipTest("needs %s and %s" % (python, lib))
        env = {k: v for k, v in os.environ.items()
               if k not in ("LD_PRELOAD", "SLOTPROF_OPTIONS")}
        env.update(LD_PRELOAD=lib,
                   SLOTPROF_OPTIONS="output=%s,text=none" % out)
        subprocess.run([python, os.path.join(PROGRAMS, program)], env=env,
                       check=True, timeout=120)
        with open(out) as f:
            return json.load(f)

    def check(self, python, version):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        before_path = os.path.join(tmp, "before.json")
        after_path = os.path.join(tmp, "after.json")
        before = self.profile(python, version, "diff_before.py", before_path)
        after = self.profile(python, version, "diff_after.py", after_path)
        [point] = [c for c in before["classes"]
                   if (c["module"], c["qualname"]) == ("__main__", "Point")]
        # diff_after.py applies exactly what the report recommends.
        self.assertEqual(point["suggested_slots"], ["x", "y", "z"])
        self.assertEqual(point["plan"], [
            {"module": "__main__", "qualname": "Point", "form": "slots",
             "names": ["x", "y", "z"], "moved_defaults": [],
             "init_defaults": [], "add_init": False, "init_args": False}])
        self.assertEqual((point["instances"], point["recommended"]),
                         (2000, True))
        if "slotted_classes" not in after:
            self.skipTest("the library in build/cpython-%s does not write "
                          "slotted_classes yet (rebuild it)" % version)

        r = run("diff", before_path, after_path, "--format", "json")
        self.assertEqual((r.returncode, err(r)), (0, ""))
        d = json.loads(r.stdout)
        [row] = [c for c in d["classes"]
                 if (c["module"], c["qualname"]) == ("__main__", "Point")]
        self.assertEqual(row, {
            "module": "__main__", "qualname": "Point",
            "layout_before": "dict", "layout_after": "slots",
            "instances_before": 2000, "instances_after": 2000,
            "bytes_before": point["bytes_now"],
            "bytes_after": point["bytes_slotted"],
            "change_bytes": -point["savings_bytes"],
            "bytes_per_instance_before": point["bytes_per_instance_now"],
            "bytes_per_instance_after": point["bytes_per_instance_slotted"],
            "predicted_savings_bytes": point["savings_bytes"],
            "predicted_change_bytes": -point["savings_bytes"]})
        self.assertGreater(point["savings_bytes"], 0)
        self.assertEqual(d["totals"]["predicted_change_bytes"],
                         -point["savings_bytes"])
        # The other rows are the interpreter's own classes.
        self.assertEqual(d["totals"]["change_bytes"],
                         sum(c["change_bytes"] for c in d["classes"]))

        text = out(run("diff", before_path, after_path))
        saving = "{:,}".format(point["savings_bytes"])
        self.assertIn("predicted by before for the 1 class now slotted: -%s B"
                      % saving, text)
        [line] = [ln for ln in text.splitlines()
                  if ln.startswith("__main__.Point ")]
        self.assertEqual(line.split()[-8:], [
            "{:,}".format(point["bytes_now"]), "dict",
            "{:,}".format(point["bytes_slotted"]), "slots",
            "%.1f" % point["bytes_per_instance_now"],
            "%.1f" % point["bytes_per_instance_slotted"],
            "-" + saving, "-" + saving])

        # Two processes' reports merged: everything doubles.
        r = run("merge", before_path, before_path)
        self.assertEqual((r.returncode, err(r)), (0, ""))
        m = json.loads(r.stdout)
        [mp] = [c for c in m["classes"]
                if (c["module"], c["qualname"]) == ("__main__", "Point")]
        self.assertEqual((mp["instances"], mp["bytes_now"],
                          mp["savings_bytes"], mp["suggested_slots"]),
                         (4000, 2 * point["bytes_now"],
                          2 * point["savings_bytes"], ["x", "y", "z"]))

    def test_312(self):
        self.check(*INTERPRETERS[0])

    def test_311_debian(self):
        self.check(*INTERPRETERS[1])


class RealMerge(unittest.TestCase):
    """Two runs of examples/shop.py with stacks sampled often: the merged
    report holds every stack of both, weighted by both, and per class
    the sites still add up to the counters."""

    def test_shop_twice(self):
        python, version = INTERPRETERS[0]
        lib = os.path.join(ROOT, "build", "cpython-" + version,
                           "libslotprof.so")
        if not os.access(python, os.X_OK) or not os.path.exists(lib):
            self.skipTest("needs %s and %s" % (python, lib))
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        reports = []
        for i in range(2):
            path = os.path.join(tmp, "w%d.json" % i)
            env = {k: v for k, v in os.environ.items()
                   if k not in ("LD_PRELOAD", "SLOTPROF_OPTIONS")}
            env.update(LD_PRELOAD=lib, SLOTPROF_OPTIONS="output=%s,text=none,"
                       "sample_every=7" % path)
            subprocess.run([python, os.path.join(ROOT, "examples", "shop.py")],
                           env=env, check=True, timeout=120,
                           stdout=subprocess.DEVNULL)
            with open(path) as f:
                reports.append(json.load(f))
            reports[-1]["path"] = path
        if not reports[0].get("allocations"):
            self.skipTest("the library in build/cpython-%s does not write "
                          "allocations yet (rebuild it)" % version)
        r = run("merge", reports[0]["path"], reports[1]["path"])
        self.assertEqual((r.returncode, err(r)), (0, ""))
        m = json.loads(r.stdout)

        def stacks(rep):
            frames = rep["allocations"]["frames"]
            got = {}
            for s in rep["allocations"]["sites"]:
                key = (s["module"], s["qualname"],
                       tuple(json.dumps(frames[i], sort_keys=True)
                             for i in s["frames"]))
                old = got.get(key, (0, 0, 0, 0))
                got[key] = tuple(a + b for a, b in zip(old, (
                    s["samples"], s["allocations"], s["instances"],
                    s["savable_bytes"])))
            return got

        both = stacks(reports[0])
        for key, v in stacks(reports[1]).items():
            both[key] = tuple(a + b for a, b in
                              zip(both.get(key, (0, 0, 0, 0)), v))
        self.assertEqual(stacks(m), both)
        self.assertGreater(len(m["allocations"]["frames"]), 0)
        # No frame twice in the merged table.
        self.assertEqual(len({json.dumps(f, sort_keys=True)
                              for f in m["allocations"]["frames"]}),
                         len(m["allocations"]["frames"]))
        per_class = {}
        for s in m["allocations"]["sites"]:
            k = (s["module"], s["qualname"])
            per_class[k] = per_class.get(k, 0) + s["allocations"]
        for c in m["allocations"]["classes"]:
            self.assertEqual(per_class.get((c["module"], c["qualname"]), 0),
                             c["allocated"], c)
        self.assertEqual(sum(c["instances"] for c in m["classes"]),
                         sum(c["instances"] for rep in reports
                             for c in rep["classes"]))
        self.assertEqual(m["total_savings_bytes"],
                         sum(c["savings_bytes"] for c in m["classes"]
                             if c["recommended"]))


class ManPage(unittest.TestCase):
    def test_renders_without_warnings(self):
        if shutil.which("man") is None:
            self.skipTest("man is not installed (apt-get install man-db)")
        env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
        r = subprocess.run(["man", "--warnings", "-l", MANPAGE],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, timeout=60)
        self.assertEqual((r.returncode, r.stderr.decode()), (0, ""))
        text = r.stdout.decode()
        for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS",
                        "OPTIONS", "EXIT STATUS", "ENVIRONMENT", "FILES",
                        "EXAMPLES", "SEE ALSO"):
            self.assertIn("\n" + section + "\n", text, section)
        self.assertEqual([ln for ln in text.splitlines() if len(ln) > 80],
                         [])
        for word in ("SLOTPROF_OPTIONS", "SLOTPROF_LIB_DIR", "LD_PRELOAD",
                     "--fail-if-worse", "--weight", "savable_bytes",
                     "folded", "pprof", "html", "merged"):
            self.assertIn(word, text)

    def test_every_subcommand_option_is_documented(self):
        """Each option a subcommand's --help names is in the man page."""
        with open(MANPAGE) as f:
            page = f.read().replace("\\-", "-")
        for cmd in ("run", "report", "diff", "merge"):
            helptext = out(run(cmd, "--help"))
            opts = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", helptext))
            self.assertTrue(opts, cmd)
            for opt in sorted(opts):
                self.assertTrue(opt in page, "%s %s is not in %s"
                                % (cmd, opt, MANPAGE))


if __name__ == "__main__":
    unittest.main()
