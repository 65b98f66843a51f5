#!/usr/bin/python3
"""The acid test of issue 9 on real programs: plans called safe, applied,
must not break the program on other inputs.

    /usr/bin/python3 tests/apps/run.py --lib LIB [--python PY]
        [-k NAME] [-j JOBS] [--out DIR] [--keep] [--with-review]

(`make check-apps` builds the library for APPS_PYTHON, /usr/bin/python3.11
by default, and runs this.)

Debian's pure-Python packages -- pyflakes, docutils (with roman) and
PyYAML (without its C extension) -- are copied into a temporary project
directory, so their classes are the user's own code, not an installed
package.  For each library:

  1. its workload (tests/apps/workloads/) runs on input A under the
     library: the JSON report;
  2. two selections of that report's plans: every class `recommended`
     and "safe" (the acid test of the issue), and every class "safe"
     whether recommended or not (the verdict claims the same for both);
  3. the workload runs on input A and on input B (other files, other
     documents) with the selection applied (tests/integration/
     apply_plan.py) and without: exit status, stdout and stderr must be
     identical.  When a run differs, the plans that make it differ are
     found -- the class an exception names ("'FunctionScope' object
     attribute ..."), otherwise by halving the selection -- recorded as
     broken (exception, message, file:line, or the first line of output
     that differs), left out, and the run repeated, so one report lists
     every plan that breaks.

Also, PyYAML composing a large document must keep Mark, ScalarNode and
MappingNode recommended and safe (issue 9, "No loss of true
positives").

Prints a table (library, selection, classes safe, plan steps applied,
result on A and on B) and the evidence of every failure; writes the
table and the reports to DIR (build/apps).  Exit status 1 if any plan
broke a run, a true positive was lost, or a run could not be made.
No timing assertions.  Standard library only (runs under
/usr/bin/python3).
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORKLOADS = os.path.join(HERE, "workloads")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import apply_plan  # noqa: E402  (tests/integration)

DIST_PACKAGES = "/usr/lib/python3/dist-packages"
TIMEOUT = 600
MAX_PEEL = 12          # reruns after leaving plans out, per selection


class App:
    def __init__(self, name, packages, workload, debian, true_positives=()):
        self.name = name
        self.packages = packages        # names under DIST_PACKAGES
        self.workload = workload        # file in WORKLOADS
        self.debian = debian            # the Debian packages they come from
        self.true_positives = list(true_positives)


APPS = [
    App("pyflakes", ["pyflakes"], "pyflakes_run.py", ["python3-pyflakes"]),
    App("docutils", ["docutils", "roman.py"], "docutils_run.py",
        ["python3-docutils", "python3-roman"]),
    App("PyYAML", ["yaml"], "yaml_run.py", ["python3-yaml"],
        true_positives=[("yaml.error", "Mark"), ("yaml.nodes", "ScalarNode"),
                        ("yaml.nodes", "MappingNode")]),
]

SELECTIONS = [
    ("recommended", "recommended and safe"),
    ("every", "every safe class"),
]
# --with-review: also the plans of recommended classes in review, whose
# failures are listed but not counted (a review plan may rightly need
# the edit its warning asks for).
REVIEW = ("review", "recommended, safe or review")


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


# ---------------------------------------------------------------- runs

def base_env():
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_PRELOAD", "SLOTPROF_OPTIONS", "PYTHONPATH",
                        "PYTHONSTARTUP", "PYTHONHOME", "PYTHONMALLOC",
                        "SLOTPROF_SESSION")
           and not k.startswith("SLOTPROF_TEST_APPLY")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONHASHSEED"] = "0"
    env["LC_ALL"] = "C.UTF-8"
    return env


class Proc:
    def __init__(self, rc, out, err, seconds):
        self.rc, self.out, self.err, self.seconds = rc, out, err, seconds

    def brief(self):
        err = self.err.decode("utf-8", "replace").strip()
        return "rc=%s stderr=%r" % (self.rc, err[-800:])


def run(argv, env, cwd):
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=TIMEOUT)
        return Proc(p.returncode, p.stdout, p.stderr,
                    time.monotonic() - t0)
    except subprocess.TimeoutExpired as e:
        return Proc("timeout", e.stdout or b"", (e.stderr or b"")
                    + b"\n[killed after %d s]" % TIMEOUT,
                    time.monotonic() - t0)


_FILE_LINE = re.compile(r'^\s*File "([^"]+)", line (\d+)')
_CLASS_IN_MESSAGE = re.compile(r"'([A-Za-z_][A-Za-z_0-9]*)' object")


def exception_of(err, project):
    """(exception line, where, class named) of the last traceback."""
    lines = err.decode("utf-8", "replace").splitlines()
    own = inner = None
    for line in lines:
        m = _FILE_LINE.match(line)
        if not m or os.path.basename(m.group(1)) in ("apply_plan.py",
                                                     "sitecustomize.py"):
            continue
        path = os.path.abspath(m.group(1))
        short = os.path.relpath(path, project) \
            if path.startswith(project + os.sep) else path
        inner = "%s:%s" % (short, m.group(2))
        if path.startswith(project + os.sep):
            own = inner
    where = own or inner
    if own and inner != own:
        where += " (innermost %s)" % inner
    tail = [l for l in lines if l.strip() and not l[:1].isspace()
            and not l.startswith("Traceback")]
    exc = tail[-1] if tail else None
    named = None
    if exc:
        m = _CLASS_IN_MESSAGE.search(exc)
        named = m.group(1) if m else None
    return exc, where, named


def first_difference(a, b):
    la = a.decode("utf-8", "replace").splitlines()
    lb = b.decode("utf-8", "replace").splitlines()
    for k in range(max(len(la), len(lb))):
        x = la[k] if k < len(la) else "<no line>"
        y = lb[k] if k < len(lb) else "<no line>"
        if x != y:
            return "line %d: %r -> %r" % (k + 1, x[:200], y[:200])
    return None


# ---------------------------------------------------------------- one app

class Outcome:
    """What one selection did to one path."""

    def __init__(self):
        self.broken = []        # (class key(s), evidence)
        self.unattributed = None
        self.steps = 0
        self.applied = 0
        self.runs = 0

    def ok(self):
        return not self.broken and self.unattributed is None

    def cell(self):
        if self.ok():
            return "ok"
        parts = []
        for k, ev in self.broken:
            m = re.search(r"\b(\w+(Error|Exception))\b", ev or "")
            parts.append("%s: %s" % (", ".join(
                x.split(":")[-1] for x in k.split(" + ")),
                m.group(1) if m else "output differs"))
        if self.unattributed:
            parts.append("unattributed")
        return "FAIL " + ", ".join(parts)


def copy_project(app, project):
    for name in app.packages:
        src = os.path.join(DIST_PACKAGES, name)
        dst = os.path.join(project, name)
        if os.path.isdir(src):
            # .py only: PyYAML's _yaml extension stays behind, so yaml
            # takes its pure-Python path.
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns(
                "__pycache__", "*.so"))
        elif os.path.isfile(src):
            shutil.copy2(src, dst)
        else:
            raise RuntimeError("%s is missing (apt-get install %s)"
                               % (src, " ".join(app.debian)))
    shutil.copy2(os.path.join(WORKLOADS, app.workload),
                 os.path.join(project, app.workload))


def select(report, selection, exclude):
    if selection == "recommended":
        chosen = apply_plan.select_classes(report, ("safe",))
    elif selection == "review":
        chosen = apply_plan.select_classes(report, ("safe", "review"))
    else:
        chosen = [c for c in report.get("classes") or []
                  if c.get("verdict") == "safe"]
    return [c for c in chosen
            if apply_plan.class_key(c["module"], c["qualname"])
            not in exclude]


def culprits(chosen, named):
    """The selected classes whose plan slots class `named` itself."""
    return [apply_plan.class_key(c["module"], c["qualname"])
            for c in chosen
            if any(s.get("qualname", "").split(".")[-1] == named
                   for s in c.get("plan") or [])]


class Trial:
    """Runs of one path with chosen plans applied, against the plain
    run."""

    def __init__(self, args, app, project, report_path, path, plain, tag):
        self.argv = [args.python, os.path.join(project, app.workload), path]
        self.project = project
        self.report_path = report_path
        self.plain = plain
        self.tag = "%s-%s" % (tag, path)
        self.runs = 0

    def __call__(self, chosen):
        """(evidence or None, class named by the exception, result)."""
        keys = [(c["module"], c["qualname"]) for c in chosen]
        self.runs += 1
        res = os.path.join(self.project, "applied-%s-%d.json"
                           % (self.tag, self.runs))
        env = apply_plan.child_env(base_env(), self.report_path,
                                   classes=keys, result=res)
        p = run(self.argv, env, self.project)
        result = apply_plan.read_result(res)
        if result is None:
            return "the plan was not installed: " + p.brief(), None, None
        plain = self.plain
        if (p.rc, p.out, p.err) == (plain.rc, plain.out, plain.err):
            return None, None, result
        exc, where, named = exception_of(p.err, self.project)
        diff = []
        if p.rc != plain.rc:
            diff.append("exit status %s -> %s" % (plain.rc, p.rc))
        if exc and p.err != plain.err:
            diff.append("%s at %s" % (exc, where))
        elif p.err != plain.err:
            diff.append("stderr " + str(first_difference(plain.err, p.err)))
        if p.out != plain.out:
            diff.append("stdout " + str(first_difference(plain.out, p.out)))
        return "; ".join(diff), named, result


def bisect(trial, chosen, budget):
    """Groups of plans that each make the run differ on their own (one
    class each, or a group that breaks only together): [(keys, evidence)].
    `chosen` is known to differ."""
    if len(chosen) == 1 or budget[0] <= 0:
        ev, _, _ = trial(chosen)
        budget[0] -= 1
        return [(chosen, ev)]
    half = len(chosen) // 2
    found = []
    parts = [chosen[:half], chosen[half:]]
    differing = []
    for part in parts:
        ev, _, _ = trial(part)
        budget[0] -= 1
        if ev is not None:
            differing.append(part)
    if not differing:
        return [(chosen, "only together: the plans of %d classes"
                 % len(chosen))]
    for part in differing:
        found += bisect(trial, part, budget)
    return found


def key_of(c):
    return apply_plan.class_key(c["module"], c["qualname"])


def try_selection(args, app, project, report_path, report, selection,
                  path, plain, tag):
    """Apply the selection to a path; when the run differs, find the
    plans that make it differ (the class an exception names, else by
    halving the selection), record them, leave them out, run again."""
    o = Outcome()
    exclude = set()
    trial = Trial(args, app, project, report_path, path, plain, tag)
    budget = [3 * MAX_PEEL]
    for attempt in range(MAX_PEEL + 1):
        chosen = select(report, selection, exclude)
        if attempt == 0:
            keys = [(c["module"], c["qualname"]) for c in chosen]
            steps, _, _ = apply_plan.select_steps(report, classes=keys)
            o.steps = len(steps)
        if not chosen:
            break
        ev, named, result = trial(chosen)
        if attempt == 0 and result is not None:
            o.applied = sum(1 for s in result["steps"] if s["applied"] > 0)
        if ev is None:
            break
        if result is None:
            o.unattributed = ev
            break
        guilty = culprits(chosen, named) if named else []
        if guilty:
            for g in guilty:
                o.broken.append((g, ev))
                exclude.add(g)
            continue
        groups = bisect(trial, chosen, budget)
        progress = False
        for group, gev in groups:
            if gev is None:
                continue
            o.broken.append((" + ".join(key_of(c) for c in group), gev))
            exclude.update(key_of(c) for c in group)
            progress = True
        if not progress or budget[0] <= 0:
            o.unattributed = ev
            break
    o.runs = trial.runs
    return o


def run_app(args, app):
    """Everything for one library; returns (rows, problems, notes)."""
    project = tempfile.mkdtemp(prefix="slotprof-apps-%s-" % app.name)
    rows, problems, notes = [], [], []
    try:
        copy_project(app, project)
        report_path = os.path.join(args.out, "%s-report.json" % app.name)
        wl = os.path.join(project, app.workload)
        env = base_env()
        env["LD_PRELOAD"] = args.lib
        env["SLOTPROF_OPTIONS"] = "output=%s,text=none" % report_path
        prof = run([args.python, wl, "A"], env, project)
        plain = {p: run([args.python, wl, p], base_env(), project)
                 for p in ("A", "B")}
        for p in ("A", "B"):
            if plain[p].rc != 0:
                problems.append("%s: input %s fails without the library: %s"
                                % (app.name, p, plain[p].brief()))
        if prof.rc != 0 or prof.out != plain["A"].out:
            problems.append("%s: input A under the library: %s%s" % (
                app.name, prof.brief(), "" if prof.out == plain["A"].out
                else "; stdout differs from the plain run"))
        if problems:
            return rows, problems, notes
        with open(report_path) as f:
            report = json.load(f)
        census = report.get("census") or {}
        notes.append("%s: profiled A in %.1f s (plain %.1f s); the report "
                     "shows the %s census at %.2f s, %d censuses" % (
                         app.name, prof.seconds, plain["A"].seconds,
                         census.get("trigger"), census.get("at_seconds")
                         or 0, report.get("censuses") or 0))
        for module, qualname in app.true_positives:
            c = [x for x in report.get("classes") or []
                 if (x.get("module"), x.get("qualname"))
                 == (module, qualname)]
            if not c or c[0].get("recommended") is not True \
                    or c[0].get("verdict") != "safe":
                problems.append(
                    "%s: true positive lost: %s.%s is %s" % (
                        app.name, module, qualname,
                        "not in the report" if not c else
                        "recommended=%s verdict=%s" % (
                            c[0].get("recommended"), c[0].get("verdict"))))
        for sel, label in SELECTIONS + ([REVIEW] if args.with_review
                                         else []):
            chosen = select(report, sel, set())
            outs = {}
            for p in ("A", "B"):
                outs[p] = try_selection(args, app, project, report_path,
                                        report, sel, p, plain[p], sel)
            rows.append((app.name, label, len(chosen), outs))
            sink = notes if sel == "review" else problems
            for p in ("A", "B"):
                o = outs[p]
                for k, ev in o.broken:
                    sink.append("%s%s, %s, input %s: plan of %s breaks: %s"
                                % ("(not counted) " if sink is notes else "",
                                   app.name, label, p, k, ev))
                if o.unattributed:
                    sink.append("%s%s, %s, input %s: %s" % (
                        "(not counted) " if sink is notes else "",
                        app.name, label, p, o.unattributed))
        return rows, problems, notes
    except (OSError, ValueError, RuntimeError, KeyError) as e:
        problems.append("%s: %s: %s" % (app.name, type(e).__name__, e))
        return rows, problems, notes
    finally:
        if args.keep:
            log("kept %s" % project)
        else:
            shutil.rmtree(project, ignore_errors=True)


def table(rows):
    head = ("library", "selection", "classes safe", "steps applied",
            "input A", "input B")
    body = []
    for name, label, n, outs in rows:
        body.append((name, label, str(n),
                     "%d/%d" % (outs["B"].applied, outs["B"].steps),
                     outs["A"].cell(), outs["B"].cell()))
    widths = [max(len(r[k]) for r in [head] + body) for k in range(6)]
    fmt = "  ".join("%%-%ds" % w for w in widths)
    lines = [fmt % head, fmt % tuple("-" * w for w in widths)]
    lines += [fmt % r for r in body]
    return "\n".join(l.rstrip() for l in lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lib", required=True,
                    help="libslotprof.so built for --python")
    ap.add_argument("--python", default="/usr/bin/python3.11")
    ap.add_argument("-k", dest="pattern", default="",
                    help="only libraries whose name contains this")
    ap.add_argument("-j", dest="jobs", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "apps"))
    ap.add_argument("--keep", action="store_true",
                    help="keep the project directories")
    ap.add_argument("--with-review", action="store_true",
                    help="also apply the plans in review (listed, not "
                    "counted)")
    args = ap.parse_args()
    args.lib = os.path.abspath(args.lib)
    args.out = os.path.abspath(args.out)
    os.makedirs(args.out, exist_ok=True)
    if not os.path.isfile(args.lib):
        log("check-apps: no library at %s" % args.lib)
        return 1
    t0 = time.monotonic()
    apps = [a for a in APPS if args.pattern.lower() in a.name.lower()]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        results = list(ex.map(lambda a: run_app(args, a), apps))
    rows = [r for rs, _, _ in results for r in rs]
    problems = [p for _, ps, _ in results for p in ps]
    notes = [n for _, _, ns in results for n in ns]
    text = table(rows)
    text += "\n\n" + "\n".join(notes)
    if problems:
        text += "\n\nfailures:\n" + "\n".join("  " + p for p in problems)
    text += "\n\ncheck-apps: %s, %.0f s, %s\n" % (
        os.path.basename(args.python), time.monotonic() - t0,
        "%d failures" % len(problems) if problems else "all plans held")
    print(text, end="")
    with open(os.path.join(args.out, "table.txt"), "w") as f:
        f.write(text)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
