"""The HTML report (`slotprof report F --format html`, tools/html.c and
tools/html_assets/), loaded from file:// in a headless Chromium.

Needs Debian's chromium, chromium-driver and python3-selenium; run by
/usr/bin/python3:

    make tools && /usr/bin/python3 -m unittest discover -s tests/tools \
        -p test_html.py -v

The fixture tests/tools/fixtures/html-sites.json has five classes (one
with a negative saving, one below min_instances), shared frames, a native
frame, [unsampled] remainders and hostile names (a class called
"<img src=x onerror=alert(1)>", a file name with "</script>").  Every
expected number below is worked out by hand from that file.

Screenshots go to build/tools/html-*.png.  To regenerate the picture in
the documentation from any report:

    /usr/bin/python3 tests/tools/test_html.py --screenshot REPORT.json \
        docs/img/flamegraph.png
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.select import Select

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURE = os.path.join(ROOT, "tests", "tools", "fixtures", "html-sites.json")
SLOTPROF = os.path.join(ROOT, "build", "tools", "slotprof")
SHOTS = os.path.join(ROOT, "build", "tools")
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

HOSTILE_CLASS = "<img src=x onerror=alert(1)>"
HOSTILE_FILE = "/tmp/</script><script>alert(2)</script>.py"
HOSTILE_FRAME = "</script><img src=y onerror=alert(3)>"

# The savings graph: every site's positive savable_bytes (geo.Sparse's
# -16,000 left out): 2,880,000 + 880,000 + 128,000 + 640.
SAVABLE_TOTAL_LABEL = "all: 3.7 MiB (3,888,640 B)"
# The frames of the overall savings graph, unzoomed.
ALL_FRAMES = sorted([
    SAVABLE_TOTAL_LABEL,
    "shop.LineItem", "shop.Order", "evil." + HOSTILE_CLASS, "tiny.Rare",
    # shop.LineItem
    "<module>", "[unsampled]", "main", "PyObject_Call [native]", "add_item",
    "load_orders", "add_item", "import_csv", "add_item",
    # shop.Order
    "<module>", "main", "load_orders", "make_order", "import_csv",
    "make_order",
    # evil
    "<module>", HOSTILE_FRAME,
    # tiny.Rare
    "[unsampled]",
])


def render(report_path, out_path, fmt="html"):
    """Run the tool; returns its output file's text."""
    if not os.path.exists(SLOTPROF):
        raise AssertionError("%s is missing: make tools" % SLOTPROF)
    cmd = [SLOTPROF, "report", report_path, "--format", fmt, "-o", out_path]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    if p.returncode != 0 or p.stderr:
        raise AssertionError("%s: status %d, stderr %r"
                             % (cmd, p.returncode, p.stderr))
    with open(out_path, encoding="utf-8") as f:
        return f.read()


