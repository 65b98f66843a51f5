#!/usr/bin/python3
"""CPython's own regression tests, run with and without slotprof.

    tests/cpython/run.py [options] quick|full INTERPRETER...

The harmlessness suite (docs/harmlessness.md).  For every interpreter and
every test module of the selection, `INTERPRETER -m test MODULE` runs
twice: once without the library (the baseline) and once with it preloaded
in periodic mode (SLOTPROF_OPTIONS=interval=50ms,...), so that censuses
run on a background thread in the middle of the tests.  The two runs must agree exactly:

- regrtest's exit status (run with --fail-env-changed, so a leaked
  thread, file or changed environment counts too);
- every test case's outcome, from regrtest's --junit-xml: ok, FAIL,
  ERROR, skipped, expected failure, unexpected success (a test id present
  on one side only is a difference too);
- the profiled run prints no `slotprof:` line;
- the profiled run really profiled: the main process wrote its exit
  report, every report file is complete JSON, and in periodic mode the
  main process took at least MIN_INTERVAL_CENSUSES interval censuses.

Anything else is a failure, printed with a command line that reproduces
it.  Selections: `quick` (part of `make check`, sized for CI) and `full`
(`make check-cpython`).  Test cases that are nondeterministic even
without the library are excluded (EXCLUSIONS below, each with its
reason); nothing else is.

Options:
  --options OPTS   SLOTPROF_OPTIONS of the profiled runs, without output=
                   (the runner adds output=DIR/r-%p.json).  Default
                   "interval=50ms,text=none".  Without interval= the
                   interleaving check is not made (e.g. to validate the
                   suite against the default exit-census mode).
  --jobs N         runs at once (default 2: the baseline and the profiled
                   run of the same module side by side, same load)
  --only MOD,...   only these modules of the selection
  --keep           keep every run's directory (output, XML, reports);
                   failing runs are always kept

The library: SLOTPROF_IT_NOBUILD=1 takes build/cpython-X.Y.Z/libslotprof.so
as it is (as tests/integration/run.py does); otherwise `make -s lib-path
PYTHON=INTERPRETER` builds it if needed and names it.

Standard library only; run by /usr/bin/python3.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHIMS = os.path.join(HERE, "shims")

# The profiled runs' SLOTPROF_OPTIONS per selection (the runner adds
# output=).  50 ms, not less: a census of a regrtest-sized heap takes
# 20-130 ms on this (loaded, 2-core) machine, and once the interval is
# shorter than a census they run back to back, holding the GIL most of
# the time -- at 20 ms test_multiprocessing_fork's test_thousand (six
# processes meeting at a barrier 1000 times) went from 1 s to 117 s and
# the module past any timeout, at 50 ms it takes 6 s.  Every module still
# sees dozens of censuses (checked: MIN_INTERVAL_CENSUSES).
DEFAULT_OPTIONS = "interval=50ms,text=none"
# A profiled main process must show at least this many censuses taken by
# the interval timer, or the test proved nothing about interleaving.
MIN_INTERVAL_CENSUSES = 2
# regrtest --timeout, for the whole module (faulthandler dumps every
# thread's stack and exits): generous, a profiled run on a loaded machine
# is several times slower than the baseline measured on a quiet one.  The run
# itself is killed RUN_GRACE seconds later as a last resort.
MIN_TIMEOUT = 300
TIMEOUT_FACTOR = 15
RUN_GRACE = 120


class Module:
    """One regrtest module of the suite.

    seconds: its baseline's duration on a quiet machine, roughly (orders
    the runs, longest first, and scales the timeout).  resources:
    regrtest -u.  clears_atexit: interpreter versions (prefixes) whose
    module calls atexit._clear() in the test process itself, which drops
    the library's exit hook: no exit report there, by design of the test.
    """

    def __init__(self, name, seconds, selections, resources=(),
                 clears_atexit=()):
        self.name = name
        self.seconds = seconds
        self.selections = selections
        self.resources = resources
        self.clears_atexit = clears_atexit
        self.timeout = max(MIN_TIMEOUT, int(TIMEOUT_FACTOR * seconds))


# quick: what make check runs on each of the seven interpreters (see
# docs/harmlessness.md for the sizing).  full: make check-cpython: the
# issue's list, then cheap modules close to what the library touches
# (class creation, finalization, threads, fork, _exit paths).
MODULES = [
    Module("test_descr", 0.5, ("quick", "full")),
    Module("test_dataclasses", 0.5, ("quick", "full")),
    Module("test_weakref", 3, ("quick", "full")),
    Module("test_gc", 2, ("quick", "full")),
    Module("test_copy", 0.2, ("quick", "full")),
    Module("test_atexit", 0.5, ("quick", "full"),
           clears_atexit=("3.8.", "3.9.")),
    Module("test_threading", 23, ("quick", "full")),
    Module("test_pickle", 11, ("full",)),
    Module("test_signal", 21, ("full",)),
    Module("test_subprocess", 38, ("full",)),
    Module("test_multiprocessing_fork", 90, ("full",)),
    Module("test_class", 0.3, ("full",)),
    Module("test_finalization", 0.3, ("full",)),
    Module("test_weakset", 1, ("full",)),
    Module("test_sys", 3, ("full",)),
    Module("test_os", 5, ("full",)),
    Module("test_fork1", 1, ("full",)),
    Module("test_wait4", 5, ("full",)),
    Module("test_thread", 3, ("full",)),
    Module("test_threading_local", 2, ("full",)),
    Module("test_faulthandler", 15, ("full",)),
]

# The self-test (shims/test_slotprof_canary.py), run first on the first
# interpreter of every invocation: the comparison must find exactly this.
CANARY = Module("test_slotprof_canary", 0.2, ())
CANARY_DIFF = [("test_slotprof_canary.Canary.test_not_preloaded",
                ["ok"], ["FAIL"])]

# Test cases excluded from both runs because they are nondeterministic
# WITHOUT the library (observed failing intermittently in baseline runs
# on this machine).  (interpreter version prefix or "*", module, test id
# relative to the module, reason).  Deterministic baseline failures are
# not excluded: they must simply fail the same way with the library.
EXCLUSIONS = [
]

# Interpreters whose install lacks a module: run a shim from
# tests/cpython/shims with regrtest --testdir instead (see the shim).
SHIMMED = {
    ("3.11.7", "test_multiprocessing_fork"): "test_multiprocessing_fork_shim",
    ("3.12.1", "test_multiprocessing_fork"): "test_multiprocessing_fork_shim",
}


# ---------------------------------------------------------------- helpers

def clean_env():
    """The environment of both runs, without any Python or profiler
    setting inherited from the caller (make, a developer's shell)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "SLOTPROF_"))
           and k not in ("LD_PRELOAD", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return env


def run_group(argv, env, cwd, timeout, out_path):
    """Run argv in its own session, stdout+stderr to out_path; kill the
    whole process group on timeout.  Returns (rc, pid, seconds)."""
    t0 = time.monotonic()
    with open(out_path, "wb") as out:
        p = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                             stdout=out, stderr=subprocess.STDOUT,
                             start_new_session=True)
        try:
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            rc = "timeout after %ds" % timeout
    # Children that outlived regrtest (they should not): end them too,
    # they are ours.
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except OSError:
        pass
    return rc, p.pid, time.monotonic() - t0


class Interp:
    """One interpreter under test: its version, test directory and
    library, or why it cannot be tested."""

    def __init__(self, path):
        self.path = path
        self.version = None
        self.testdir = None
        self.lib = None
        self.error = None

    def probe(self):
        try:
            out = subprocess.run(
                [self.path, "-c", "import sys, os, test; "
                 "print(sys.version.split()[0]); "
                 "print(os.path.dirname(test.__file__))"],
                env=clean_env(), stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            self.error = "cannot run %s: %s" % (self.path, e)
            return
        if out.returncode != 0:
            self.error = "cannot run %s: %s" % (
                self.path, out.stderr.decode("utf-8", "replace").strip())
            return
        self.version, self.testdir = out.stdout.decode().split("\n")[:2]

    def find_lib(self):
        """As tests/integration/run.py's build_lib."""
        if os.environ.get("SLOTPROF_IT_NOBUILD"):
            self.lib = os.path.join(ROOT, "build", "cpython-" + self.version,
                                    "libslotprof.so")
            if not os.path.isfile(self.lib):
                self.error = "SLOTPROF_IT_NOBUILD: no library at " + self.lib
            return
        # SANITIZE= explicitly: this suite tests the plain library, even
        # when called from `make check SANITIZE=...`.
        p = subprocess.run(["make", "-s", "lib-path", "PYTHON=" + self.path,
                            "SANITIZE="],
                           cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        lines = p.stdout.decode("utf-8", "replace").strip().splitlines()
        if p.returncode != 0 or not lines or not os.path.isfile(lines[-1]):
            self.error = "make lib-path failed: " + "\n".join(lines)[-800:]
            return
        self.lib = os.path.abspath(lines[-1].strip())

    def check_options(self, options, tmp):
        """Does this library accept the options?  One tiny profiled run."""
        env = clean_env()
        env["LD_PRELOAD"] = self.lib
        env["SLOTPROF_OPTIONS"] = "%s,output=%s" % (
            options, os.path.join(tmp, "probe-%p.json"))
        p = subprocess.run([self.path, "-c", "pass"], env=env, cwd=tmp,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
        err = p.stderr.decode("utf-8", "replace").strip()
        if p.returncode != 0 or err:
            if "interval" in options and "unknown option 'interval'" in err:
                self.error = ("interval mode not available in %s (the "
                              "library runs unprofiled): %s" % (self.lib, err))
            else:
                self.error = ("the library does not run with "
                              "SLOTPROF_OPTIONS=%s: rc %s, %s"
                              % (options, p.returncode, err))

    def has(self, module):
        """Is the module installed (or shimmed) for this interpreter?"""
        return (os.path.exists(os.path.join(self.testdir, module + ".py"))
                or os.path.isdir(os.path.join(self.testdir, module))
                or (self.version, module) in SHIMMED)

    def tag(self):
        return self.version + ("-debian" if self.path.startswith("/usr/")
                               else "")


# ---------------------------------------------------------------- one run

STATUS_ORDER = ("ok", "FAIL", "ERROR", "skipped", "expected-failure",
                "unexpected-success")


def parse_junit(path):
    """{test id: [status, ...]} and {test id: detail text} from regrtest's
    --junit-xml.  (Subtest failures are not recorded per case by regrtest's
    result class; they fail the module, which the exit status shows.)"""
    results, details = {}, {}
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        name = case.get("name")
        status, detail = "ok", ""
        if case.get("outcome") == "UNEXPECTED_SUCCESS":
            status = "unexpected-success"
        for child, st in (("error", "ERROR"), ("failure", "FAIL"),
                          ("skipped", "skipped"),
                          ("output", "expected-failure")):
            e = case.find(child)
            if e is not None:
                status = st
                detail = e.text or e.get("message") or ""
                break
        results.setdefault(name, []).append(status)
        if detail:
            details[name] = detail
    return results, details


class Run:
    """One regrtest run: baseline (lib None) or profiled."""

    def __init__(self, interp, module, mode, workdir, options):
        self.interp = interp
        self.module = module
        self.mode = mode
        self.dir = os.path.join(workdir, "%s-%s-%s" % (
            interp.tag(), module.name, mode))
        self.options = options
        self.rc = None
        self.pid = None
        self.seconds = 0.0
        self.results = {}
        self.details = {}
        self.xml_error = None

    def env(self):
        env = clean_env()
        env["TMPDIR"] = os.path.join(self.dir, "tmp")
        if self.mode == "profiled":
            env["LD_PRELOAD"] = self.interp.lib
            env["SLOTPROF_OPTIONS"] = "%s,output=%s" % (
                self.options, os.path.join(self.dir, "r-%p.json"))
        return env

    def argv(self, xml=None):
        name = SHIMMED.get((self.interp.version, self.module.name))
        if self.module is CANARY:
            name = CANARY.name
        argv = [self.interp.path, "-m", "test"]
        if name:
            argv += ["--testdir", SHIMS]
        else:
            name = self.module.name
        argv += [name, "--fail-env-changed",
                 "--timeout", str(self.module.timeout)]
        if self.module.resources:
            argv += ["-u", ",".join(self.module.resources)]
        ignore = excluded(self.interp.version, self.module.name)
        if ignore:
            path = os.path.join(self.dir, "ignore.txt")
            argv += ["--ignorefile", path]
        if xml:
            argv += ["--junit-xml", xml]
        return argv

    def execute(self):
        os.makedirs(os.path.join(self.dir, "tmp"))
        if self.mode == "profiled":
            # test_subprocess runs children as another user (user=,
            # group=, as root): their reports must be writable here too.
            os.chmod(self.dir, 0o1777)
        ignore = excluded(self.interp.version, self.module.name)
        if ignore:
            with open(os.path.join(self.dir, "ignore.txt"), "w") as f:
                f.write("".join("*.%s\n" % t for t in ignore))
        xml = os.path.join(self.dir, "junit.xml")
        self.rc, self.pid, self.seconds = run_group(
            self.argv(xml), self.env(), self.dir,
            self.module.timeout + RUN_GRACE,
            os.path.join(self.dir, "output.txt"))
        try:
            self.results, self.details = parse_junit(xml)
        except (OSError, ET.ParseError) as e:
            self.xml_error = "no junit XML (%s)" % e
        return self

    def output(self):
        with open(os.path.join(self.dir, "output.txt"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def reproducer(self, test_id=None):
        """A shell command line that runs this again by hand."""
        env = ""
        if self.mode == "profiled":
            env = "LD_PRELOAD=%s SLOTPROF_OPTIONS=%s " % (
                self.interp.lib, shlex.quote(
                    self.options + ",output=/tmp/r-%p.json"))
        argv = self.argv()
        if test_id:
            argv += ["-m", test_id]
        return "cd /tmp && " + env + " ".join(shlex.quote(a) for a in argv)


def excluded(version, module):
    return [t for v, m, t, _ in EXCLUSIONS
            if m == module and (v == "*" or version.startswith(v))]


# ---------------------------------------------------------------- compare

def tail(text, n):
    lines = text.rstrip().splitlines()
    return "\n".join("      " + x for x in lines[-n:])


def differing(base, prof):
    """[(test id, outcomes without, outcomes with)] where they differ."""
    diffs = []
    for tid in sorted(set(base.results) | set(prof.results)):
        a = base.results.get(tid, ["absent"])
        b = prof.results.get(tid, ["absent"])
        if a != b:
            diffs.append((tid, a, b))
    return diffs


def compare(base, prof, interval_mode):
    """The differences between the two runs: a list of paragraphs."""
    problems = []
    for r, who in ((base, "without the library"), (prof, "with it")):
        if r.xml_error:
            problems.append("%s: %s; its output ends:\n%s"
                            % (who, r.xml_error, tail(r.output(), 15)))
    if base.rc != prof.rc:
        para = "exit status: without the library %s, with it %s" % (
            base.rc, prof.rc)
        if not prof.xml_error:
            para += "; profiled output ends:\n" + tail(prof.output(), 25)
        problems.append(para)
    # Without one side's XML every test case would be "absent" there: the
    # output above says why.
    diffs = []
    if not (base.xml_error or prof.xml_error):
        diffs = differing(base, prof)
    for tid, a, b in diffs[:10]:
        detail = prof.details.get(tid) or base.details.get(tid) or ""
        para = ("%s: without the library %s, with it %s\n    reproduce: %s"
                % (tid, "/".join(a), "/".join(b),
                   prof.reproducer(tid)))
        if detail:
            para += "\n" + tail(detail, 12)
        problems.append(para)
    if len(diffs) > 10:
        problems.append("... and %d more differing test cases"
                        % (len(diffs) - 10))
    lines = [x for x in prof.output().splitlines()
             if x.lstrip().startswith("slotprof:")]
    if lines:
        problems.append("the library printed:\n" + "\n".join(
            "      " + x for x in lines[:10]))
    problems += check_reports(prof, interval_mode)
    return problems


def check_reports(prof, interval_mode):
    """The reports the profiled run's processes wrote."""
    problems = []
    reports = [f for f in os.listdir(prof.dir)
               if re.match(r"r-\d+\.json$", f)]
    prof.nreports = len(reports)
    prof.censuses = None
    for f in reports:
        try:
            with open(os.path.join(prof.dir, f), "rb") as fp:
                json.loads(fp.read().decode("utf-8"))
        except (OSError, ValueError) as e:
            problems.append("report %s is not complete JSON: %s" % (f, e))
    main = os.path.join(prof.dir, "r-%d.json" % prof.pid)
    try:
        with open(main, "rb") as fp:
            rep = json.loads(fp.read().decode("utf-8"))
    except (OSError, ValueError) as e:
        problems.append("the main process (pid %d) wrote no report: %s"
                        % (prof.pid, e))
        return problems
    prof.censuses = rep.get("censuses")
    # (A run that timed out ended in faulthandler's _exit() without the
    # GIL: its last snapshot is all there is, and the failure is above.)
    if not prof.xml_error and rep.get("kind", "exit") != "exit" and \
            not prof.interp.version.startswith(prof.module.clears_atexit):
        problems.append("the main process's report is a %r, not the exit "
                        "report" % rep.get("kind"))
    if interval_mode:
        triggers = (rep.get("series") or {}).get("trigger") or []
        n = triggers.count("interval")
        prof.interval_censuses = n
        if (rep.get("sampling") or {}).get("interval_seconds") is None:
            problems.append("the main process's report has no "
                            "sampling.interval_seconds: not periodic mode")
        # Modules shorter than a second may fit in a few ticks: the
        # count is printed, the long ones must show it.
        if n < MIN_INTERVAL_CENSUSES and prof.module.seconds >= 1:
            problems.append(
                "censuses did not interleave: the main process's series "
                "shows %d interval censuses (of %s censuses; need >= %d)"
                % (n, prof.censuses, MIN_INTERVAL_CENSUSES))
    return problems


def selftest(interp, workdir, options):
    """Run the canary pair; None if the comparison sees exactly the one
    difference planted in it, else what went wrong."""
    base = Run(interp, CANARY, "baseline", workdir, options).execute()
    prof = Run(interp, CANARY, "profiled", workdir, options).execute()
    diffs = differing(base, prof)
    if base.xml_error or prof.xml_error or base.rc != 0 or prof.rc == 0 \
            or diffs != CANARY_DIFF:
        return ("the comparison did not see the planted difference: exit "
                "status %s / %s, differences %r, %s"
                % (base.rc, prof.rc, diffs,
                   base.xml_error or prof.xml_error or "kept in " + workdir))
    shutil.rmtree(base.dir, ignore_errors=True)
    shutil.rmtree(prof.dir, ignore_errors=True)
    return None


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("selection", choices=("quick", "full"))
    ap.add_argument("interpreters", nargs="+")
    ap.add_argument("--options", default=DEFAULT_OPTIONS)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default="")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    if "output=" in args.options:
        ap.error("--options: leave output= out, the runner sets it")
    interval_mode = bool(re.search(r"(^|,)interval=", args.options))
    modules = [m for m in MODULES if args.selection in m.selections]
    if args.only:
        only = args.only.split(",")
        unknown = set(only) - {m.name for m in modules}
        if unknown:
            ap.error("--only: not in the %s selection: %s"
                     % (args.selection, ", ".join(sorted(unknown))))
        modules = [m for m in modules if m.name in only]

    t0 = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="cpyt-")
    os.chmod(workdir, 0o755)
    interps = [Interp(p) for p in args.interpreters]
    for it in interps:
        it.probe()
        if not it.error:
            it.find_lib()
        if not it.error:
            it.check_options(args.options, workdir)

    print("cpython suite: %s selection, %d modules x %d interpreters, "
          "SLOTPROF_OPTIONS=%s,output=..., %d jobs, in %s"
          % (args.selection, len(modules), len(interps), args.options,
             args.jobs, workdir), flush=True)

    # Longest modules first; the two runs of a pair side by side.
    pairs = [(it, m) for m in sorted(modules, key=lambda m: -m.seconds)
             for it in interps if not it.error and it.has(m.name)]
    for it in interps:
        for m in modules:
            if not it.error and not it.has(m.name):
                print("skip %-14s %-26s not installed in %s"
                      % (it.tag(), m.name, it.testdir), flush=True)
    failed = [it for it in interps if it.error]
    for it in failed:
        print("FAIL %s (%s): %s" % (it.tag() if it.version else "?",
                                    it.path, it.error), flush=True)

    working = [it for it in interps if not it.error]
    if working:
        problem = selftest(working[0], workdir, args.options)
        print("%-4s %-14s %-26s %s" % (
            "FAIL" if problem else "ok", working[0].tag(), "self-test",
            problem or "a test failing only under the library is "
            "reported"), flush=True)
        if problem:
            failed.append("selftest")

    lock = threading.Lock()
    results = {}

    def finish(it, m):
        base, prof = results[(it, m, "baseline")], results[(it, m, "profiled")]
        problems = compare(base, prof, interval_mode)
        counts = {}
        for sts in prof.results.values():
            for s in sts:
                counts[s] = counts.get(s, 0) + 1
        summary = ", ".join("%d %s" % (counts[s], s)
                            for s in STATUS_ORDER if s in counts)
        extra = ""
        if getattr(prof, "censuses", None) is not None:
            extra = ", %s censuses" % prof.censuses
            if interval_mode:
                extra += " (%d interval)" % getattr(
                    prof, "interval_censuses", 0)
            extra += ", %d reports" % prof.nreports
        line = "%-4s %-14s %-26s rc %s, %s; %.1fs / %.1fs%s" % (
            "FAIL" if problems else "ok", it.tag(), m.name, prof.rc,
            summary or "no test cases", base.seconds, prof.seconds, extra)
        with lock:
            print(line, flush=True)
            for p in problems:
                print("  - " + p, flush=True)
            if problems:
                print("  kept: %s\n        %s" % (base.dir, prof.dir),
                      flush=True)
        if problems:
            failed.append((it, m))
        elif not args.keep:
            shutil.rmtree(base.dir, ignore_errors=True)
            shutil.rmtree(prof.dir, ignore_errors=True)

    def job(it, m, mode):
        r = Run(it, m, mode, workdir, args.options).execute()
        with lock:
            results[(it, m, mode)] = r
            done = (it, m, "baseline") in results and \
                (it, m, "profiled") in results
        if done:
            finish(it, m)

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        futures = [ex.submit(job, it, m, mode) for it, m in pairs
                   for mode in ("baseline", "profiled")]
        for f in futures:
            f.result()

    minutes = (time.monotonic() - t0) / 60
    if not failed and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    print("cpython suite: %s: %d of %d module runs differ, %d interpreters "
          "failed to start%s; %.1f minutes (load average %.1f)"
          % ("FAIL" if failed else "ok",
             sum(1 for f in failed if isinstance(f, tuple)), len(pairs),
             sum(1 for f in failed if isinstance(f, Interp)),
             ", the self-test failed" if "selftest" in failed else "",
             minutes, os.getloadavg()[1]), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
