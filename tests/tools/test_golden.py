"""Every output of the `slotprof` command, byte for byte, as recorded.

The loader (tools/load.c) and the renderers are rewritten from time to
time without meaning to change a byte of what they print; this test
holds them to that.  For every report fixture (tests/tools/fixtures/*.json,
among them demo-report.json: the report `make demo` writes) it runs
`slotprof report` in every format, and a set of `diff` and `merge` runs,
and compares each run with tests/tools/golden/outputs.json: the exit
status, the standard error verbatim and the SHA-256 of the standard
output (of the uncompressed profile for pprof: the gzip stream is zlib's,
not ours, and may change with zlib's version).

The record is made by the binary whose behaviour is the reference:

  SLOTPROF_BIN=/path/to/slotprof \
      /usr/bin/python3 tests/tools/test_golden.py --write

A change that alters an output on purpose (a new report field) records
again with the new binary, and the diff of outputs.json shows which
outputs changed.  The cases are computed here; the record must have
exactly the same ones, so a fixture added later gets recorded before it
is checked.
"""
import glob
import gzip
import hashlib
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import FIXTURES, ROOT, SLOTPROF  # noqa: E402

RECORD = os.path.join(ROOT, "tests", "tools", "golden", "outputs.json")

REPORT_ARGS = [
    ["--format", "text"],
    ["--format", "text", "--top", "0"],
    ["--format", "json"],
    ["--format", "html"],
    ["--format", "pprof"],
    ["--format", "folded"],
    ["--format", "folded", "--weight", "instances"],
    ["--format", "folded", "--weight", "allocations"],
]

# (before, after) for diff, in text and JSON.
DIFFS = [
    ("dm_diff_before.json", "dm_diff_after.json"),
    ("dm_diff_before.json", "dm_diff_norss.json"),
    ("shop-3.13.json", "demo-report.json"),
    ("old-format.json", "sampling.json"),
    ("minimal-v1.json", "handmade.json"),
]

MERGES = [
    ["dm_merge_w1.json", "dm_merge_w2.json"],
    ["dm_merge_w1.json", "dm_merge_py311.json"],
    ["sampling.json", "sampling.json"],
    ["demo-report.json", "demo-report.json", "demo-report.json"],
    ["grow-3.8.json", "old-format.json"],
    ["handmade.json", "html-sites.json"],
]


def cases():
    """Every run, as argument lists relative to the fixtures directory
    (so that messages name the files as the record does)."""
    reports = sorted(os.path.basename(p)
                     for p in glob.glob(os.path.join(FIXTURES, "*.json")))
    out = []
    for name in reports:
        for args in REPORT_ARGS:
            out.append(["report", name] + args)
    for before, after in DIFFS:
        out.append(["diff", before, after])
        out.append(["diff", before, after, "--format", "json"])
        out.append(["diff", before, after, "--fail-if-worse"])
    for names in MERGES:
        out.append(["merge"] + names)
    return out


def observe(args):
    """What one run gives: status, stderr, digest and size of stdout."""
    p = subprocess.run([SLOTPROF] + args, cwd=FIXTURES,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    data = p.stdout
    if "pprof" in args and p.returncode == 0:
        data = gzip.decompress(data)
    return {"status": p.returncode, "stderr": p.stderr.decode(),
            "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def key(args):
    return " ".join(args)


class Golden(unittest.TestCase):
    def test_the_record_has_every_case(self):
        with open(RECORD) as f:
            record = json.load(f)
        self.assertEqual(sorted(record), sorted(key(a) for a in cases()),
                         "record again: see this file's docstring")

    def test_outputs_are_the_recorded_ones(self):
        with open(RECORD) as f:
            record = json.load(f)
        for args in cases():
            with self.subTest(key(args)):
                self.assertIn(key(args), record)
                self.assertEqual(observe(args), record[key(args)])


def write():
    record = {key(a): observe(a) for a in cases()}
    os.makedirs(os.path.dirname(RECORD), exist_ok=True)
    with open(RECORD, "w") as f:
        json.dump(record, f, indent=1, sort_keys=True)
        f.write("\n")
    print("recorded %d runs of %s in %s" % (len(record), SLOTPROF, RECORD))


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write()
    else:
        unittest.main()