def new_browser(width=1280, height=1000):
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(path):
            raise AssertionError("%s is missing: apt-get install chromium "
                                 "chromium-driver" % path)
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--hide-scrollbars",
                "--window-size=%d,%d" % (width, height)):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs",
                        {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


class HtmlReportTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="slotprof-html-")
        os.makedirs(SHOTS, exist_ok=True)
        cls.page = os.path.join(cls.tmp, "report.html")
        cls.html = render(FIXTURE, cls.page)
        cls.browser = new_browser()

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        shutil.rmtree(cls.tmp)

    # ------------------------------------------------------------ helpers

    def variant(self, name, change):
        """Render the fixture after change(report) into NAME.html."""
        with open(FIXTURE, encoding="utf-8") as f:
            report = json.load(f)
        change(report)
        src = os.path.join(self.tmp, name + ".json")
        with open(src, "w", encoding="utf-8") as f:
            json.dump(report, f)
        out = os.path.join(self.tmp, name + ".html")
        render(src, out)
        return out

    def load(self, path):
        """Open path; the browser's logs start empty."""
        b = self.browser
        b.get_log("browser")
        b.get_log("performance")
        b.get("file://" + path)
        self.assertEqual(b.execute_script("return document.readyState"),
                         "complete")

    def js(self, script, *args):
        return self.browser.execute_script(script, *args)

    def assert_clean(self, path):
        """No console message, no request but the page itself."""
        b = self.browser
        self.assertEqual(b.get_log("browser"), [])
        self.assertEqual(
            self.js("return performance.getEntriesByType('resource')"
                    ".map(e => e.name)"), [])
        urls = []
        for entry in b.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg["method"] == "Network.requestWillBeSent":
                urls.append(msg["params"]["request"]["url"])
        self.assertEqual(set(urls), {"file://" + path})
        with self.assertRaises(NoAlertPresentException):
            b.switch_to.alert.text

    def frames(self, graph="#fg-all"):
        return self.js("return [...document.querySelectorAll(arguments[0] + "
                       "' .fg-chart .fg-frame')].map(e => e.textContent)",
                       graph)

    def frame(self, label, graph="#fg-all"):
        els = self.js("return [...document.querySelectorAll(arguments[0] + "
                      "' .fg-chart .fg-frame')].filter(e => e.textContent "
                      "=== arguments[1])", graph, label)
        self.assertEqual(len(els), 1, label)
        return els[0]

    def search(self, term, graph="#fg-all"):
        self.js("const i = document.querySelector(arguments[0] + "
                "' .fg-search'); i.value = arguments[1]; "
                "i.dispatchEvent(new Event('input'));", graph, term)
        matched = self.js("return [...document.querySelectorAll(arguments[0]"
                          " + ' .fg-match')].map(e => e.textContent)", graph)
        info = self.js("return document.querySelector(arguments[0] + "
                       "' .fg-matched').textContent", graph)
        return sorted(matched), info

    def rows(self, table):
        return self.js("return [...document.querySelectorAll(arguments[0] + "
                       "' tbody tr')].map(r => [...r.cells].map(c => "
                       "c.textContent))", table)

    def shot(self, name):
        self.browser.save_screenshot(os.path.join(SHOTS, "html-%s.png"
                                                  % name))

    # ------------------------------------------------------------ tests

    def test_self_contained(self):
        self.load(self.page)
        self.assert_clean(self.page)
        self.assertIn('<meta http-equiv="Content-Security-Policy" content='
                      '"default-src \'none\'; script-src \'unsafe-inline\'; '
                      'style-src \'unsafe-inline\'; img-src data:">',
                      self.html)
        self.assertEqual(self.js("return document.scripts.length"), 2)
        self.assertEqual(self.js("return document.styleSheets.length"), 1)
        self.shot("overview")

    def test_policy_blocks_and_logs_a_fetch(self):
        # The control for test_self_contained: a request the page would
        # make is blocked and shows up where that test looks.
        self.load(self.page)
        self.js("const i = document.createElement('img'); "
                "i.src = 'http://127.0.0.1:9/x.png'; "
                "document.body.appendChild(i);")
        self.js("return new Promise(r => setTimeout(r, 200))")
        log = self.browser.get_log("browser")
        self.assertTrue(any("Content Security Policy" in e["message"]
                            for e in log), log)

    def test_header(self):
        self.load(self.page)
        meta = self.js("return [...document.querySelectorAll('header dd')]"
                       ".map(e => e.textContent)")
        self.assertEqual(meta, [
            "CPython 3.12.1, allocator pymalloc",
            "pid 4242, session 20261122T060704-4242",
            "exit report 2, written 2026-11-22T06:07:04.250Z",
            "at exit, 2.500 s after start, 152,311 objects visited in "
            "4.2 ms (3 censuses in all)",
            "3.7 MiB (3,888,000 B) across 3 recommended classes",
            "counted with tp_alloc; one stack sampled every 1,000 "
            "allocations on average (95 stacks sampled, up to 64 frames "
            "each, native frames included)",
        ])
        self.assertEqual(self.js("return document.querySelectorAll("
                                 "'.warning').length"), 0)

    def test_table(self):
        self.load(self.page)
        self.assertEqual(self.rows("#ranked"), [
            ["1", "shop.LineItem", "shop.py:31", "60,000", "96.0", "48.0",
             "2.7 MiB", "safe", "80,000", "65,000"],
            ["2", "shop.Order", "shop.py:12", "10,000", "152.0", "64.0",
             "859.4 KiB", "review", "12,000", "10,500"],
            ["3", "evil." + HOSTILE_CLASS, "script>.py:7", "2,000", "112.0",
             "48.0", "125.0 KiB", "blocked", "2,000", "2,000"],
        ])
        self.assertEqual(self.rows("#others"), [
            ["-", "tiny.Rare", "?", "10", "112.0", "48.0", "640 B", "safe",
             "0", "0", "below min_instances"],
            ["-", "geo.Sparse", "geo.py", "500", "112.0", "144.0",
             "-15.6 KiB", "review", "500", "500", "no saving"],
        ])
        self.assertEqual(
            self.js("return document.getElementById('not-recommended')"
                    ".textContent"),
            "Not recommended: 1 class below min_instances=100, 1 with no "
            "saving.")

    def test_table_matches_text_report(self):
        text = render(FIXTURE, os.path.join(self.tmp, "r.txt"), "text")
        lines = text.splitlines()
        start = next(i for i, l in enumerate(lines) if l.startswith("rank"))
        table = []
        for line in lines[start + 1:]:
            if not line.strip():
                break
            table.append([c for c in line.strip().split("  ") if c.strip()])
        table = [[c.strip() for c in row] for row in table]
        self.load(self.page)
        self.assertEqual([r[:8] for r in self.rows("#ranked")], table)

    def test_flamegraph_root_and_frames(self):
        self.load(self.page)
        self.assertEqual(sorted(self.frames()), ALL_FRAMES)
        root = self.frame(SAVABLE_TOTAL_LABEL)
        chart = self.js("return document.querySelector('#fg-all .fg-chart')"
                        ".clientWidth")
        self.assertAlmostEqual(root.rect["width"], chart, delta=1)
        self.assertNotIn("geo.Sparse", self.frames())

    def test_zoom_and_reset(self):
        self.load(self.page)
        chart = self.js("return document.querySelector('#fg-all .fg-chart')"
                        ".clientWidth")
        order = self.frame("shop.Order")
        self.assertLess(order.rect["width"], chart / 2)
        order.click()
        order = self.frame("shop.Order")
        self.assertAlmostEqual(order.rect["width"], chart, delta=1)
        self.assertAlmostEqual(order.rect["x"],
                               self.frame(SAVABLE_TOTAL_LABEL).rect["x"],
                               delta=1)
        # Its siblings are gone; the root stays above it, shaded.
        self.assertEqual(sorted(self.frames()), sorted([
            SAVABLE_TOTAL_LABEL, "shop.Order", "<module>", "main",
            "load_orders", "make_order", "import_csv", "make_order"]))
        self.assertEqual(
            self.js("return [...document.querySelectorAll('#fg-all "
                    ".fg-ancestor')].map(e => e.textContent)"),
            [SAVABLE_TOTAL_LABEL])
        # 704,000 of 880,000 under load_orders: 80%.
        self.assertAlmostEqual(self.frame("load_orders").rect["width"],
                               chart * 0.8, delta=1)
        self.shot("zoom")
        self.browser.find_element(
            "css selector", "#fg-all .fg-reset").click()
        self.assertEqual(sorted(self.frames()), ALL_FRAMES)
        # Zoom in twice, then out with a click on the root.
        self.frame("shop.LineItem").click()
        self.frame("PyObject_Call [native]").click()
        self.assertEqual(sorted(self.frames()), sorted([
            SAVABLE_TOTAL_LABEL, "shop.LineItem", "<module>",
            "PyObject_Call [native]", "add_item"]))
        self.assertAlmostEqual(self.frame("add_item").rect["width"], chart,
                               delta=1)
        self.frame(SAVABLE_TOTAL_LABEL).click()
        self.assertEqual(sorted(self.frames()), ALL_FRAMES)

    def test_tooltip(self):
        self.load(self.page)
        tip = "#fg-all .fg-tip"

        def hover(label):
            ActionChains(self.browser).move_to_element(
                self.frame(label)).perform()
            self.assertEqual(self.js("return getComputedStyle(document."
                                     "querySelector(arguments[0])).display",
                                     tip), "block")
            return self.js("return document.querySelector(arguments[0])"
                           ".textContent", tip)

        self.assertEqual(hover("shop.Order"),
                         "shop.Order\nclass\n859.4 KiB (880,000 B), "
                         "22.63% of all\nclick to zoom in")
        self.assertEqual(hover(HOSTILE_FRAME),
                         HOSTILE_FRAME + "\n/tmp/</script>.py:3\n"
                         "125.0 KiB (128,000 B), 3.29% of all\n"
                         "click to zoom in")
        self.frame("shop.LineItem").click()
        self.assertEqual(hover("PyObject_Call [native]"),
                         "PyObject_Call [native]\nnative code in "
                         "/usr/lib/libpython3.12.so.1.0\n"
                         "140.6 KiB (144,000 B), 3.70% of all, 5.00% of "
                         "shop.LineItem\nclick to zoom in")
        self.assertEqual(hover(SAVABLE_TOTAL_LABEL),
                         "all\n3.7 MiB (3,888,640 B), 100.00% of all\n"
                         "click to zoom out")

    def test_search(self):
        self.load(self.page)
        self.assertEqual(
            self.search("load_orders"),
            (["load_orders", "load_orders"],
             "Matched: 67.5% of all, 2.5 MiB (2,624,000 B)"))
        self.shot("search")
        # geo.Sparse's import_csv weighs nothing in the savings graph.
        self.assertEqual(
            self.search("import_csv"),
            (["import_csv", "import_csv"],
             "Matched: 23.0% of all, 875.0 KiB (896,000 B)"))
        # Nested matches count once: every frame in /app/shop.py.
        matched, info = self.search("shop")
        self.assertEqual(matched, sorted(
            ["shop.LineItem", "shop.Order"] + ["<module>"] * 3
            + ["main"] * 2 + ["load_orders"] * 2 + ["make_order"] * 2
            + ["add_item"] * 3))
        self.assertEqual(info,
                         "Matched: 100.0% of all, 3.7 MiB (3,888,000 B)")
        self.assertEqual(
            self.search("<img"),
            (sorted(["evil." + HOSTILE_CLASS, HOSTILE_FRAME]),
             "Matched: 3.3% of all, 125.0 KiB (128,000 B)"))
        self.assertEqual(self.search("no such frame"),
                         ([], "Matched: 0.0% of all, 0 B"))
        self.assertEqual(self.search(""), ([], ""))

    def test_weights(self):
        self.load(self.page)
        select = Select(self.browser.find_element(
            "css selector", "#fg-all .fg-weight"))
        self.assertEqual(select.first_selected_option.text, "savable bytes")
        select.select_by_visible_text("live instances")
        # 60,000 + 10,000 + 2,000 + 500 + 10
        self.frame("all: 72,510 live instances")
        self.assertIn("geo.Sparse", self.frames())
        self.assertEqual(self.frames().count("[unsampled]"), 2)
        self.assertEqual(
            self.search("import_csv"),
            (["import_csv", "import_csv", "import_csv"],
             "Matched: 24.1% of all, 17,500 live instances"))
        self.search("")
        select.select_by_visible_text("allocations")
        # 80,000 + 12,000 + 2,000 + 500
        self.frame("all: 94,500 allocations")
        self.assertNotIn("[unsampled]", self.frames())
        self.assertNotIn("tiny.Rare", self.frames())
        select.select_by_visible_text("savable bytes")
        self.frame(SAVABLE_TOTAL_LABEL)

    def test_class_section_and_graph(self):
        self.load(self.page)
        self.assertFalse(self.js("return document.getElementById('class-1')"
                                 ".open"))
        self.assertEqual(self.frames("#fg-class-1"), [])
        self.browser.find_element("link text", "shop.Order").click()
        self.assertTrue(self.js("return document.getElementById('class-1')"
                                ".open"))
        self.assertEqual(sorted(self.frames("#fg-class-1")), sorted([
            "shop.Order: 859.4 KiB (880,000 B)", "<module>", "main",
            "load_orders", "make_order", "import_csv", "make_order"]))
        sec = "#class-1"
        self.assertEqual(
            self.js("return [...document.querySelectorAll(arguments[0] + "
                    "' table.plan tr')].map(r => r.textContent)", sec),
            ["add to class shop.base.Base:__slots__ = ('created',)",
             "add to class Order:__slots__ = ('id', 'customer', 'total')"])
        self.assertEqual(
            self.js("return [...document.querySelectorAll(arguments[0] + "
                    "' ul.issues li')].map(r => r.textContent)", sec),
            ["warning materialized-dict: 12 of 10,000 instances had their "
             "__dict__ read"])
        self.assertEqual(
            self.rows(sec + " table.attrs"),
            [["id", "10,000", "100.0%"], ["customer", "10,000", "100.0%"],
             ["total", "10,000", "100.0%"], ["created", "10,000", "100.0%"]])
        self.assertIn("12,000 allocated, 2,000 freed, 10,000 live, 10,500 "
                      "at the peak; 12 stacks sampled.",
                      self.js("return document.querySelector(arguments[0])"
                              ".textContent", sec))
        self.js("document.getElementById('fg-class-1').scrollIntoView()")
        self.shot("class")
        # A class that would grow: nothing to draw by saving, its
        # instances by the other weight.
        self.js("document.getElementById('class-4').open = true")
        self.assertEqual(
            self.js("return document.querySelector('#fg-class-4 .fg-empty')"
                    ".textContent"),
            "No allocation site has a positive saving.")
        Select(self.browser.find_element(
            "css selector", "#fg-class-4 .fg-weight")
        ).select_by_visible_text("live instances")
        self.assertEqual(sorted(self.frames("#fg-class-4")), sorted([
            "geo.Sparse: 500 live instances", "<module>", "main",
            "import_csv"]))
        self.assertIn(
            "@dataclass(slots=True)",
            self.js("return document.querySelector('#class-4 table.plan')"
                    ".textContent"))

    def test_hostile_names_are_text(self):
        self.load(self.page)
        self.js("document.querySelectorAll('details').forEach(d => "
                "d.open = true)")
        self.frame("evil." + HOSTILE_CLASS).click()
        self.frame(HOSTILE_FRAME)
        self.assert_clean(self.page)
        self.assertEqual(self.js("return document.images.length"), 0)
        self.assertEqual(self.js("return document.scripts.length"), 2)
        self.assertEqual(self.js("return document.querySelectorAll('b')"
                                 ".length"), 0)
        data = self.js("return JSON.parse(document.getElementById("
                       "'slotprof-data').textContent)")
        self.assertEqual(data["classes"][2]["qualname"], HOSTILE_CLASS)
        self.assertEqual(data["classes"][2]["file"], HOSTILE_FILE)
        self.assertEqual(data["allocations"]["frames"][6]["function"],
                         HOSTILE_FRAME)
        sec = self.js("return document.getElementById('class-2')"
                      ".textContent")
        self.assertIn("evil." + HOSTILE_CLASS, sec)
        self.assertIn(HOSTILE_FILE + ":7", sec)
        self.assertIn("__slots__ = ('x', '<b>y</b>')", sec)
        self.assertIn("BLOCKER class-variable: \"<b>y</b>\" is a class "
                      "attribute and set on 3 instances "
                      "<script>alert(4)</script>", sec)
        # Nothing of a name reaches the page's source unescaped.
        for raw in ("<img", "<b>", "<script>alert", "</script><"):
            self.assertFalse(raw in self.html, raw)
        self.shot("hostile")

    def test_allocations_off(self):
        def off(r):
            r["allocations"] = None
        page = self.variant("allocs-off", off)
        self.load(page)
        self.assert_clean(page)
        self.assertEqual(
            self.js("return document.getElementById('no-sites')"
                    ".textContent"),
            "Allocation counting was off in this run, so there are no "
            "allocation sites to draw (it is on unless allocs=no).")
        self.assertEqual(self.js("return document.querySelectorAll("
                                 "'.flamegraph').length"), 0)
        self.assertEqual(self.rows("#ranked")[0],
                         ["1", "shop.LineItem", "shop.py:31", "60,000",
                          "96.0", "48.0", "2.7 MiB", "safe"])
        self.assertEqual(self.js("return document.querySelectorAll("
                                 "'header dd')[5].textContent"),
                         "allocation counting was off: no allocation "
                         "counts or sites in this report")

    def test_sampling_off(self):
        def off(r):
            a = r["allocations"]
            a["sample_every"] = a["samples"] = 0
            a["frames"] = a["sites"] = []
            for c in a["classes"]:
                c["samples"] = 0
        page = self.variant("sampling-off", off)
        self.load(page)
        self.assert_clean(page)
        self.assertEqual(
            self.js("return document.getElementById('no-sites')"
                    ".textContent"),
            "Stack sampling was off in this run (sample_every=0), so "
            "there are no allocation sites to draw.")
        self.assertEqual(self.js("return document.querySelectorAll("
                                 "'.flamegraph').length"), 0)
        self.assertEqual(self.js("return document.querySelectorAll("
                                 "'header dd')[5].textContent"),
                         "counted with tp_alloc; stack sampling was off")
        self.assertEqual(self.rows("#ranked")[1][8:], ["12,000", "10,500"])

    def test_warnings(self):
        def degrade(r):
            r["allocator"] = "malloc"
            r["allocations"]["frees_exact"] = False
        page = self.variant("warnings", degrade)
        self.load(page)
        self.assert_clean(page)
        self.assertEqual(
            self.js("return [...document.querySelectorAll('.warning')]"
                    ".map(e => e.textContent)"),
            ["Warning: this process allocates with malloc, not pymalloc: "
             "the bytes below assume pymalloc and are not what this "
             "process uses.",
             "Warning: some frees may have been missed (the object "
             "allocator was replaced while the profiler ran): freed, live "
             "and peak live counts are lower bounds."])

    def test_no_classes(self):
        def empty(r):
            r["classes"] = []
            r["total_savings_bytes"] = 0
            r["allocations"] = None
        page = self.variant("empty", empty)
        self.load(page)
        self.assert_clean(page)
        self.assertEqual(
            self.js("return document.querySelector('#ranking .note')"
                    ".textContent"),
            "No instances of classes with a __dict__ were alive at the "
            "census.")


def screenshot(report, out):
    """A picture of report's page down to the flamegraph, for the
    documentation."""
    tmp = tempfile.mkdtemp(prefix="slotprof-html-")
    try:
        page = os.path.join(tmp, "report.html")
        render(os.path.abspath(report), page)
        b = new_browser(1200, 900)
        try:
            b.get("file://" + page)
            bottom = b.execute_script(
                "return Math.ceil(document.getElementById('sites')"
                ".getBoundingClientRect().bottom) + 16")
            inner = b.execute_script("return window.innerHeight")
            b.set_window_size(1200, 900 - inner + bottom)
            b.save_screenshot(out)
        finally:
            b.quit()
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--screenshot":
        screenshot(sys.argv[2], sys.argv[3])
    else:
        unittest.main()
