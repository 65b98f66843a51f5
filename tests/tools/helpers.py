"""Shared by the tests of the `slotprof` command (tests/tools/test_*.py).

Small on purpose: where the binary is, where the fixtures are, and one
way to run it.  `make check-tools` builds build/tools/slotprof first;
SLOTPROF_BIN points the tests at another binary.
"""
import os
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SLOTPROF = os.environ.get("SLOTPROF_BIN",
                          os.path.join(ROOT, "build", "tools", "slotprof"))
FIXTURES = os.path.join(ROOT, "tests", "tools", "fixtures")


def fixture(name):
    """The absolute path of tests/tools/fixtures/NAME."""
    return os.path.join(FIXTURES, name)


def run(*args, stdin=None, timeout=60, env=None):
    """Run slotprof with args; a CompletedProcess with bytes stdout and
    stderr.  stdin: bytes for its standard input (default: none)."""
    return subprocess.run([SLOTPROF] + [str(a) for a in args],
                          input=stdin if stdin is not None else b"",
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, env=env)
