"""api: the slotprof module, driven from Python.

    api.py OUTDIR

Builds 1500 Api objects, then, if `import slotprof` works: stats();
snapshot(OUTDIR/snap-%p-%n.json); snapshot() (the session's output);
chdir into OUTDIR/sub and snapshot("rel-%p-%n.json") (relative: resolved
against the current directory, like open()); report("json"); report("text");
report("xml") (an error); stats() again.  Everything it sees goes to the
facts file; stdout is the same with and without the library.
"""
import json
import os
import sys

from _facts import fact, slotprof_module


class Api:
    def __init__(self, i):
        self.i = i
        self.where = "api"


def attempt(fn, *args):
    try:
        return {"ok": fn(*args)}
    except Exception as e:
        return {"error": type(e).__name__, "message": str(e)}


KEEP = []          # alive until the exit census (atexit)


def main():
    outdir = sys.argv[1]
    KEEP.extend(Api(i) for i in range(1500))
    sp = slotprof_module()
    if sp is not None:
        fact(what="stats0", stats=sp.stats())
        fact(what="snap1", ret=attempt(
            sp.snapshot, os.path.join(outdir, "snap-%p-%n.json")))
        fact(what="snap2", ret=attempt(sp.snapshot))
        os.makedirs(os.path.join(outdir, "sub"))
        os.chdir(os.path.join(outdir, "sub"))
        fact(what="snap3", ret=attempt(sp.snapshot, "rel-%p-%n.json"))
        fact(what="cwd", cwd=os.getcwd())
        rj = attempt(sp.report, "json")
        if "ok" in rj:
            ok = rj["ok"]
            rj = {"type": type(ok).__name__}
            try:
                rj["parsed"] = json.loads(ok)
            except (TypeError, ValueError) as e:
                rj["parse_error"] = str(e)
        fact(what="report_json", ret=rj)
        rt = attempt(sp.report, "text")
        if "ok" in rt:
            rt = {"type": type(rt["ok"]).__name__,
                  "has_api": "__main__.Api" in str(rt["ok"])}
        fact(what="report_text", ret=rt)
        fact(what="report_default", ret={
            "same_kind": attempt(lambda: type(sp.report()).__name__)})
        fact(what="report_xml", ret=attempt(sp.report, "xml"))
        fact(what="stats1", stats=sp.stats())
    print("built %d" % len(KEEP))


if __name__ == "__main__":
    main()
