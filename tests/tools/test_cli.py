"""The core of the `slotprof` command: `slotprof report`, the JSON loader
(tools/load*.c, on jansson), the folded renderer (tools/folded.c), the
dispatch and exit codes (tools/slotprof.c).

The fixtures under tests/tools/fixtures/ were written by the library
itself (regen.sh says how) or by hand.  The library's JSON writer is
deterministic, so loading a report it wrote and writing it again must give
the same bytes, and its text must be the text the same run printed.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from helpers import ROOT, fixture, run

# Written by the library (regen.sh), in the current format.
LIBRARY_REPORTS = ["sampling.json", "shop-3.13.json", "grow-3.8.json"]
# Canonical: what `report --format json` gives for them.
CANONICAL = LIBRARY_REPORTS + ["handmade.json"]

PYENV_ROOT = os.environ.get("PYENV_ROOT",
                            os.path.expanduser("~/.pyenv"))

ONE_LINE = re.compile(rb"\Aslotprof: [^\n]*\n\Z")


def read(name):
    with open(fixture(name), "rb") as f:
        return f.read()


def with_new_keys(text):
    """A report written before keys added within version 1 existed, as
    the current writer renders it: each missing key with its documented
    default, where the writer puts it, and nothing else changed.  The
    keys: "slotted_classes", "allocations"; per class "origin",
    "max_instances" (its instances), "max_instances_at_seconds" (its
    census); per attribute "max_instances" (its instances), "in_code";
    per plan step "moved_defaults", "init_defaults", "add_init",
    "init_args"."""
    if b'\n  "slotted_classes": ' not in text:
        i = text.index(b'\n  "series": ')
        text = text[:i + 1] + b'  "slotted_classes": [],\n' + text[i + 1:]
    if b'\n  "allocations": ' not in text:
        assert text.endswith(b"\n}\n")
        text = text[:-3] + b',\n  "allocations": null\n}\n'
    at = re.search(rb'"census": \{\n    "trigger": [^\n]*\n'
                   rb'    "at_seconds": ([^,\n]*)', text).group(1)
    text = re.sub(rb'(\{"name": "(?:[^"\\]|\\.)*", "instances": (\d+))\}',
                  lambda m: m.group(1) + b', "max_instances": '
                  + m.group(2) + b', "in_code": false}', text)
    text = re.sub(rb'("names": \[[^\]]*\])\}',
                  rb'\1, "moved_defaults": [], "init_defaults": [], '
                  rb'"add_init": false, "init_args": false}', text)

    def class_end(m):
        inst = re.findall(rb'\n      "instances": (\d+),', m.group(0))[0]
        return (m.group(1) + b',\n      "origin": "yours",\n'
                b'      "max_instances": ' + inst + b',\n'
                b'      "max_instances_at_seconds": ' + at + b'\n    }')
    text = re.sub(rb'(?s)(\n    \{\n      "module": .*?'
                  rb'\n      "warnings": (?:\[\]|\[\n.*?\n      \]))\n    \}',
                  class_end, text)
    return text


def report_json(data):
    """Render a report given as bytes (stdin) back to JSON."""
    p = run("report", "-", "--format", "json", stdin=data)
    return p


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="slotprof-cli-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return path

    def ok(self, p):
        self.assertEqual(p.stderr, b"")
        self.assertEqual(p.returncode, 0)
        return p.stdout

    def fails(self, p, line):
        """Exit 2, nothing on stdout, exactly one line `slotprof: LINE`."""
        self.assertEqual(p.stdout, b"")
        self.assertRegex(p.stderr, ONE_LINE)
        self.assertEqual(p.stderr.decode(), "slotprof: %s\n" % line)
        self.assertEqual(p.returncode, 2)


class RoundTrip(Base):
    def test_library_reports_round_trip_byte_for_byte(self):
        for name in CANONICAL:
            with self.subTest(name):
                out = self.ok(run("report", fixture(name), "--format",
                                  "json"))
                self.assertEqual(out, read(name))

    def test_fixtures_cover_the_new_sections(self):
        # Otherwise the round trip above would prove less than it says.
        s = json.loads(read("sampling.json"))
        self.assertIsNotNone(s["series"])
        self.assertGreater(len(s["series"]["at_seconds"]), 2)
        self.assertTrue(s["allocations"]["sites"])
        self.assertTrue(any(x["frames"] for x in s["allocations"]["sites"]))
        self.assertTrue(any(not x["frames"]
                            for x in s["allocations"]["sites"]))
        self.assertTrue(s["slotted_classes"])
        self.assertEqual(s["sampling"]["interval_seconds"], 0.05)
        self.assertEqual(json.loads(read("shop-3.13.json"))
                         ["allocations"]["counting"], "reftracer")
        h = json.loads(read("handmade.json"))
        self.assertTrue(any(f["native"] for f in h["allocations"]["frames"]))
        self.assertEqual(len(h["slotted_classes"]), 2)

    def test_old_report_gains_only_the_new_keys(self):
        old = read("old-format.json")
        self.assertNotIn(b'"allocations"', old)
        self.assertNotIn(b'"slotted_classes"', old)
        out = self.ok(run("report", fixture("old-format.json"), "--format",
                          "json"))
        self.assertEqual(out, with_new_keys(old))

    def test_first_version_1_keys_only(self):
        # Every key "added within version 1" missing: documented defaults;
        # derived keys missing: recomputed; an unknown key: ignored.
        out = self.ok(run("report", fixture("minimal-v1.json"), "--format",
                          "json"))
        self.assertEqual(out, read("minimal-v1.expected.json"))
        doc = json.loads(out)
        self.assertIsNone(doc["allocator"])
        self.assertEqual(doc["kind"], "exit")
        self.assertIsNone(doc["session"])
        self.assertEqual(doc["snapshot"], 0)
        self.assertIsNone(doc["written_at"])
        self.assertEqual(doc["sampling"], {
            "interval_seconds": None, "signal": None, "dormant": False,
            "max_pause_seconds": None})
        self.assertEqual(doc["censuses_aborted"], 0)
        self.assertEqual(doc["censuses_skipped"], 0)
        self.assertEqual(doc["census"]["rss_bytes"], 0)
        self.assertIsNone(doc["peak"])
        self.assertIsNone(doc["series"])
        self.assertIsNone(doc["allocations"])
        self.assertEqual(doc["slotted_classes"], [])
        self.assertEqual(doc["total_savings_bytes"], 19200)
        self.assertEqual(doc["classes"][0]["bytes_per_instance_now"], 112.0)
        self.assertNotIn("a_future_key", doc)

    def test_layout_and_key_order_do_not_matter(self):
        # Compact, ASCII-escaped, every object's keys reversed: the same
        # report, so the same canonical bytes.
        def reverse(o):
            if isinstance(o, dict):
                return {k: reverse(o[k]) for k in reversed(list(o))}
            if isinstance(o, list):
                return [reverse(x) for x in o]
            return o
        for name in CANONICAL:
            with self.subTest(name):
                doc = reverse(json.loads(read(name)))
                data = json.dumps(doc, ensure_ascii=True,
                                  separators=(",", ":")).encode()
                self.assertEqual(self.ok(report_json(data)), read(name))

    def test_string_escapes(self):
        canon = read("handmade.json")
        self.assertIn("Café".encode(), canon)
        data = canon.replace("Café".encode(), b"Caf\\u00e9").replace(
            b'"/app/geo.py"', b'"\\/app\\/geo.py"')
        self.assertNotEqual(data, canon)
        self.assertEqual(self.ok(report_json(data)), canon)
        # A character outside the BMP as a surrogate pair.
        data = canon.replace("Café".encode(), b"Caf\\ud83d\\ude00")
        self.assertEqual(self.ok(report_json(data)),
                         canon.replace("Café".encode(), "Caf\U0001F600".encode()))

    def test_integer_limits_are_exact(self):
        # jansson holds integers as long long: unsigned fields read up to
        # 2^63-1 (no count or size the library writes comes near).
        doc = json.loads(read("minimal-v1.expected.json"))
        doc["profiler_bytes"] = 2**63 - 1
        doc["classes"][0]["savings_bytes"] = -2**63
        doc["classes"][0]["recommended"] = False
        out = self.ok(report_json(json.dumps(doc).encode()))
        self.assertIn(b'"profiler_bytes": 9223372036854775807,\n', out)
        self.assertIn(b'"savings_bytes": -9223372036854775808,\n', out)

    def test_stdin_and_output_file(self):
        out = os.path.join(self.tmp, "again.json")
        p = run("report", "-", "--format=json", "-o", out,
                stdin=read("handmade.json"))
        self.assertEqual(self.ok(p), b"")
        with open(out, "rb") as f:
            self.assertEqual(f.read(), read("handmade.json"))
        self.assertEqual(os.listdir(self.tmp), ["again.json"])


class Text(Base):
    def test_text_is_the_librarys_text_for_the_same_run(self):
        for name, txt, args in [
                ("sampling.json", "sampling.txt", []),
                ("shop-3.13.json", "shop-3.13.txt", []),
                ("old-format.json", "old-format.txt", []),
                ("grow-3.8.json", "grow-3.8-top0.txt", ["--top", "0"])]:
            with self.subTest(name):
                out = self.ok(run("report", fixture(name), *args))
                self.assertEqual(out, read(txt))
                # --format text is the default.
                out = self.ok(run("report", fixture(name), "--format",
                                  "text", *args))
                self.assertEqual(out, read(txt))

    def test_sampling_text_shows_the_series(self):
        n = len(json.loads(read("sampling.json"))["series"]["at_seconds"])
        out = self.ok(run("report", fixture("sampling.json")))
        self.assertIn(b"\ngrowth over %d censuses (instances at seconds "
                      b"after start;" % n, out)

    def test_live_run_of_the_library(self):
        # The same comparisons on a report written now, by the library
        # built from this tree (skipped when none is built).
        for lib in sorted(glob.glob(os.path.join(
                ROOT, "build", "cpython-3.*", "libslotprof.so"))):
            ver = os.path.basename(os.path.dirname(lib))[len("cpython-"):]
            py = os.path.join(PYENV_ROOT, "versions", ver, "bin", "python3")
            if re.fullmatch(r"[0-9.]+", ver) and os.access(py, os.X_OK):
                break
        else:
            self.skipTest("no library built under build/cpython-X.Y.Z/")
        js = os.path.join(self.tmp, "r.json")
        txt = os.path.join(self.tmp, "r.txt")
        env = dict(os.environ, LD_PRELOAD=lib, SLOTPROF_OPTIONS=(
            "interval=50ms,output=%s,text=%s" % (js, txt)))
        p = subprocess.run([py, fixture("grow.py")], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
        self.assertEqual((p.returncode, p.stderr), (0, b""))
        with open(js, "rb") as f:
            data = f.read()
        with open(txt, "rb") as f:
            text = f.read()
        self.assertIn(b'\n  "series": {\n', data)
        self.assertEqual(self.ok(run("report", js)), text)
        self.assertEqual(self.ok(run("report", js, "--format", "json")),
                         data)

    def test_doc_example(self):
        # docs/report-format.md: "The same report as the JSON above".
        with open(os.path.join(ROOT, "docs", "report-format.md")) as f:
            doc = f.read()
        js = re.search(r"```json\n(\{.*?\n\})\n```", doc, re.S).group(1)
        text = re.search(r"## Text\n\nThe same report as the JSON above:\n\n"
                         r"```\n(.*?)```", doc, re.S).group(1)
        data = (js + "\n").encode()
        self.assertEqual(self.ok(run("report", "-", stdin=data)),
                         text.encode())
        self.assertEqual(self.ok(report_json(data)), with_new_keys(data))

    def test_top(self):
        doc = json.loads(read("shop-3.13.json"))
        nrec = sum(c["recommended"] for c in doc["classes"])
        self.assertGreater(nrec, 3)
        out = self.ok(run("report", fixture("shop-3.13.json"), "--top",
                          "2")).decode()
        rows = re.findall(r"^ +\d+  \S+", out.split("\n\n")[1], re.M)
        self.assertEqual(len(rows), 2)
        self.assertIn("\n(%d more classes with a saving not shown; top=0 "
                      "shows all)\n" % (nrec - 2), out)
        self.assertEqual(len(re.findall(r"^#\d+ ", out, re.M)), 2)


def reference_folded(doc, weight):
    """docs of tools/folded.c, independently: one line per site."""
    def clean(s):
        return "".join(":" if c == ";" else "?" if ord(c) < 32 or c == "\x7f"
                       else c for c in s)
    a = doc.get("allocations")
    lines = []
    if not a or not a["sites"]:
        for c in doc["classes"]:
            w = c["instances"] if weight == "instances" else c["savings_bytes"]
            if w > 0:
                lines.append("%s.%s;[unsampled] %d" % (
                    clean(c["module"]), clean(c["qualname"]), w))
        return "".join(x + "\n" for x in lines)
    for s in a["sites"]:
        w = s[weight]
        if w <= 0:
            continue
        parts = [clean(s["module"]) + "." + clean(s["qualname"])]
        if not s["frames"]:
            parts.append("[unsampled]")
        for i in s["frames"]:
            f = a["frames"][i]
            t = clean(f["function"])
            if f["native"]:
                t += " [native]"
            if f["file"] is not None:
                t += " (" + clean(f["file"])
                if f["line"] and not f["native"]:
                    t += ":%d" % f["line"]
                t += ")"
            parts.append(t)
        lines.append("%s %d" % (";".join(parts), w))
    return "".join(x + "\n" for x in lines)


# flamegraph.pl's own parse of a folded line (FlameGraph, flamegraph.pl,
# "process: folded_stack count"); a stack that itself ends in a count
# would be read as a differential line.
FLAMEGRAPH_LINE = re.compile(r"^(.*)\s+?(\d+(?:\.\d*)?)$")

HANDMADE_SAVABLE = (
    "shop.Order;main (/app/shop.py:90);load_orders (/app/shop.py:41) "
    "6160000\n"
    "shop.Order;main (/app/shop.py:90);PyObject_Call [native] "
    "(/usr/lib/libpython3.12.so.1.0);odd:fn?x (/app/we:ird.py:3) 2200000\n"
    "shop.Order;[unsampled] 440000\n"
    "geo.Point;main (/app/shop.py:90);make_point (/app/geo.py:7);"
    "Café.__init__;0x7f00deadbeef [native] 320000\n")


class Folded(Base):
    def folded(self, path, *args):
        return self.ok(run("report", path, "--format", "folded",
                           *args)).decode()

    def test_handmade_exact(self):
        h = fixture("handmade.json")
        self.assertEqual(self.folded(h), HANDMADE_SAVABLE)
        self.assertEqual(self.folded(h, "--weight", "savable_bytes"),
                         HANDMADE_SAVABLE)
        self.assertEqual(self.folded(h, "--weight=instances"), (
            "shop.Order;main (/app/shop.py:90);load_orders (/app/shop.py:41)"
            " 70000\n"
            "shop.Order;main (/app/shop.py:90);PyObject_Call [native] "
            "(/usr/lib/libpython3.12.so.1.0);odd:fn?x (/app/we:ird.py:3) "
            "25000\n"
            "shop.Order;[unsampled] 5000\n"
            "geo.Point;main (/app/shop.py:90);make_point (/app/geo.py:7);"
            "Café.__init__;0x7f00deadbeef [native] 5000\n"))
        # geo.Vec: allocations but no instance with a __dict__.
        self.assertEqual(self.folded(h, "-w", "allocations"), (
            "shop.Order;main (/app/shop.py:90);load_orders (/app/shop.py:41)"
            " 100000\n"
            "shop.Order;main (/app/shop.py:90);PyObject_Call [native] "
            "(/usr/lib/libpython3.12.so.1.0);odd:fn?x (/app/we:ird.py:3) "
            "40000\n"
            "shop.Order;[unsampled] 10000\n"
            "geo.Point;main (/app/shop.py:90);make_point (/app/geo.py:7);"
            "Café.__init__;0x7f00deadbeef [native] 5000\n"
            "geo.Vec;[unsampled] 200\n"))

    def test_library_reports_match_the_documented_rules(self):
        for name in LIBRARY_REPORTS + ["handmade.json"]:
            doc = json.loads(read(name))
            for w in ("savable_bytes", "instances", "allocations"):
                with self.subTest(name=name, weight=w):
                    self.assertEqual(self.folded(fixture(name), "-w", w),
                                     reference_folded(doc, w))

    def test_savable_weights_sum_to_the_classes_savings(self):
        # Per class the sites add up to savings_bytes (the format's rule);
        # classes with no saving drop out.
        doc = json.loads(read("sampling.json"))
        out = self.folded(fixture("sampling.json"))
        total = {}
        for line in out.splitlines():
            stack, w = FLAMEGRAPH_LINE.match(line).groups()
            total[stack.split(";")[0]] = total.get(stack.split(";")[0], 0) \
                + int(w)
        want = {}
        for c in doc["classes"]:
            if any(s["module"] == c["module"] and s["qualname"] == c["qualname"]
                   for s in doc["allocations"]["sites"]) \
                    and c["savings_bytes"] > 0:
                k = c["module"] + "." + c["qualname"]
                want[k] = want.get(k, 0) + c["savings_bytes"]
        self.assertEqual(total, want)

    def test_without_allocations(self):
        m = fixture("minimal-v1.json")
        self.assertEqual(self.folded(m), "app.Row;[unsampled] 19200\n")
        self.assertEqual(self.folded(m, "--weight", "instances"),
                         "app.Row;[unsampled] 300\n")
        self.fails(run("report", m, "--format", "folded", "--weight",
                       "allocations"),
                   "%s: --weight allocations needs allocation counts, and "
                   "this report has none (\"allocations\": null)" % m)

    def test_names_that_would_break_the_format(self):
        doc = json.loads(read("handmade.json"))
        a = doc["allocations"]
        a["frames"] = [
            {"function": "f 12", "file": None, "line": None,
             "native": False},
            {"function": "g\n3", "file": "a;b\r.py", "line": 4,
             "native": False},
            {"function": "h 1.5", "file": None, "line": None,
             "native": True},
        ]
        a["sites"] = [
            {"module": "m;x", "qualname": "C\tD", "frames": [1, 0],
             "samples": 1, "allocations": 3, "instances": 2,
             "savable_bytes": 7},
            {"module": "m", "qualname": "E 2", "frames": [], "samples": 0,
             "allocations": 1, "instances": 1, "savable_bytes": -5},
            {"module": "m", "qualname": "F", "frames": [2], "samples": 1,
             "allocations": 1, "instances": 1, "savable_bytes": 0},
        ]
        path = self.write("odd.json", json.dumps(doc))
        self.assertEqual(self.folded(path),
                         "m:x.C?D;g?3 (a:b?.py:4);f_12 7\n")
        self.assertEqual(self.folded(path, "-w", "instances"),
                         "m:x.C?D;g?3 (a:b?.py:4);f_12 2\n"
                         "m.E 2;[unsampled] 1\n"
                         "m.F;h 1.5 [native] 1\n")

    def test_every_line_parses_as_flamegraph_pl_reads_it(self):
        for name in CANONICAL:
            out = self.folded(fixture(name))
            self.assertTrue(out.endswith("\n"))
            for line in out.splitlines():
                with self.subTest(name=name, line=line):
                    stack, count = FLAMEGRAPH_LINE.match(line).groups()
                    self.assertIsNone(FLAMEGRAPH_LINE.match(stack))
                    self.assertRegex(count, r"^[1-9]\d*$")
                    self.assertTrue(all(stack.split(";")))

    def flamegraph_pl(self):
        vendored = os.path.join(ROOT, "tests", "third_party", "FlameGraph",
                                "flamegraph.pl")
        exe = os.environ.get("FLAMEGRAPH_PL") or (
            vendored if os.path.exists(vendored) else None) or shutil.which(
            "flamegraph.pl") or shutil.which("flamegraph")
        if not exe:
            self.skipTest("flamegraph.pl not found (not packaged in Debian "
                          "12; set FLAMEGRAPH_PL=/path/to/flamegraph.pl "
                          "from github.com/brendangregg/FlameGraph)")
        return exe

    def test_flamegraph_pl_draws_it(self):
        exe = self.flamegraph_pl()
        path = self.write("h.folded", HANDMADE_SAVABLE)
        p = subprocess.run(["perl", exe, path] if exe.endswith(".pl")
                           else [exe, path], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, b"")
        titles = set(re.findall(r"<title>([^<]*)</title>",
                                p.stdout.decode()))
        self.assertEqual(titles, {
            "all (9,120,000 samples, 100%)",
            "shop.Order (8,800,000 samples, 96.49%)",
            "geo.Point (320,000 samples, 3.51%)",
            "main (/app/shop.py:90) (8,360,000 samples, 91.67%)",
            "main (/app/shop.py:90) (320,000 samples, 3.51%)",
            "load_orders (/app/shop.py:41) (6,160,000 samples, 67.54%)",
            "PyObject_Call [native] (/usr/lib/libpython3.12.so.1.0) "
            "(2,200,000 samples, 24.12%)",
            "odd:fn?x (/app/we:ird.py:3) (2,200,000 samples, 24.12%)",
            "[unsampled] (440,000 samples, 4.82%)",
            "make_point (/app/geo.py:7) (320,000 samples, 3.51%)",
            "Café.__init__ (320,000 samples, 3.51%)",
            "0x7f00deadbeef [native] (320,000 samples, 3.51%)",
        })


class BadInput(Base):
    def test_missing_file(self):
        self.fails(run("report", "/nonexistent/r.json"),
                   "/nonexistent/r.json: cannot open: No such file or "
                   "directory")

    def test_a_directory(self):
        self.fails(run("report", self.tmp),
                   "%s: cannot read: Is a directory" % self.tmp)

    def test_empty(self):
        p = self.write("e.json", b"")
        self.fails(run("report", p), "%s: empty file, not a report" % p)

    def test_not_json(self):
        p = self.write("x.json", "hello\n")
        self.fails(run("report", p), "%s: not valid JSON: line 1, column 5 "
                   "(byte 5): invalid token near 'hello'" % p)

    def test_truncated(self):
        data = read("sampling.json")
        cut = data[:data.index(b'"classes": [') + len(b'"classes": [')]
        p = self.write("t.json", cut)
        self.fails(run("report", p), "%s: not valid JSON: line %d, column %d "
                   "(byte %d): ']' expected near end of file"
                   % (p, cut.count(b"\n") + 1,
                      len(cut.rsplit(b"\n", 1)[-1]), len(cut)))
        cut = data[:len(data) // 2]
        p = self.write("t2.json", cut)
        r = run("report", p)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, b"")
        self.assertRegex(r.stderr, ONE_LINE)
        self.assertRegex(r.stderr.decode(), r"^slotprof: %s: not valid JSON: "
                         r"line \d+, column \d+ \(byte \d+\): "
                         % re.escape(p))
        self.fails(run("report", self.write("t3.json", data[:-2])),
                   "%s: not valid JSON: line %d, column 0 (byte %d): '}' "
                   "expected near end of file"
                   % (os.path.join(self.tmp, "t3.json"),
                      data[:-2].count(b"\n") + 1, len(data) - 2))

    def test_wrong_format(self):
        p = self.write("o.json", '{"format": "other", "version": 1}')
        self.fails(run("report", p), '%s: not a slotprof report ("format" '
                   'is "other", expected "slotprof-report")' % p)
        p = self.write("o2.json", '{"version": 1}')
        self.fails(run("report", p), '%s: not a slotprof report ("format" '
                   'is missing, expected "slotprof-report")' % p)
        p = self.write("o3.json", "[1, 2]")
        self.fails(run("report", p), "%s: not a slotprof report (the JSON is "
                   "an array, not an object)" % p)

    def test_wrong_version(self):
        for v in ("2", "0", "1.0", '"1"'):
            p = self.write("v.json", '{"format": "slotprof-report", '
                           '"version": %s}' % v)
            with self.subTest(v):
                self.fails(run("report", p), "%s: report version %s is not "
                           "supported (this slotprof reads version 1)"
                           % (p, "a string" if v == '"1"' else v))

    def edited(self, edit):
        doc = json.loads(read("handmade.json"))
        edit(doc)
        return self.write("edited.json", json.dumps(doc))

    def test_wrong_types_and_missing_keys(self):
        cases = [
            (lambda d: d["classes"][1].__setitem__("instances", "3"),
             "classes[1].instances: expected an integer from 0 to 2^63-1, "
             "found a string"),
            (lambda d: d["classes"][0].__setitem__("instances", -1),
             "classes[0].instances: expected an integer from 0 to 2^63-1, "
             "found -1"),
            (lambda d: d["classes"][0].__setitem__("instances", 1.0),
             "classes[0].instances: expected an integer from 0 to 2^63-1, "
             "found 1.0"),
            (lambda d: d["classes"][0].pop("verdict"),
             "classes[0].verdict: missing"),
            (lambda d: d["classes"][0].__setitem__("verdict", "ok"),
             'classes[0].verdict: "ok" is not "safe", "review" or "blocked"'),
            # One line: what the document says is quoted with its control
            # characters as '?'.
            (lambda d: d["classes"][0].__setitem__("verdict", "o\nk"),
             'classes[0].verdict: "o?k" is not "safe", "review" or '
             '"blocked"'),
            (lambda d: d["classes"][0]["plan"][1].__setitem__("form", "x"),
             'classes[0].plan[1].form: "x" is not "slots", "dataclass", '
             '"empty_slots" or "init_only"'),
            (lambda d: d["classes"][0]["suggested_slots"].append(None),
             "classes[0].suggested_slots[4]: expected a string, found null"),
            (lambda d: d.pop("census"), "census: missing"),
            (lambda d: d["census"].__setitem__("at_seconds", "1"),
             "census.at_seconds: expected a number of seconds or null, found "
             "a string"),
            (lambda d: d.__setitem__("python", "3" * 64),
             "python: longer than 63 bytes"),
            (lambda d: d["allocations"]["sites"][0]["frames"].append(7),
             "allocations.sites[0].frames[2]: expected an index into "
             "allocations.frames (0 to 6), found 7"),
            (lambda d: d["allocations"].pop("counting"),
             "allocations.counting: missing"),
            (lambda d: d.__setitem__("allocations", []),
             "allocations: expected an object or null, found an array"),
            (lambda d: d["slotted_classes"][1].pop("bytes"),
             "slotted_classes[1].bytes: missing"),
            (lambda d: d["classes"][0].__setitem__("module", "a\0b"),
             "classes[0].module: a string with a NUL character (\\u0000) is "
             "not supported"),
            (lambda d: d["classes"].__setitem__(0, 5),
             "classes[0]: expected an object, found 5"),
            (lambda d: d.__setitem__("series", {
                "at_seconds": [1.0, 2.0], "trigger": ["gc"],
                "rss_bytes": [0, 0], "total_savings_bytes": [0, 0],
                "classes": []}),
             "series.trigger: 1 values, but at_seconds has 2"),
        ]
        for edit, line in cases:
            with self.subTest(line):
                p = self.edited(edit)
                self.fails(run("report", p), "%s: %s" % (p, line))

    def test_integers_beyond_64_bits(self):
        # Refused by the parser (jansson's integers are long long), at the
        # number's place in the text.
        for value, what in [(2**63, "too big integer"),
                            (-2**63 - 1, "too big negative integer")]:
            with self.subTest(value):
                data = read("handmade.json").replace(
                    b'  "pid": 1234,\n', b'  "pid": %d,\n' % value)
                self.fails(report_json(data), "<stdin>: not valid JSON: line "
                           "6, column %d (byte %d): %s near '%d'"
                           % (9 + len(str(value)),
                              data.index(b"%d," % value) + len(str(value)),
                              what, value))

    def test_duplicate_key(self):
        data = read("handmade.json").replace(
            b'  "pid": 1234,\n', b'  "pid": 1234,\n  "pid": 1,\n')
        self.fails(report_json(data), "<stdin>: not valid JSON: line 7, "
                   "column 7 (byte 120): duplicate object key near '\"pid\"'")

    def test_strict_json(self):
        # jansson's verdicts: (input, line, column, byte, what).
        base = read("minimal-v1.json")
        lines = base.count(b"\n")
        cases = [
            (b'{"format": "slotprof-report",}', 1, 30, 30,
             "string or '}' expected near '}'"),
            (b'[01]', 1, 2, 2, "invalid token near '0'"),
            (b'[NaN]', 1, 4, 4, "invalid token near 'NaN'"),
            (b'[1.]', 1, 3, 3, "invalid token near '1.'"),
            (b'["\\ud800"]', 1, 9, 9, "invalid Unicode '\\uD800' near "
             "'\"\\ud800\"'"),
            (b'["\\udc00"]', 1, 9, 9, "invalid Unicode '\\uDC00' near "
             "'\"\\udc00\"'"),
            (b'["a\tb"]', 1, 3, 3, "control character 0x9 near '\"a'"),
            (b'["\xc0\xaf"]', 1, 2, 2, "unable to decode byte 0xc0 near "
             "'\"'"),
            (b'["\xed\xa0\x80"]', 1, 2, 2, "unable to decode byte 0xed near "
             "'\"'"),
            (b'["\\x"]', 1, 4, 4, "invalid escape near '\"\\x'"),
            (b'\xef\xbb\xbf' + base, 1, 1, 0, "byte order mark (not allowed "
             "in JSON)"),
            (b'// c\n' + base, 1, 1, 1, "invalid token near '/'"),
            (base + b'x', lines + 1, 1, len(base) + 1, "end of file expected "
             "near 'x'"),
            (b'[tru]', 1, 4, 4, "invalid token near 'tru'"),
            (b'[' * 3000, 1, 2049, 2049, "maximum parsing depth reached "
             "near '['"),
        ]
        for data, line, col, at, what in cases:
            with self.subTest(data[:20]):
                self.fails(report_json(data), "<stdin>: not valid JSON: "
                           "line %d, column %d (byte %d): %s"
                           % (line, col, at, what))

    def test_unwritable_output(self):
        p = run("report", fixture("handmade.json"), "-o",
                "/nonexistent/dir/out.txt")
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stdout, b"")
        self.assertRegex(p.stderr, ONE_LINE)
        self.assertTrue(p.stderr.startswith(
            b"slotprof: cannot write report to /nonexistent/dir/out.txt"))


class Usage(Base):
    def test_help(self):
        for args in (["--help"], ["-h"], ["help"]):
            with self.subTest(args):
                out = self.ok(run(*args))
                self.assertTrue(out.startswith(b"usage: slotprof COMMAND"))
                for cmd in (b"run", b"report", b"diff", b"merge"):
                    self.assertIn(b"\n  " + cmd + b" ", out)
        for args in (["report", "--help"], ["help", "report"],
                     ["report", "x.json", "-h"]):
            with self.subTest(args):
                out = self.ok(run(*args))
                self.assertTrue(out.startswith(b"usage: slotprof report "
                                               b"FILE.json"))
                self.assertIn(b"folded", out)

    def test_version(self):
        with open(os.path.join(ROOT, "profiler", "bootstrap.c")) as f:
            v = re.search(r'#define SP_LIB_VERSION "([^"]+)"', f.read())
        self.assertEqual(self.ok(run("--version")),
                         ("slotprof %s\n" % v.group(1)).encode())

    def test_usage_errors(self):
        h = fixture("handmade.json")
        cases = [
            ([], None),
            (["frobnicate"], "unknown command 'frobnicate' (slotprof --help "
             "lists them)"),
            (["help", "nope"], "no command 'nope' (slotprof --help lists "
             "them)"),
            (["report"], "which report? usage: slotprof report FILE.json "
             "[--format FORMAT] (slotprof report --help)"),
            (["report", h, "--format", "xml"], "unknown format 'xml' (text, "
             "json, folded, html or pprof)"),
            (["report", h, "--format"], "--format needs a value (slotprof "
             "report --help)"),
            (["report", h, "--weight", "bytes", "--format", "folded"],
             "unknown weight 'bytes' (savable_bytes, instances or "
             "allocations)"),
            (["report", h, "--weight", "instances"], "--weight applies to "
             "--format folded only"),
            (["report", h, "--top", "x"], "--top wants a number of rows "
             "(0 = all), not 'x'"),
            (["report", h, "--bogus"], "unknown option '--bogus' (slotprof "
             "report --help)"),
            (["report", h, h], "one report at a time: '%s' and '%s' "
             "(slotprof merge joins reports)" % (h, h)),
        ]
        for args, line in cases:
            with self.subTest(args):
                p = run(*args)
                self.assertEqual(p.returncode, 2)
                self.assertEqual(p.stdout, b"")
                if line is None:
                    self.assertTrue(p.stderr.startswith(b"usage: slotprof"))
                else:
                    self.fails(p, line)

    def test_double_dash(self):
        self.assertEqual(self.ok(run("report", "--format", "json", "--",
                                     fixture("handmade.json"))),
                         read("handmade.json"))


if __name__ == "__main__":
    unittest.main()
