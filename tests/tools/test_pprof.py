"""slotprof report --format pprof, read back by `go tool pprof`.

The fixture is a hand-written report (docs/report-format.md) whose
allocation sites have known values: three classes, frames shared between
classes and between sites, a native frame with a C++ symbol, a class whose
saving is negative, and [unsampled] remainders.  Every number below
follows from the sites by hand; the test asserts pprof's own view of the
profile (-top, -traces, -raw, -tags), so a wrong stack order, a lost
sample type or a mangled name fails it.

go tool pprof runs offline with HOME, GOCACHE and GOPATH in a temporary
directory (Debian's golang-go ships pprof prebuilt: ~0.1 s a run).

Run: make check-tools, or
  /usr/bin/python3 -m unittest discover -s tests/tools -p test_pprof.py -v
SLOTPROF_BIN=/path/to/slotprof overrides the binary under test.
"""

import copy
import gzip
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from helpers import ROOT, SLOTPROF     # build/tools/slotprof or SLOTPROF_BIN


def _class(module, qualname, file, line, instances, now, slotted):
    return {
        "module": module, "qualname": qualname, "file": file, "line": line,
        "instances": instances, "bytes_now": now, "bytes_slotted": slotted,
        "savings_bytes": now - slotted,
        "bytes_per_instance_now": round(now / instances, 1),
        "bytes_per_instance_slotted": round(slotted / instances, 1),
        "recommended": now > slotted, "verdict": "safe",
        "suggested_slots": ["a"],
        "attributes": [{"name": "a", "instances": instances}],
        "dicts_materialized": 0, "dicts_unshared": 0,
        "keys_sharing_lost": False, "weakrefs": 0, "non_str_keys": 0,
        "plan": [{"module": module, "qualname": qualname, "form": "slots",
                  "names": ["a"]}],
        "blockers": [], "warnings": [],
    }


def _frame(function, file, line, native=False):
    return {"function": function, "file": file, "line": line,
            "native": native}


def _site(module, qualname, frames, samples, allocations, instances,
          savable):
    return {"module": module, "qualname": qualname, "frames": frames,
            "samples": samples, "allocations": allocations,
            "instances": instances, "savable_bytes": savable}


# Frames, root first in every site.
F_MODULE, F_MAIN, F_LOAD40, F_POINTS, F_LOAD44, F_CALL, F_CXX = range(7)

REPORT = {
    "format": "slotprof-report", "version": 1, "python": "3.12.1",
    "allocator": "pymalloc", "pid": 4242, "min_instances": 10,
    "profiler_bytes": 0, "censuses": 1, "census_seconds_total": 0.001,
    "kind": "exit", "session": None, "snapshot": 0,
    "written_at": "2026-11-22T06:07:04.250Z",
    "sampling": {"interval_seconds": None, "signal": None,
                 "dormant": False, "max_pause_seconds": None},
    "censuses_aborted": 0, "censuses_skipped": 0,
    "census": {"trigger": "exit", "at_seconds": 1.0,
               "duration_seconds": 0.001, "objects_visited": 1000,
               "rss_bytes": 0},
    "peak": None,
    "total_savings_bytes": 118000,
    "classes": [
        _class("shop", "Order", "/app/shop.py", 12, 1000, 152000, 64000),
        _class("geo", "Point", None, None, 500, 56000, 26000),
        _class("shop", "Sparse", "/app/shop.py", 90, 50, 5000, 8000),
    ],
    "series": None,
    "allocations": {
        "counting": "tp_alloc", "frees_exact": True, "sample_every": 100,
        "native": True, "max_depth": 64, "samples": 18,
        "classes": [
            {"module": "shop", "qualname": "Order", "allocated": 1000,
             "freed": 0, "live": 1000, "peak_live": 1000, "samples": 9},
            {"module": "geo", "qualname": "Point", "allocated": 800,
             "freed": 300, "live": 500, "peak_live": 800, "samples": 8},
            {"module": "shop", "qualname": "Sparse", "allocated": 50,
             "freed": 10, "live": 40, "peak_live": 50, "samples": 1},
        ],
        "frames": [
            _frame("<module>", "/app/main.py", 30),
            _frame("main", "/app/main.py", 20),
            _frame("load_orders", "/app/shop.py", 40),
            _frame("make_points", "/app/geo.py", 8),
            _frame("load_orders", "/app/shop.py", 44),
            _frame("PyObject_Call", "/usr/lib/libpython3.12.so.1.0", None,
                   True),
            _frame("_ZN3geo4gridEv", "/usr/lib/libgrid.so", None, True),
        ],
        "sites": [
            _site("shop", "Order", [F_MODULE, F_MAIN, F_LOAD40],
                  6, 600, 600, 52800),
            _site("shop", "Order", [F_MODULE, F_MAIN, F_LOAD44],
                  3, 300, 300, 26400),
            _site("shop", "Order", [], 0, 100, 100, 8800),
            _site("geo", "Point", [F_MODULE, F_MAIN, F_POINTS],
                  5, 500, 300, 18000),
            _site("geo", "Point", [F_MODULE, F_CALL, F_CXX, F_POINTS],
                  3, 300, 200, 12000),
            _site("shop", "Sparse", [F_MODULE, F_MAIN, F_LOAD40],
                  1, 50, 40, -2400),
            _site("shop", "Sparse", [], 0, 0, 10, -600),
        ],
    },
    "slotted_classes": [],
}

