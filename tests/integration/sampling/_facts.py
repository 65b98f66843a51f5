"""Shared by the sampling test programs: append one JSON line to the
file named by $SP_FACTS (no-op without it).  O_APPEND keeps the lines of
several processes whole."""
import json
import os
import sys


def fact(**kw):
    path = os.environ.get("SP_FACTS")
    if not path:
        return
    kw.setdefault("pid", os.getpid())
    data = (json.dumps(kw, sort_keys=True) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def slotprof_module():
    """The slotprof module, or None; the ImportError text as a fact."""
    try:
        import slotprof
    except ImportError as e:
        fact(what="import", error="ImportError: %s" % e,
             builtin="slotprof" in sys.builtin_module_names)
        return None
    fact(what="import", error=None,
         builtin="slotprof" in sys.builtin_module_names)
    return slotprof
