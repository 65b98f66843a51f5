"""Harness shared by the shape programs (imported, never run directly).

A shape program defines its classes and a factory, then calls run():

    def new(i, slotted):       # build instance number i
        return (Twin if slotted else Rec)()
    run(globals(), new)

Usage of every shape:  python SHAPE.py N [MODE]

    profile   (default) build N instances of the dict-carrying classes and
              keep them alive in the module-level list KEEP until exit.
              This is the mode run under libslotprof.
    rss       fresh process, no profiler: warm up (build and drop 1,000),
              then print JSON {"n": N, "bytes_per_instance": delta/N} where
              delta is the resident-set growth, from /proc/self/statm,
              around building N instances.
    rss-slots the same for the slotted twins (what the profiler's
              recommendation would produce).
    keys      print {qualname: attribute names in first-seen order} of the
              instances as JSON (ground truth for shapes whose names come
              from the standard library).  new() may return a tuple of
              instances of several classes.

Optional hooks in the shape module's globals:
    prelude(slotted)     run once before the measured region (e.g. the few
                         instances of base classes); kept alive.
    finish(objs, slotted)run inside the measured region after all instances
                         exist (e.g. attributes added later).

The harness itself defines no class, so it adds nothing to the report.
"""
import gc
import json
import os
import sys

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


def _build(new, n, slotted):
    objs = [None] * n
    for i in range(n):
        objs[i] = new(i, slotted)
    return objs


def run(g, new):
    n = int(sys.argv[1]) if len(sys.argv) > 1 else int(
        os.environ.get("SHAPE_N", "1000"))
    mode = sys.argv[2] if len(sys.argv) > 2 else "profile"
    prelude = g.get("prelude")
    finish = g.get("finish")

    if mode == "profile":
        if prelude is not None:
            g["KEEP_PRELUDE"] = prelude(False)
        objs = _build(new, n, False)
        if finish is not None:
            finish(objs, False)
        g["KEEP"] = objs
        return

    if mode == "keys":
        if prelude is not None:
            g["KEEP_PRELUDE"] = prelude(False)
        objs = _build(new, n, False)
        if finish is not None:
            finish(objs, False)
        seen = {}
        for o in objs:
            for x in (o if type(o) is tuple else (o,)):
                names = seen.setdefault(type(x).__qualname__, {})
                for k in getattr(x, "__dict__", ()):
                    names.setdefault(k, None)
        print(json.dumps({c: list(v) for c, v in seen.items()}))
        g["KEEP"] = objs
        return

    if mode not in ("rss", "rss-slots"):
        sys.exit("unknown mode %r" % mode)
    slotted = mode == "rss-slots"
    if prelude is not None:
        g["KEEP_PRELUDE"] = prelude(slotted)
    # Warm-up: first instances of a class differ on 3.11+ (dk_usable of
    # the shared keys), and pools/free lists need priming.
    warm = _build(new, 1000, slotted)
    if finish is not None:
        finish(warm, slotted)
    del warm
    gc.collect()
    gc.disable()
    objs = [None] * n           # the list itself outside the measured delta
    before = _rss()
    for i in range(n):
        objs[i] = new(i, slotted)
    if finish is not None:
        finish(objs, slotted)
    after = _rss()
    gc.enable()
    g["KEEP"] = objs
    print(json.dumps({"n": n, "bytes_per_instance": (after - before) / n}))