# What pprof must show, worked out by hand from the sites above.
# Function granularity merges load_orders at lines 40 and 44.
# name: (flat, cum) per sample type.
TOP = {
    "savable_bytes": {
        "load_orders": (76800, 76800),      # 52800 + 26400 - 2400
        "make_points": (30000, 30000),      # 18000 + 12000
        "[unsampled]": (8200, 8200),        # 8800 - 600
        "<module>": (0, 106800),            # every sampled stack
        "main": (0, 94800),                 # 52800 + 26400 + 18000 - 2400
        "PyObject_Call": (0, 12000),
        "geo::grid": (0, 12000),            # demangled by pprof
        "shop.Order": (0, 88000),           # the class's savings_bytes
        "geo.Point": (0, 30000),
        "shop.Sparse": (0, -3000),
    },
    "instances": {
        "load_orders": (940, 940),          # 600 + 300 + 40
        "make_points": (500, 500),
        "[unsampled]": (110, 110),
        "<module>": (0, 1440),
        "main": (0, 1240),
        "PyObject_Call": (0, 200),
        "geo::grid": (0, 200),
        "shop.Order": (0, 1000),
        "geo.Point": (0, 500),
        "shop.Sparse": (0, 50),
    },
    "allocations": {
        "load_orders": (950, 950),
        "make_points": (800, 800),
        "[unsampled]": (100, 100),
        "<module>": (0, 1750),
        "main": (0, 1450),
        "PyObject_Call": (0, 300),
        "geo::grid": (0, 300),
        "shop.Order": (0, 1000),
        "geo.Point": (0, 800),
        "shop.Sparse": (0, 50),
    },
}
# pprof's "total" is the sum of absolute values (|-2400| + |-600|).
SHOWING = {
    "savable_bytes": "Showing nodes accounting for 115000B, 95.04% of "
                     "121000B total",
    "instances": "Showing nodes accounting for 1550, 100% of 1550 total",
    "allocations": "Showing nodes accounting for 1850, 100% of 1850 total",
}


class PprofTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.go = shutil.which("go")
        if cls.go is None:
            raise AssertionError("go not found: install golang-go "
                                 "(tools/install-deps.sh)")
        if not os.access(SLOTPROF, os.X_OK):
            raise AssertionError(f"{SLOTPROF} missing: run make tools")
        cls.tmp = tempfile.mkdtemp(prefix="slotprof-pprof-")
        home = os.path.join(cls.tmp, "home")
        os.mkdir(home)
        cls.env = dict(os.environ, HOME=home,
                       GOCACHE=os.path.join(home, "cache"),
                       GOPATH=os.path.join(home, "go"),
                       GOTOOLCHAIN="local", GOPROXY="off",
                       GOFLAGS="", PPROF_TMPDIR=home, TZ="UTC",
                       LC_ALL="C")
        cls.profile = cls.render(REPORT, "report")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def render(cls, report, name):
        src = os.path.join(cls.tmp, name + ".json")
        out = os.path.join(cls.tmp, name + ".pb.gz")
        with open(src, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
        p = subprocess.run([SLOTPROF, "report", src, "--format", "pprof",
                            "-o", out], capture_output=True, timeout=60)
        if p.returncode != 0 or p.stderr:
            raise AssertionError(f"slotprof report {name}: exit "
                                 f"{p.returncode}: {p.stderr!r}")
        return out

    def pprof(self, *args, ok=True, stderr=""):
        p = subprocess.run([self.go, "tool", "pprof", *args],
                           capture_output=True, text=True, env=self.env,
                           timeout=60)
        if ok:
            self.assertEqual(p.returncode, 0, p.stderr)
            # no complaint at all: not "Main binary filename not
            # available.", not a symbolization failure
            self.assertEqual(p.stderr, stderr)
        return p

    def top(self, path, sample_index, *extra):
        unit = "byte" if sample_index == "savable_bytes" else "count"
        out = self.pprof("-top", "-nodecount=1000", "-nodefraction=0",
                         "-sample_index=" + sample_index, "-unit=" + unit,
                         *extra, path).stdout
        lines = out.splitlines()
        head = lines.index("      flat  flat%   sum%        cum   cum%")
        rows = {}
        for line in lines[head + 1:]:
            flat, _, _, cum, _, name = line.split(None, 5)
            self.assertNotIn(name, rows, out)
            rows[name] = (self.number(flat), self.number(cum))
        return lines[head - 1], rows

    @staticmethod
    def number(s):
        return int(s[:-1]) if s.endswith("B") else int(s)

    # ------------------------------------------------------------ tests

    def test_gzip_of_a_profile(self):
        with open(self.profile, "rb") as f:
            data = f.read()
        self.assertEqual(data[:2], b"\x1f\x8b")
        raw = gzip.decompress(data)
        # field 1 (sample_type), length-delimited: the first message
        self.assertEqual(raw[0], 0x0a)
        # the string table holds the sample types
        for s in (b"savable_bytes", b"instances", b"allocations"):
            self.assertIn(s, raw)

    def test_top_exact_for_each_sample_type(self):
        for index, want in TOP.items():
            with self.subTest(sample_index=index):
                showing, rows = self.top(self.profile, index)
                self.assertEqual(showing, SHOWING[index])
                self.assertEqual(rows, want)

    def test_default_sample_type_is_savable_bytes(self):
        out = self.pprof("-top", "-unit=byte", self.profile).stdout
        self.assertIn("\nType: savable_bytes\n", out)
        self.assertIn(SHOWING["savable_bytes"], out)

    def test_raw_header_samples_and_labels(self):
        out = self.pprof("-raw", self.profile).stdout
        self.assertTrue(out.startswith(
            "Comment: slotprof report: CPython 3.12.1, pid 4242\n"), out)
        self.assertIn("\nTime: 2026-11-22 06:07:04.25 +0000 UTC\n", out)
        samples = out.split("Samples:\n", 1)[1].split("Locations\n", 1)[0]
        lines = samples.splitlines()
        self.assertEqual(lines[0], "savable_bytes/bytes[dflt] "
                         "instances/count allocations/count")
        got = []
        for value_line, label_line in zip(lines[1::2], lines[2::2]):
            values = value_line.split(":", 1)[0].split()
            got.append(([int(v) for v in values], label_line.strip()))
        self.assertEqual(got, [
            ([52800, 600, 600], "class:[shop.Order]"),
            ([26400, 300, 300], "class:[shop.Order]"),
            ([8800, 100, 100], "class:[shop.Order]"),
            ([18000, 300, 500], "class:[geo.Point]"),
            ([12000, 200, 300], "class:[geo.Point]"),
            ([-2400, 40, 50], "class:[shop.Sparse]"),
            ([-600, 10, 0], "class:[shop.Sparse]"),
        ])
        # one mapping, marked symbolized, so pprof looks nothing up
        self.assertTrue(out.endswith("Mappings\n1: 0x0/0x0/0x0   "
                                     "[FN][FL][LN]\n"), out)

    def test_traces_leaf_first_class_at_the_root(self):
        out = self.pprof("-traces", "-unit=byte", self.profile).stdout
        traces = []
        for block in out.split("-----------+" + "-" * 55)[1:]:
            lines = [l for l in block.splitlines() if l.strip()]
            if not lines:
                continue            # after the closing separator
            label = lines[0].split(":", 1)[1].strip()
            value, leaf = lines[1].split(None, 1)
            stack = [leaf.strip()] + [l.strip() for l in lines[2:]]
            traces.append((label, self.number(value), stack))
        self.assertEqual(traces, [
            ("shop.Order", 52800,
             ["load_orders", "main", "<module>", "shop.Order"]),
            ("shop.Order", 26400,
             ["load_orders", "main", "<module>", "shop.Order"]),
            ("shop.Order", 8800, ["[unsampled]", "shop.Order"]),
            ("geo.Point", 18000,
             ["make_points", "main", "<module>", "geo.Point"]),
            ("geo.Point", 12000,
             ["make_points", "geo::grid", "PyObject_Call", "<module>",
              "geo.Point"]),
            ("shop.Sparse", -2400,
             ["load_orders", "main", "<module>", "shop.Sparse"]),
            ("shop.Sparse", -600, ["[unsampled]", "shop.Sparse"]),
        ])

    def test_lines_keep_each_frame_and_class_location(self):
        _, rows = self.top(self.profile, "savable_bytes", "-lines")
        self.assertEqual(rows, {
            "load_orders /app/shop.py:40": (50400, 50400),
            "load_orders /app/shop.py:44": (26400, 26400),
            "make_points /app/geo.py:8": (30000, 30000),
            "[unsampled]": (8200, 8200),
            "<module> /app/main.py:30": (0, 106800),
            "main /app/main.py:20": (0, 94800),
            "PyObject_Call /usr/lib/libpython3.12.so.1.0": (0, 12000),
            "geo::grid /usr/lib/libgrid.so": (0, 12000),
            # the class statement's file and line from classes[]
            "shop.Order /app/shop.py:12": (0, 88000),
            "shop.Sparse /app/shop.py:90": (0, -3000),
            "geo.Point": (0, 30000),
        })

    def test_tags_per_class(self):
        out = self.pprof("-tags", "-sample_index=instances",
                         self.profile).stdout
        self.assertEqual(out.split(), "class: Total 1550.0 "
                         "1000.0 (64.52%): shop.Order "
                         "500.0 (32.26%): geo.Point "
                         "50.0 ( 3.23%): shop.Sparse".split())

    def test_pprof_reencodes_it(self):
        out = os.path.join(self.tmp, "reencoded.pb.gz")
        p = self.pprof("-proto", "-output=" + out, self.profile,
                       stderr=f"Generating report in {out}\n")
        self.assertEqual(p.stdout, "")
        with open(out, "rb") as f:
            self.assertEqual(f.read(2), b"\x1f\x8b")
        for index, want in TOP.items():
            with self.subTest(sample_index=index):
                self.assertEqual(self.top(out, index),
                                 (SHOWING[index], want))

    def test_same_bytes_every_time_and_on_stdout(self):
        with open(self.profile, "rb") as f:
            first = f.read()
        again = self.render(REPORT, "again")
        with open(again, "rb") as f:
            self.assertEqual(f.read(), first)
        src = os.path.join(self.tmp, "report.json")
        p = subprocess.run([SLOTPROF, "report", src, "--format", "pprof"],
                           capture_output=True, timeout=60)
        self.assertEqual((p.returncode, p.stderr), (0, b""))
        self.assertEqual(p.stdout, first)

    def test_without_allocations_one_sample_per_class(self):
        report = copy.deepcopy(REPORT)
        report["allocations"] = None
        path = self.render(report, "noallocs")
        showing, rows = self.top(path, "savable_bytes")
        self.assertEqual(showing, "Showing nodes accounting for 115000B, "
                         "95.04% of 121000B total")
        self.assertEqual(rows, {
            "[unsampled]": (115000, 115000),
            "shop.Order": (0, 88000),
            "geo.Point": (0, 30000),
            "shop.Sparse": (0, -3000),
        })
        _, rows = self.top(path, "instances")
        self.assertEqual(rows["[unsampled]"], (1550, 1550))
        raw = self.pprof("-raw", path).stdout
        self.assertIn("Comment: slotprof report: CPython 3.12.1, pid 4242; "
                      "allocations were not counted\n", raw)
        self.assertIn("\nsavable_bytes/bytes[dflt] instances/count\n", raw)
        # no allocation counts: pprof refuses the index instead of zeros
        p = self.pprof("-top", "-sample_index=allocations", path, ok=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("allocations", p.stderr)

    def test_no_sites_is_an_empty_profile(self):
        report = copy.deepcopy(REPORT)
        report["allocations"]["sites"] = []
        path = self.render(report, "nosites")
        out = self.pprof("-top", path).stdout
        self.assertIn("Showing nodes accounting for 0, 0% of 0 total", out)
        raw = self.pprof("-raw", path).stdout
        self.assertIn("savable_bytes/bytes[dflt] instances/count "
                      "allocations/count\n", raw)


class RealReportTest(unittest.TestCase):
    """A report written by the library itself, for Debian's python3.11
    running examples/shop.py: pprof's per-class sums are the report's."""

    PYTHON = "/usr/bin/python3.11"

    def setUp(self):
        self.lib = os.path.join(ROOT, "build", "cpython-3.11.2",
                                "libslotprof.so")
        if not os.path.exists(self.PYTHON) or not os.path.exists(self.lib):
            self.skipTest(f"needs {self.PYTHON} and {self.lib} "
                          f"(make PYTHON={self.PYTHON})")
        if shutil.which("go") is None:
            raise AssertionError("go not found: install golang-go")
        self.tmp = tempfile.mkdtemp(prefix="slotprof-pprof-real-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        home = os.path.join(self.tmp, "home")
        os.mkdir(home)
        self.env = dict(os.environ, HOME=home,
                        GOCACHE=os.path.join(home, "cache"),
                        GOPATH=os.path.join(home, "go"),
                        GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="",
                        PPROF_TMPDIR=home, TZ="UTC", LC_ALL="C")

    def test_class_sums_match_the_report(self):
        src = os.path.join(self.tmp, "shop.json")
        out = os.path.join(self.tmp, "shop.pb.gz")
        env = dict(os.environ, LD_PRELOAD=self.lib,
                   SLOTPROF_OPTIONS=f"output={src},text=none")
        subprocess.run([self.PYTHON, os.path.join(ROOT, "examples",
                                                  "shop.py")],
                       env=env, check=True, stdout=subprocess.DEVNULL,
                       timeout=120)
        with open(src, encoding="utf-8") as f:
            report = json.load(f)
        allocs = report["allocations"]
        self.assertIsNotNone(allocs, "the library wrote no allocations")
        self.assertGreater(len(allocs["sites"]), 1)
        p = subprocess.run([SLOTPROF, "report", src, "--format", "pprof",
                            "-o", out], capture_output=True, timeout=60)
        self.assertEqual((p.returncode, p.stderr), (0, b""))

        def name(o):
            return o["module"] + "." + o["qualname"]

        want = {}
        for c in report["classes"]:
            w = want.setdefault(name(c), [0, 0, 0])
            w[0] += c["savings_bytes"]
            w[1] += c["instances"]
        # classes with __slots__ already: live instances, no saving
        for c in report.get("slotted_classes", []):
            want.setdefault(name(c), [0, 0, 0])[1] += c["instances"]
        for c in allocs["classes"]:
            want.setdefault(name(c), [0, 0, 0])[2] += c["allocated"]
        # classes without sites (allocated, none live) have no sample
        want = {k: v for k, v in want.items()
                if any(name(s) == k for s in allocs["sites"])}

        p = subprocess.run([shutil.which("go"), "tool", "pprof", "-raw",
                            out], capture_output=True, text=True,
                           env=self.env, timeout=60)
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        samples = p.stdout.split("Samples:\n", 1)[1]
        samples = samples.split("Locations\n", 1)[0].splitlines()[1:]
        got = {}
        for value_line, label_line in zip(samples[::2], samples[1::2]):
            values = [int(v) for v in value_line.split(":")[0].split()]
            label = re.fullmatch(r"\s*class:\[(.*)\]", label_line)
            g = got.setdefault(label.group(1), [0, 0, 0])
            for i in range(3):
                g[i] += values[i]
        self.maxDiff = None
        self.assertEqual(got, want)

        # every Python name as the report has it ("<module>", "<genexpr>");
        # pprof leaves out nodes whose values are all zero
        shown = set()
        for index in ("savable_bytes", "instances", "allocations"):
            p = subprocess.run([shutil.which("go"), "tool", "pprof", "-top",
                                "-nodecount=100000", "-nodefraction=0",
                                "-sample_index=" + index, out],
                               capture_output=True, text=True, env=self.env,
                               timeout=60)
            self.assertEqual((p.returncode, p.stderr), (0, ""))
            lines = p.stdout.splitlines()
            head = lines.index("      flat  flat%   sum%        cum   cum%")
            shown |= {l.split(None, 5)[5] for l in lines[head + 1:]}
        names = set()
        for s in allocs["sites"]:
            if s["savable_bytes"] or s["instances"] or s["allocations"]:
                names.add(name(s))
                names |= {allocs["frames"][f]["function"]
                          for f in s["frames"]}
                if not s["frames"]:
                    names.add("[unsampled]")
        self.assertIn("<module>", names)
        self.assertEqual(shown, names)

if __name__ == "__main__":
    unittest.main()
