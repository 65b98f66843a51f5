"""Integration tests of sampling sessions (see docs/sampling.md).

jobs(interp, want, keep) yields (test name, callable); each callable
returns a list of (name, error or None, detail), like run.py's jobs.
"""


def jobs(interp, want, keep):
    return []
