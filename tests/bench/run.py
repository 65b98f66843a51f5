#!/usr/bin/python3
"""slotprof overhead benchmark (make bench).

Usage: run.py [options] INTERPRETER...

For each interpreter and each workload (tests/bench/workloads/), runs the
program plain and under the library in each mode, interleaved: one round
is plain and each mode asked for (rotated by one every round, so no
mode always runs first or right after another), repeated --repeat times.
Reports, per mode, the ratios of the medians against the plain runs of
the same invocation:

- wall: elapsed time from fork to reaping the child;
- CPU: user + system time of the child (os.wait4's rusage);
- RSS: the child's peak resident set (ru_maxrss);

with the targets beside them, plus the library's own figures from its
JSON report (censuses, seconds spent in censuses).  Then the census pause:
a program with ~1.5 million live GC objects takes one census, and the
bench prints nanoseconds per visited object.

Timing is reported, never asserted (the machine is noisy).  The exit
status is 1 only when a run failed: a non-zero exit status, a signal, or
stdout/stderr that differ from the plain run's (the library must not
change the program's output) -- or when an interpreter or its library is
missing.

The harness uses the standard library only and runs under /usr/bin/python3.
The workloads use Debian's pyflakes and docutils: the harness copies them
(with roman, which docutils needs) into BUILD/bench/pylib and puts that on
PYTHONPATH, so every interpreter runs the same pure-Python code.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORKLOADS_DIR = os.path.join(HERE, "workloads")
DIST_PACKAGES = "/usr/lib/python3/dist-packages"
PYLIB_PACKAGES = ("pyflakes", "docutils", "roman.py")

# What the library runs with in each mode.  text=none: the human report
# would go to stderr, which the bench compares with the plain run's.
MODES = {
    "plain": None,
    "default": "output={json},text=none",
    "dormant": "dormant,allocs=off,output={json},text=none",
    "interval": "interval=1s,output={json},text=none",
    # Allocation counting alone, then with stacks sampled at the default
    # rate (docs/allocations.md): no census in either.
    "counting": "dormant,sample_every=0,output={json},text=none",
    "sites": "dormant,output={json},text=none",
}
ALL_LIB_MODES = ("default", "dormant", "interval", "counting", "sites")

# Targets from the issues: wall ratio per mode, peak RSS ratio.
WALL_TARGET = {"default": 1.03, "dormant": 1.03, "interval": 1.05,
               "counting": 1.05, "sites": 1.10}
RSS_TARGET = 1.02
CENSUS_NS_TARGET = 25.0          # per visited object, CPython 3.12+

# The pyflakes input: Debian's Python 3.11 standard library (the same
# files for every interpreter).
PYFLAKES_DIRS = ("email", "asyncio", "xml", "multiprocessing", "unittest")
PYFLAKES_STDLIB = "/usr/lib/python3.11"


def workloads(args):
    """name -> (argv after the interpreter, description)."""
    w = os.path.join
    return {
        "pyflakes": (
            [w(WORKLOADS_DIR, "pyflakes_stdlib.py")]
            + [w(PYFLAKES_STDLIB, d) for d in PYFLAKES_DIRS],
            "pyflakes over %s/{%s}" % (PYFLAKES_STDLIB,
                                       ",".join(PYFLAKES_DIRS))),
        "docutils": (
            [w(WORKLOADS_DIR, "docutils_render.py"),
             str(args.docutils_sections)],
            "docutils: %d-section generated reST -> HTML5"
            % args.docutils_sections),
        "objchurn": (
            [w(WORKLOADS_DIR, "objchurn.py"), str(args.churn_rounds)],
            "object churn: %d rounds x 20,000 groups, 1/8 kept alive"
            % args.churn_rounds),
        # Not in the default set: the fixed cost per process.
        "startup": (
            [w(WORKLOADS_DIR, "startup.py"), str(args.startup_children)],
            "start-up: %d child interpreters running `-c pass`, one after "
            "the other (all profiled)" % args.startup_children),
    }


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


# ------------------------------------------------------------------ setup

def prepare_pylib(workdir):
    """Copy pyflakes, docutils and roman out of dist-packages (once)."""
    pylib = os.path.join(workdir, "pylib")
    stamp = os.path.join(pylib, ".complete")
    if os.path.exists(stamp):
        return pylib
    shutil.rmtree(pylib, ignore_errors=True)
    os.makedirs(pylib)
    complete = True
    for name in PYLIB_PACKAGES:
        src = os.path.join(DIST_PACKAGES, name)
        dst = os.path.join(pylib, name)
        if os.path.isdir(src):
            shutil.copytree(src, dst,
                            ignore=shutil.ignore_patterns("__pycache__"))
        elif os.path.exists(src):
            shutil.copy2(src, dst)
        else:
            log("bench: %s is missing (apt-get install python3-pyflakes "
                "python3-docutils python3-roman)" % src)
            complete = False
    if complete:
        open(stamp, "w").close()
    return pylib


def base_env(workdir, pylib):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLOTPROF_", "PYTHON"))
           and k != "LD_PRELOAD"}
    env["PYTHONPATH"] = pylib
    env["PYTHONPYCACHEPREFIX"] = os.path.join(workdir, "pycache")
    env["PYTHONHASHSEED"] = "0"
    return env


def interpreter_version(interp):
    try:
        out = subprocess.run(
            [interp, "-c", "import sys; print(sys.version.split()[0])"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    except (OSError, subprocess.TimeoutExpired):
        return None
    v = out.stdout.decode().strip()
    return v if out.returncode == 0 and v else None


def probe_mode(interp, lib, mode, env, tmp):
    """None if the library accepts the mode's options, else the reason."""
    path = os.path.join(tmp, "probe.json")
    e = dict(env, LD_PRELOAD=lib,
             SLOTPROF_OPTIONS=MODES[mode].format(json=path))
    r = subprocess.run([interp, "-c", "pass"], env=e, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    err = r.stderr.decode(errors="replace").strip()
    if r.returncode != 0 or err:
        return err.splitlines()[0] if err else "exit status %d" % r.returncode
    return None


def machine_info():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = "%.0f GiB RAM" % (kb / 1048576)
    except (OSError, ValueError, IndexError):
        pass
    distro = ""
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    distro = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return "%s, %d CPUs, %s; %s, Linux %s" % (
        model, os.cpu_count() or 0, mem, distro, platform.release())


# -------------------------------------------------------------------- runs

class Run:
    __slots__ = ("mode", "wall", "cpu", "rss_kib", "status", "stdout",
                 "stderr", "report")


def run_once(interp, argv, env, lib, mode, tmp, timeout):
    json_path = os.path.join(tmp, "report.json")
    if os.path.exists(json_path):
        os.unlink(json_path)
    e = dict(env)
    if mode != "plain":
        e["LD_PRELOAD"] = lib
        e["SLOTPROF_OPTIONS"] = MODES[mode].format(json=json_path)
    out_path = os.path.join(tmp, "stdout")
    err_path = os.path.join(tmp, "stderr")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([interp] + argv, env=e, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err, cwd=tmp)
        # A blocking wait4 (exact, and no polling wakeups competing with
        # the child on a 2-core machine); a timer kills a hung child.
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, ru = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
    r = Run()
    r.mode = mode
    r.wall = wall
    r.cpu = ru.ru_utime + ru.ru_stime
    r.rss_kib = ru.ru_maxrss
    r.status = proc.returncode
    with open(out_path, "rb") as f:
        r.stdout = f.read()
    with open(err_path, "rb") as f:
        r.stderr = f.read()
    r.report = None
    if os.path.exists(json_path):
        try:
            with open(json_path) as f:
                r.report = json.load(f)
        except (OSError, ValueError) as exc:
            r.report = {"error": str(exc)}
    return r


def describe_status(status):
    return "killed by signal %d" % -status if status < 0 \
        else "exit status %d" % status


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# ------------------------------------------------------------- the bench

class Bench:
    def __init__(self, args):
        self.args = args
        self.problems = []
        self.rows = []          # workload results
        self.census_rows = []   # census pause results
        self.notes = []

    def problem(self, msg):
        self.problems.append(msg)
        log("bench: PROBLEM: " + msg)

    def check_run(self, label, run, plain):
        """The library must not change what the program does."""
        if run.status != 0:
            self.problem("%s: %s; stderr: %s" % (
                label, describe_status(run.status),
                run.stderr.decode(errors="replace")[-500:].strip()))
            return False
        if plain is None:
            return True
        ok = True
        if run.stdout != plain.stdout:
            self.problem("%s: stdout differs from the plain run's "
                         "(%d bytes vs %d)" % (label, len(run.stdout),
                                               len(plain.stdout)))
            ok = False
        if run.stderr != plain.stderr:
            self.problem("%s: stderr differs from the plain run's: %s" % (
                label, run.stderr.decode(errors="replace")[:300].strip()))
            ok = False
        return ok

    def workload(self, interp, version, lib, modes, name, argv, env, tmp):
        args = self.args
        log("bench: %s %s: warm-up" % (version, name))
        warm = run_once(interp, argv, env, lib, "plain", tmp, args.timeout)
        if not self.check_run("%s %s plain warm-up" % (version, name),
                              warm, None):
            return
        reference = warm
        order = ["plain"] + list(modes)
        runs = {m: [] for m in order}
        for r in range(args.repeat):
            k = r % len(order)
            rot = order[k:] + order[:k]
            for mode in rot:
                run = run_once(interp, argv, env, lib, mode, tmp,
                               args.timeout)
                label = "%s %s %s #%d" % (version, name, mode, r + 1)
                if self.check_run(label, run, reference):
                    runs[mode].append(run)
                log("bench: %-40s wall %6.3f s  cpu %6.3f s  rss %7.1f MiB%s"
                    % (label, run.wall, run.cpu, run.rss_kib / 1024.0,
                       census_note(run.report)))
        plain = runs["plain"]
        if not plain:
            return
        pw = median([r.wall for r in plain])
        pc = median([r.cpu for r in plain])
        pr = median([r.rss_kib for r in plain])
        noise = (max(r.wall for r in plain) - min(r.wall for r in plain)) \
            / pw if pw else None
        for mode in order:
            rs = runs[mode]
            row = {"interpreter": version, "workload": name, "mode": mode,
                   "runs": len(rs), "plain_wall": pw, "plain_cpu": pc,
                   "plain_rss_kib": pr, "plain_noise": noise}
            if not rs:
                row["missing"] = "all runs failed"
                self.rows.append(row)
                continue
            w = median([r.wall for r in rs])
            c = median([r.cpu for r in rs])
            m = median([r.rss_kib for r in rs])
            row.update({
                "wall": w, "cpu": c, "rss_kib": m,
                "wall_ratio": w / pw, "cpu_ratio": c / pc if pc else None,
                "rss_ratio": m / pr if pr else None,
                "walls": [r.wall for r in rs], "cpus": [r.cpu for r in rs],
                "rss_kibs": [r.rss_kib for r in rs],
            })
            reps = [r.report for r in rs if r.report and "error" not in r.report]
            if mode != "plain":
                row["reports"] = len(reps)
                row["censuses"] = median([x.get("censuses") for x in reps])
                row["census_seconds"] = median(
                    [x.get("census_seconds_total") for x in reps])
                row["censuses_aborted"] = median(
                    [x.get("censuses_aborted") for x in reps])
                row["profiler_bytes"] = median(
                    [x.get("profiler_bytes") for x in reps])
            self.rows.append(row)

    def census(self, interp, version, lib, env, tmp):
        args = self.args
        script = os.path.join(WORKLOADS_DIR, "census_pause.py")
        snap = os.path.join(tmp, "snapshot.json")
        base = [script, str(args.census_millions), snap]
        api = {"ns": [], "visited": [], "seconds": [], "cpu": [],
               "cpu_ns": []}
        ext = {"ns": [], "visited": [], "seconds": []}
        plain_walls, exit_walls = [], []
        reference = None
        for r in range(args.census_repeat):
            kinds = ("plain", "exit", "api")
            k = r % 3
            for kind in kinds[k:] + kinds[:k]:
                if os.path.exists(snap):
                    os.unlink(snap)
                mode = "plain" if kind == "plain" else "default"
                run = run_once(interp, base + [kind if kind != "plain"
                                                else "exit"],
                               env, lib, mode, tmp, args.timeout)
                label = "%s census %s #%d" % (version, kind, r + 1)
                if run.status != 0:
                    self.check_run(label, run, None)
                    continue
                if reference is None and kind == "plain":
                    reference = run
                if reference is not None and run.stdout != reference.stdout:
                    self.problem("%s: stdout differs from the plain run's"
                                 % label)
                    continue
                note = ""
                if kind == "plain":
                    plain_walls.append(run.wall)
                elif kind == "exit":
                    exit_walls.append(run.wall)
                    c = (run.report or {}).get("census") or {}
                    if c.get("trigger") == "exit" and c.get("objects_visited"):
                        ext["seconds"].append(c["duration_seconds"])
                        ext["visited"].append(c["objects_visited"])
                        ext["ns"].append(c["duration_seconds"] * 1e9
                                         / c["objects_visited"])
                        note = "  exit census %.1f ms, %d objects" % (
                            c["duration_seconds"] * 1e3, c["objects_visited"])
                else:
                    line = measurement_line(run.stderr)
                    if line is None or not line.get("module"):
                        note = "  (no slotprof module: api not measured)"
                    else:
                        secs = line.get("census_seconds_last")
                        try:
                            with open(snap) as f:
                                c = json.load(f).get("census") or {}
                        except (OSError, ValueError):
                            c = {}
                        if secs and c.get("objects_visited"):
                            api["seconds"].append(secs)
                            api["visited"].append(c["objects_visited"])
                            api["ns"].append(secs * 1e9 / c["objects_visited"])
                            note = "  snapshot census %.1f ms, %d objects" % (
                                secs * 1e3, c["objects_visited"])
                            cpu = line.get("snapshot_cpu_seconds")
                            if cpu is not None:
                                api["cpu"].append(cpu)
                                api["cpu_ns"].append(
                                    cpu * 1e9 / c["objects_visited"])
                                note += " (snapshot() CPU %.1f ms)" % (
                                    cpu * 1e3)
                        else:
                            self.problem("%s: snapshot wrote no census (%s)"
                                         % (label, line))
                log("bench: %-40s wall %6.3f s  rss %7.1f MiB%s"
                    % (label, run.wall, run.rss_kib / 1024.0, note))
        self.census_rows.append({
            "interpreter": version,
            "objects_visited": median(api["visited"] or ext["visited"]),
            "api_ns": median(api["ns"]), "api_ms": ms(median(api["seconds"])),
            "api_cpu_ns": median(api["cpu_ns"]),
            "api_cpu_ms": ms(median(api["cpu"])),
            "exit_ns": median(ext["ns"]),
            "exit_ms": ms(median(ext["seconds"])),
            "api_runs": len(api["ns"]), "exit_runs": len(ext["ns"]),
            "plain_wall": median(plain_walls),
            "exit_wall": median(exit_walls),
            "target": version_tuple(version) >= (3, 12),
        })

    def interpreter(self, interp, tmp, pylib):
        args = self.args
        version = interpreter_version(interp)
        if version is None:
            self.problem("%s: cannot run it" % interp)
            return
        lib = os.path.join(args.build, "cpython-%s" % version,
                           "libslotprof.so")
        if not os.path.exists(lib):
            self.problem("%s: no library %s (make PYTHON=%s)"
                         % (interp, lib, interp))
            return
        env = base_env(args.workdir, pylib)
        modes = []
        for mode in args.modes:
            why = probe_mode(interp, lib, mode, env, tmp)
            if why:
                self.notes.append("%s: mode %s not measured: the library "
                                  "says: %s" % (version, mode, why))
                log("bench: " + self.notes[-1])
                self.rows.append({"interpreter": version, "workload": "*",
                                  "mode": mode,
                                  "missing": "not measured yet (library "
                                             "rejects the options)"})
            else:
                modes.append(mode)
        all_w = workloads(args)
        for name in args.workloads:
            argv, _ = all_w[name]
            self.workload(interp, version, lib, modes, name, argv, env, tmp)
        if args.census_repeat > 0:
            self.census(interp, version, lib, env, tmp)

    def run(self):
        args = self.args
        os.makedirs(args.workdir, exist_ok=True)
        pylib = prepare_pylib(args.workdir)
        self.started = time.time()
        self.load_before = os.getloadavg()
        with tempfile.TemporaryDirectory(dir=args.workdir,
                                         prefix="run-") as tmp:
            for interp in args.interpreters:
                self.interpreter(interp, tmp, pylib)
        self.load_after = os.getloadavg()
        self.elapsed = time.time() - self.started


def census_note(report):
    if not report or "error" in report:
        return ""
    return "  censuses %s (%.1f ms)" % (
        report.get("censuses"),
        (report.get("census_seconds_total") or 0) * 1e3)


def measurement_line(stderr):
    for line in stderr.decode(errors="replace").splitlines():
        if line.startswith("census_pause: "):
            try:
                return json.loads(line[len("census_pause: "):])
            except ValueError:
                return None
    return None


def ms(s):
    return None if s is None else s * 1e3


def version_tuple(v):
    try:
        return tuple(int(x) for x in v.split(".")[:2])
    except ValueError:
        return (0, 0)


# ------------------------------------------------------------------ output

def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def verdict(ratio, target):
    if ratio is None or target is None:
        return ""
    return " ok" if ratio <= target else " OVER"


def tables(bench, machine=None):
    args = bench.args
    out = []
    out.append("Machine: %s" % (machine or machine_info()))
    out.append("Command: make bench BENCH_INTERPRETERS=\"%s\" BENCH_REPEAT=%d "
               "BENCH_WORKLOADS=\"%s\" BENCH_CENSUS_REPEAT=%d"
               % (" ".join(args.interpreters), args.repeat,
                  " ".join(args.workloads) or "none", args.census_repeat))
    out.append("Load average: %.2f before, %.2f after; %.0f s in all"
               % (bench.load_before[0], bench.load_after[0], bench.elapsed))
    out.append("")
    wl = workloads(args)
    for name in args.workloads:
        out.append("- %s: %s" % (name, wl[name][1]))
    out.append("")
    if not bench.rows:
        out.append("(no workloads run)")
    out.append("Ratios are median(mode) / median(plain) over %d interleaved "
               "rounds; targets: wall <= %.2fx (default, dormant), <= %.2fx "
               "(interval=1s), <= %.2fx (counting: allocation counting "
               "alone), <= %.2fx (sites: with stacks at the default rate), "
               "peak RSS <= %.2fx.  noise = (max - min) / "
               "median of the plain runs' wall time."
               % (args.repeat, WALL_TARGET["default"],
                  WALL_TARGET["interval"], WALL_TARGET["counting"],
                  WALL_TARGET["sites"], RSS_TARGET))
    out.append("")
    out.append("CPU (min): min(mode) / min(plain) of the CPU times, a "
               "second estimate when other processes compete for the CPUs "
               "(they disturb CPU time less than wall time, but a process "
               "sharing a core with another still runs slower).  "
               "census s: the library's own wall-clock seconds in censuses "
               "(`census_seconds_total`, median); profiler MiB: its private "
               "heap (`profiler_bytes`).")
    out.append("")
    out.append("| python | workload | mode | plain wall s (noise) | wall | "
               "CPU | CPU (min) | peak RSS | Δwall s | ΔCPU s | ΔRSS MiB | "
               "censuses | census s | profiler MiB |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    plain_cpus = {(r["interpreter"], r["workload"]): r.get("cpus")
                  for r in bench.rows if r["mode"] == "plain"}
    for row in bench.rows:
        if row["mode"] == "plain":
            continue
        if "missing" in row:
            out.append("| %s | %s | %s | | %s | | | | | | | | | |" % (
                row["interpreter"], row["workload"], row["mode"],
                row["missing"]))
            continue
        target = WALL_TARGET.get(row["mode"])
        pb = row.get("profiler_bytes")
        pc = plain_cpus.get((row["interpreter"], row["workload"]))
        cmin = min(row["cpus"]) / min(pc) if pc and row.get("cpus") else None
        out.append("| %s | %s | %s | %.2f (±%.0f%%) | %.3f%s | %.3f | %s | "
                   "%.3f%s | %+.3f | %+.3f | %+.1f | %s | %s | %s |" % (
                       row["interpreter"], row["workload"], row["mode"],
                       row["plain_wall"], 50 * (row["plain_noise"] or 0),
                       row["wall_ratio"], verdict(row["wall_ratio"], target),
                       row["cpu_ratio"] or 0, fmt(cmin, ".3f"),
                       row["rss_ratio"] or 0,
                       verdict(row["rss_ratio"], RSS_TARGET),
                       row["wall"] - row["plain_wall"],
                       row["cpu"] - row["plain_cpu"],
                       (row["rss_kib"] - row["plain_rss_kib"]) / 1024.0,
                       fmt(row.get("censuses"), "g"),
                       fmt(row.get("census_seconds"), ".3f"),
                       fmt(None if pb is None else pb / 1048576.0, ".1f")))
    if bench.census_rows:
        out.append("")
        out.append("Census pause (~%.1f million live GC objects, %d rounds; "
                   "target <= %.0f ns per visited object on 3.12+):"
                   % (args.census_millions, args.census_repeat,
                      CENSUS_NS_TARGET))
        out.append("")
        out.append("snapshot: `slotprof.snapshot()` with the library's "
                   "`census_seconds_last` (wall clock); snapshot CPU: the "
                   "calling thread's CPU time across `snapshot()`, census "
                   "plus writing the report (robust when other processes "
                   "compete for the CPUs); exit: the exit report's census.  "
                   "The target is checked against snapshot CPU when "
                   "measured.")
        out.append("")
        out.append("| python | objects visited | snapshot ms | ns/object | "
                   "snapshot CPU ms | ns/object (CPU) | exit census ms | "
                   "ns/object (exit) | target |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for c in bench.census_rows:
            ns = next((x for x in (c.get("api_cpu_ns"), c["api_ns"],
                                   c["exit_ns"]) if x is not None), None)
            target = ("<= %.0f%s" % (CENSUS_NS_TARGET,
                                     verdict(ns, CENSUS_NS_TARGET))
                      if c["target"] else "(none before 3.12)")
            out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                c["interpreter"], fmt(c["objects_visited"], ",.0f"),
                fmt(c["api_ms"], ".1f"), fmt(c["api_ns"], ".1f"),
                fmt(c.get("api_cpu_ms"), ".1f"),
                fmt(c.get("api_cpu_ns"), ".1f"),
                fmt(c["exit_ms"], ".1f"), fmt(c["exit_ns"], ".1f"), target))
    if bench.notes:
        out.append("")
        for n in bench.notes:
            out.append("Note: " + n)
    if bench.problems:
        out.append("")
        for p in bench.problems:
            out.append("PROBLEM: " + p)
    return "\n".join(out) + "\n"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("interpreters", nargs="*")
    ap.add_argument("--repeat", type=int, default=5,
                    help="interleaved rounds per workload (default 5)")
    ap.add_argument("--modes", default=",".join(ALL_LIB_MODES),
                    help="library modes, comma-separated (default: %(default)s)")
    ap.add_argument("--workloads", default="pyflakes,docutils,objchurn",
                    help="comma-separated, or none (default: %(default)s; "
                    "also: startup)")
    ap.add_argument("--docutils-sections", type=int, default=200)
    ap.add_argument("--churn-rounds", type=int, default=8)
    ap.add_argument("--startup-children", type=int, default=40)
    ap.add_argument("--census-millions", type=float, default=1.5)
    ap.add_argument("--census-repeat", type=int, default=3,
                    help="census pause rounds (0: skip)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="where build/cpython-X.Y.Z/libslotprof.so live")
    ap.add_argument("--workdir", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--json", help="write every measurement there")
    ap.add_argument("--markdown", help="write the tables there too")
    ap.add_argument("--from-json", metavar="PATH",
                    help="only print the tables of an earlier --json file")
    args = ap.parse_args(argv[1:])
    args.modes = [m for m in args.modes.replace(",", " ").split() if m]
    args.workloads = [w for w in args.workloads.replace(",", " ").split()
                      if w and w != "none"]
    args.build = os.path.abspath(args.build)
    args.workdir = os.path.abspath(args.workdir)
    for m in args.modes:
        if m not in ALL_LIB_MODES:
            ap.error("unknown mode %r (accepted: %s)"
                     % (m, ", ".join(ALL_LIB_MODES)))
    known = workloads(args)
    for w in args.workloads:
        if w not in known:
            ap.error("unknown workload %r (accepted: %s)"
                     % (w, ", ".join(known)))
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if not args.interpreters and not args.from_json:
        ap.error("no interpreter given")

    bench = Bench(args)
    machine = None
    if args.from_json:
        # Re-render the tables of an earlier run (no process is started).
        with open(args.from_json) as f:
            saved = json.load(f)
        for key in ("repeat", "census_repeat", "census_millions",
                    "docutils_sections", "churn_rounds", "startup_children",
                    "workloads", "interpreters"):
            if key in saved.get("args", {}):
                setattr(args, key, saved["args"][key])
        bench.rows = saved["rows"]
        bench.census_rows = saved["census"]
        bench.notes = saved["notes"]
        bench.problems = saved["problems"]
        bench.load_before = saved.get("load_before", [float("nan")])
        bench.load_after = saved.get("load_after", [float("nan")])
        bench.elapsed = saved.get("elapsed", float("nan"))
        machine = saved.get("machine")
        args.json = None
    else:
        bench.run()
    text = tables(bench, machine)
    sys.stdout.write("\n" + text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine_info(), "args": vars(args),
                       "load_before": bench.load_before,
                       "load_after": bench.load_after,
                       "elapsed": bench.elapsed, "rows": bench.rows,
                       "census": bench.census_rows, "notes": bench.notes,
                       "problems": bench.problems}, f, indent=1)
    measured = any("wall_ratio" in r for r in bench.rows) or any(
        c["api_runs"] or c["exit_runs"] for c in bench.census_rows)
    if bench.problems or not measured:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
