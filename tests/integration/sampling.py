"""Integration tests of sampling sessions (docs/sampling.md).

jobs(interp, want, keep) yields (test name, callable); each callable
returns a list of (name, error or None, detail), like run.py's jobs.

  process/*   fork workers (examples/prefork.py), a fork Pool
              (examples/pool.py), spawn children, subprocesses: one
              report per process, each with exactly its own instances,
              one session id across a run and another on the next run.
  sampling/*  interval=, signal=, dormant, max_pause=, SIGKILL during a
              session, the slotprof module, %n / %s, relative paths.
  hostile2/*  programs that make a session's life hard: 100 threads,
              signal storms, fork storms, every way of exiting, gc.freeze,
              tracemalloc, another reference tracer, unwritable or full
              disks, a symbolic link as output.

Every test that can runs its program without the library too: exit
status and stdout must be identical, stderr identical but for lines
starting with "slotprof:".  The programs are in sampling/ (see its
README); what they learn at run time (pids, slotprof.stats()) reaches
the test through the file named by $SP_FACTS, never through stdout.

The helpers come from run.py: the running one when run.py is __main__
(so there is one Failure class), otherwise imported.
"""
import datetime
import json
import os
import random
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROGS = os.path.join(HERE, "sampling")
PREFORK = os.path.join(ROOT, "examples", "prefork.py")
POOL = os.path.join(ROOT, "examples", "pool.py")

SESSION_RE = re.compile(r"^(\d{8}T\d{6})-(\d+)$")
WRITTEN_AT_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
STATS_KEYS = sorted([
    "version", "python", "state", "session", "pid", "censuses",
    "census_seconds_total", "census_seconds_last", "censuses_aborted",
    "censuses_skipped", "snapshots", "interval_seconds", "signal",
    "output", "profiler_bytes"])
NO_SAMPLING = {"interval_seconds": None, "signal": None, "dormant": False,
               "max_pause_seconds": None}
# Children of hostile2/fork-storm.  Each writes a report at exit: about
# 0.1 s of CPU per child on a busy 2-core machine; SLOTPROF_IT_FORK_STORM
# overrides.
FORK_STORM = int(os.environ.get("SLOTPROF_IT_FORK_STORM", "50"))


def _runner():
    main = sys.modules.get("__main__")
    if (main is not None and hasattr(main, "run_child")
            and hasattr(main, "Mismatches")):
        return main
    import run
    return run


def sampling_block(interval=None, signal_name=None, dormant=False,
                   max_pause=None):
    return {"interval_seconds": interval, "signal": signal_name,
            "dormant": dormant, "max_pause_seconds": max_pause}


# ---------------------------------------------------------------- context

class Ctx:
    """One test's world: the interpreter, a scratch directory, the
    mismatches found so far, run.py's helpers."""

    def __init__(self, interp, tmp, R):
        self.interp = interp
        self.tmp = tmp
        self.R = R
        self.m = R.Mismatches()
        self.facts_path = os.path.join(tmp, "facts.jsonl")

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def env(self, options, profiled=True, facts=True, extra=None):
        R = self.R
        env = R.lib_env(self.interp.lib, options) if profiled \
            else R.base_env()
        env.pop("SLOTPROF_SESSION", None)
        if facts:
            env["SP_FACTS"] = self.facts_path
        if extra:
            env.update(extra)
        return env

    def run(self, argv, options, profiled=True, cwd=None, extra=None,
            preexec_fn=None, timeout=None):
        """Run argv to completion; the Proc has .pid and the wall-clock
        interval [.t0, .t1] (for the session's time stamp).  It runs in a
        session of its own: on a timeout the whole group is killed (a
        stuck child of it would keep the pipes open)."""
        R = self.R
        timeout = timeout or R.TIMEOUT
        env = self.env(options, profiled, extra=extra)
        if os.path.exists(self.facts_path):
            os.unlink(self.facts_path)
        t0 = time.time()
        m0 = time.monotonic()
        p = subprocess.Popen(argv, env=env, cwd=cwd or self.tmp,
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=preexec_fn, start_new_session=True)
        try:
            out, err = p.communicate(timeout=timeout)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            out, err = p.communicate()
            rc = "timeout"
            err += b"\n[killed after %d s]" % timeout
        proc = R.Proc(argv, rc, out, err, time.monotonic() - m0)
        proc.pid = p.pid
        proc.t0, proc.t1 = t0, time.time()
        proc.facts = self.facts()
        return proc

    def facts(self):
        rows = []
        if os.path.exists(self.facts_path):
            with open(self.facts_path) as f:
                for line in f:
                    rows.append(json.loads(line))
        return rows

    def program(self, name):
        return os.path.join(PROGS, name)


def fact(proc, what):
    """The last fact of this kind from the run, or {}."""
    rows = [f for f in proc.facts if f.get("what") == what]
    return rows[-1] if rows else {}


def slotprof_lines(err):
    return [l for l in err.decode("utf-8", "replace").splitlines()
            if l.startswith("slotprof:")]


def other_lines(err):
    """stderr without the slotprof: lines, object addresses blanked
    (they change from run to run)."""
    return [re.sub(r"0x[0-9a-f]+", "0x...", l)
            for l in err.decode("utf-8", "replace").splitlines()
            if not l.startswith("slotprof:")]


def same_host(ctx, plain, prof, slotprof_ok=False):
    """The library changed nothing the program shows: exit status,
    stdout, stderr (but for slotprof: lines when slotprof_ok)."""
    m = ctx.m
    m.eq("exit status", plain.rc, prof.rc)
    m.eq("stdout", plain.out, prof.out)
    m.eq("stderr without slotprof: lines", other_lines(plain.err),
         other_lines(prof.err))
    if not slotprof_ok:
        m.eq("slotprof: lines on stderr", [], slotprof_lines(prof.err))


def load(path):
    """A report file, parsed: a Failure if missing or torn."""
    R = _runner()
    if not os.path.exists(path):
        raise R.Failure("no report at %s (directory holds %s)" % (
            path, sorted(os.listdir(os.path.dirname(path)))
            if os.path.isdir(os.path.dirname(path)) else "nothing"))
    with open(path, "rb") as f:
        data = f.read()
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError as e:
        raise R.Failure("%s does not parse (%d bytes): %s"
                        % (os.path.basename(path), len(data), e))


def instances(report, qualname, module="__main__"):
    """Instances of a class at the census the report shows, 0 if absent."""
    for c in report.get("classes") or []:
        if c.get("qualname") == qualname and c.get("module") == module:
            return c.get("instances")
    return 0


def series(report):
    return report.get("series") or {}


def series_of(report, qualname, module="__main__"):
    """The class's instances column by column, None where not listed;
    all None when the series never saw the class."""
    s = series(report)
    n = len(s.get("at_seconds") or [])
    for c in s.get("classes") or []:
        if c.get("qualname") == qualname and c.get("module") == module:
            return list(c.get("instances") or [])
    return [None] * n


def triggers(report):
    return list(series(report).get("trigger") or [])


def last(report, qualname, module="__main__"):
    """Instances at the report's last census (the series' last column):
    for a snapshot its own census, for an exit report the exit census
    (`classes` shows the best census of the run)."""
    col = series_of(report, qualname, module)
    return col[-1] if col else None


def check_report(ctx, r, where, kind=None, sampling=None, pid=None,
                 exit_census=True):
    """What every report of a session must say about itself.  An exit
    report's last census is the exit census unless exit_census is
    False (max_pause can discard it)."""
    m = ctx.m
    m.eq(where + " format", "slotprof-report", r.get("format"))
    m.eq(where + " version", 1, r.get("version"))
    m.eq(where + " python", ctx.interp.version, r.get("python"))
    if kind is not None:
        m.eq(where + " kind", kind, r.get("kind"))
    else:
        m.true(r.get("kind") in ("exit", "snapshot"),
               "%s kind %r" % (where, r.get("kind")))
    if pid is not None:
        m.eq(where + " pid", pid, r.get("pid"))
    m.true(SESSION_RE.match(str(r.get("session"))) is not None,
           "%s session %r is not YYYYMMDDTHHMMSS-PID" % (where,
                                                          r.get("session")))
    m.true(isinstance(r.get("snapshot"), int) and r.get("snapshot") >= 1,
           "%s snapshot %r, want an integer >= 1" % (where,
                                                      r.get("snapshot")))
    m.true(WRITTEN_AT_RE.match(str(r.get("written_at"))) is not None,
           "%s written_at %r is not ISO-8601 UTC" % (where,
                                                      r.get("written_at")))
    if sampling is not None:
        m.eq(where + " sampling", sampling, r.get("sampling"))
    for k in ("censuses_aborted", "censuses_skipped"):
        m.true(isinstance(r.get(k), int) and r.get(k) >= 0,
               "%s %s %r" % (where, k, r.get(k)))
    s = series(r)
    at = s.get("at_seconds")
    if not isinstance(at, list) or not at:
        m.true(False, "%s series.at_seconds %r, want a non-empty list"
               % (where, at))
        return
    for k in ("trigger", "rss_bytes", "total_savings_bytes"):
        m.eq("%s len(series.%s)" % (where, k), len(at), len(s.get(k) or []))
    for c in s.get("classes") or []:
        for k in ("instances", "savings_bytes"):
            m.eq("%s len(series %s.%s)" % (where, c.get("qualname"), k),
                 len(at), len(c.get(k) or []))
    m.true(all(a < b for a, b in zip(at, at[1:])),
           "%s series.at_seconds not increasing: %s" % (where, at))
    m.true(len(at) <= (r.get("censuses") or 0),
           "%s: %d series points, %r censuses" % (where, len(at),
                                                 r.get("censuses")))
    if r.get("kind") == "exit" and exit_census:
        m.true(at and s.get("trigger", [None])[-1] in ("exit", "_exit"),
               "%s: exit report whose last census is %r"
               % (where, s.get("trigger", [None])[-1:]))


def check_session(ctx, sessions, first_pid, proc):
    """One session id across a run: the first process's pid, started
    during the run (UTC)."""
    m = ctx.m
    m.eq("distinct sessions in the run", 1, len(set(sessions)))
    if not sessions:
        return None
    sid = sessions[0]
    got = SESSION_RE.match(str(sid))
    if got is None:
        m.true(False, "session %r is not YYYYMMDDTHHMMSS-PID" % sid)
        return sid
    m.eq("session pid", str(first_pid), got.group(2))
    stamp = datetime.datetime.strptime(got.group(1), "%Y%m%dT%H%M%S")
    stamp = stamp.replace(tzinfo=datetime.timezone.utc).timestamp()
    m.true(proc.t0 - 2 <= stamp <= proc.t1 + 1,
           "session time %s outside the run (%s .. %s UTC)" % (
               got.group(1), utc(proc.t0), utc(proc.t1)))
    return sid


def utc(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).strftime("%Y%m%dT%H%M%S")


def reports_named(ctx, directory, regex):
    """{match groups: report} for the files of directory matching regex
    (anchored); the other files are a mismatch (temporary files left,
    reports under unexpected names).  Subdirectories and the facts file
    are not looked at."""
    found, others = {}, []
    for f in sorted(os.listdir(directory)):
        if f == "facts.jsonl" or os.path.isdir(os.path.join(directory, f)):
            continue
        got = re.match(regex + "$", f)
        if got:
            found[got.groups()] = load(os.path.join(directory, f))
        else:
            others.append(f)
    ctx.m.eq("unexpected files in %s" % os.path.basename(directory), [],
             others)
    return found


def numbered(ctx, directory, prefix):
    """Reports PREFIX-N.json of a %n path, by N; N must run 1..K."""
    got = reports_named(ctx, directory, re.escape(prefix) + r"-(\d+)\.json")
    nums = sorted(int(k[0]) for k in got)
    ctx.m.eq("snapshot numbers in the file names", list(range(1, len(nums)
                                                               + 1)), nums)
    return [got[(str(n),)] for n in nums]


# ---------------------------------------------------------------- process/

def t_prefork(ctx, interval):
    opts = "output=%s,text=none" % ctx.path("out", "r-%s-%p.json")
    if interval:
        opts += ",interval=" + interval
    os.mkdir(ctx.path("out"))
    argv = [ctx.interp.path, PREFORK, "3", "1000"]
    plain = ctx.run(argv, None, profiled=False)
    prof = ctx.run(argv, opts)
    same_host(ctx, plain, prof)
    m = ctx.m
    reps = reports_named(ctx, ctx.path("out"), r"r-(\S+)-(\d+)\.json")
    m.eq("reports (master + 3 workers)", 4, len(reps))
    sessions = []
    workers = {}
    for (sid, pid), r in sorted(reps.items()):
        where = "report %s" % pid
        m.eq(where + ": pid in the name", int(pid), r.get("pid"))
        m.eq(where + ": session in the name", sid, r.get("session"))
        sessions.append(r.get("session"))
        check_report(ctx, r, where, kind="exit",
                     sampling=sampling_block(interval=0.05)
                     if interval else NO_SAMPLING)
        # Snapshot numbers are per process: the exit report follows this
        # process's own snapshots, not the master's.
        m.eq(where + " snapshot (own interval snapshots + 1)",
             triggers(r).count("interval") + 1, r.get("snapshot"))
        if int(pid) == prof.pid:
            setting = [v for v in series_of(r, "Setting") if v]
            m.true(setting and max(setting) <= 5000,
                   "master: Setting %r in the series, want 1..5000"
                   % series_of(r, "Setting"))
            m.eq("master: Request in its series", [],
                 [v for v in series_of(r, "Request") if v is not None])
        else:
            workers[int(pid)] = r
    m.eq("worker reports", 3, len(workers))
    got = sorted(last(r, "Request") or 0 for r in workers.values())
    m.eq("Request per worker at exit", [1000, 2000, 3000], got)
    for pid, r in sorted(workers.items()):
        where = "worker %d" % pid
        m.eq(where + " Request (the census shown)", last(r, "Request"),
             instances(r, "Request"))
        m.eq(where + " Route (inherited from the master)", 100,
             last(r, "Route"))
        m.eq(where + " Setting in its series (the master's census)", [],
             [v for v in series_of(r, "Setting") if v is not None])
        m.eq(where + " Setting in classes", 0, instances(r, "Setting"))
        m.eq(where + " exit trigger", "exit", triggers(r)[-1:] and
             triggers(r)[-1])
    check_session(ctx, sessions, prof.pid, prof)
    return "workers %s" % got


def t_pool(ctx, interval=None):
    """With interval=, the program runs under -W always::DeprecationWarning:
    on 3.12+ os.fork() in a process with a second OS thread warns (shown
    by default only for forks called from __main__; 3.13 swallows the
    warning under -W error), and the sampler thread must not be that
    thread."""
    os.mkdir(ctx.path("out"))
    opts = "output=%s,text=none" % ctx.path("out", "r-%s-%p.json")
    flags = []
    if interval:
        opts += ",interval=" + interval
        flags = ["-W", "always::DeprecationWarning"]
    argv = [ctx.interp.path] + flags + [POOL, "3", "30", "100"]
    plain = ctx.run(argv, None, profiled=False, timeout=30)
    prof = ctx.run(argv, opts, timeout=30)
    same_host(ctx, plain, prof)
    ctx.R.check(prof.rc == 0, "the pool failed: " + prof.brief())
    m = ctx.m
    reps = reports_named(ctx, ctx.path("out"), r"r-(\S+)-(\d+)\.json")
    m.eq("reports (parent + 3 workers)", 4, len(reps))
    sessions = [r.get("session") for r in reps.values()]
    workers = []
    for (sid, pid), r in sorted(reps.items()):
        where = "report %s" % pid
        m.eq(where + ": pid in the name", int(pid), r.get("pid"))
        check_report(ctx, r, where, kind="exit", sampling=NO_SAMPLING
                     if not interval else sampling_block(interval=0.05))
        if int(pid) == prof.pid:
            m.eq("parent: Entry", [], [v for v in series_of(r, "Entry")
                                       if v is not None])
            m.eq("parent: Item", [], [v for v in series_of(r, "Item")
                                      if v is not None])
            m.eq("parent exit trigger", "exit", triggers(r)[-1])
        else:
            workers.append(r)
    m.eq("worker reports", 3, len(workers))
    items = []
    for r in workers:
        where = "worker %s" % r.get("pid")
        m.eq(where + " exit trigger (os._exit)", "_exit", triggers(r)[-1])
        m.eq(where + " Entry", 2000, last(r, "Entry"))
        items.append(last(r, "Item") or 0)
        m.true(items[-1] % 100 == 0, "%s: Item %r, not whole tasks"
               % (where, items[-1]))
    m.eq("Item over all workers", 3000, sum(items))
    check_session(ctx, sessions, prof.pid, prof)
    return "Item per worker %s" % sorted(items)


def t_spawn(ctx, method):
    os.mkdir(ctx.path("out"))
    opts = "output=%s,text=none" % ctx.path("out", "r-%s-%p.json")
    argv = [ctx.interp.path, ctx.program("spawnkids.py"), method, "700",
            "900"]
    plain = ctx.run(argv, None, profiled=False)
    prof = ctx.run(argv, opts)
    same_host(ctx, plain, prof)
    m = ctx.m
    reps = {int(k[1]): r for k, r in reports_named(
        ctx, ctx.path("out"), r"r-(\S+)-(\d+)\.json").items()}
    kids = {f["pid"]: f["n"] for f in prof.facts if f.get("role") == "child"}
    m.eq("spawn children", 2, len(kids))
    m.true(prof.pid in reps, "no report of the parent %d" % prof.pid)
    for pid, n in sorted(kids.items()):
        r = reps.get(pid)
        if r is None:
            m.true(False, "no report of the child %d" % pid)
            continue
        where = "child %d" % pid
        check_report(ctx, r, where, kind="exit", pid=pid)
        m.eq(where + " exit trigger", "exit" if method == "spawn"
             else "_exit", triggers(r)[-1:] and triggers(r)[-1])
        # In a spawn child the program runs as __mp_main__.
        m.eq(where + " Job (__mp_main__)", n, last(r, "Job", "__mp_main__"))
        m.eq(where + " Parent", None, last(r, "Parent", "__mp_main__"))
    if prof.pid in reps:
        r = reps[prof.pid]
        check_report(ctx, r, "parent", kind="exit")
        m.eq("parent Parent", 300, last(r, "Parent"))
        m.eq("parent Job", None, last(r, "Job"))
    # multiprocessing's resource tracker (a Python process of its own,
    # started by the spawn machinery) writes a report too, and so does
    # the fork server, with no instance of ours.
    others = sorted(set(reps) - set(kids) - {prof.pid})
    m.true(len(others) <= (1 if method == "spawn" else 2),
           "reports of unknown processes: %s" % others)
    for pid in others:
        m.eq("process %d: instances of the program's classes" % pid, [], [
            c.get("qualname") for c in series(reps[pid]).get("classes", [])
            if c.get("module") in ("__main__", "__mp_main__")
            and any(c.get("instances") or [])])
    check_session(ctx, [r.get("session") for r in reps.values()], prof.pid,
                  prof)
    return "%d reports (%d by helper processes)" % (len(reps), len(others))


def t_subprocess(ctx):
    argv = [ctx.interp.path, ctx.program("subproc.py")]
    plain = ctx.run(argv, None, profiled=False)
    m = ctx.m
    sids = []
    for run_no in (1, 2):
        out = ctx.path("out%d" % run_no)
        os.mkdir(out)
        prof = ctx.run(argv, "output=%s,text=none"
                       % os.path.join(out, "r-%s-%p.json"))
        same_host(ctx, plain, prof)
        reps = {int(k[1]): (k[0], r) for k, r in reports_named(
            ctx, out, r"r-(\S+)-(\d+)\.json").items()}
        m.eq("run %d: reports (parent + 2 children)" % run_no, 3, len(reps))
        kids = {f["pid"]: f for f in prof.facts if f.get("role") == "child"}
        parent = [f for f in prof.facts if f.get("role") == "parent"]
        # The library exports SLOTPROF_SESSION after os.environ is made:
        # the program's own environment is left as it was.
        m.eq("run %d: SLOTPROF_SESSION in the parent's os.environ"
             % run_no, [None], [f.get("session") for f in parent])
        sessions = []
        for pid, (sid, r) in sorted(reps.items()):
            where = "run %d report %d" % (run_no, pid)
            check_report(ctx, r, where, kind="exit", pid=pid)
            m.eq(where + ": session in the name", sid, r.get("session"))
            if pid == prof.pid:
                sessions.append(sid)
                m.eq(where + " Top", 300, last(r, "Top"))
                m.eq(where + " Sub", None, last(r, "Sub"))
            elif pid in kids:
                n = kids[pid]["n"]
                m.eq(where + " Sub", n, last(r, "Sub"))
                m.eq(where + " Top", None, last(r, "Top"))
                if n == 400:
                    # The inherited (C) environment carries the session.
                    sessions.append(sid)
                    m.eq(where + " SLOTPROF_SESSION in the child's "
                         "os.environ", r.get("session"),
                         kids[pid].get("session"))
                else:
                    # env=dict(os.environ): a copy made without it; the
                    # child starts a session of its own.
                    m.eq(where + " SLOTPROF_SESSION in the child's "
                         "os.environ (env=dict(os.environ))", None,
                         kids[pid].get("session"))
                    got = SESSION_RE.match(str(sid))
                    m.eq(where + " its own session's pid", str(pid),
                         got and got.group(2))
            else:
                m.true(False, "%s: not a process of the run" % where)
        sids.append(check_session(ctx, sessions, prof.pid, prof))
    m.true(sids[0] != sids[1], "two runs, one session id %r" % sids[0])
    return "sessions %s, %s" % tuple(sids)


# ---------------------------------------------------------------- sampling/

def t_interval(ctx):
    out = ctx.path("r.json")
    argv = [ctx.interp.path, ctx.program("phases.py"), "3", "1000", "0.45"]
    plain = ctx.run(argv, None, profiled=False)
    prof = ctx.run(argv, "interval=100ms,text=none,output=" + out)
    same_host(ctx, plain, prof)
    m = ctx.m
    r = load(out)
    check_report(ctx, r, "exit report", kind="exit",
                 sampling=sampling_block(interval=0.1), pid=prof.pid)
    trig = triggers(r)
    at = series(r).get("at_seconds") or []
    grow = series_of(r, "Grow")
    ticks = [k for k, t in enumerate(trig) if t == "interval"]
    # 1.35 s of sleeping (and the start and the builds) at 100 ms: 13 or
    # 14 ticks on an idle machine, fewer on a busy one, never more than
    # the run's length allows.
    m.true(6 <= len(ticks) <= 1 + int(at[-1] / 0.1) if at else False,
           "%d interval censuses in %.2f s at 100 ms, want 6 or more, "
           "at most one per 100 ms (triggers %s)"
           % (len(ticks), at[-1] if at else 0, trig))
    m.true(all(at[b] - at[a] >= 0.09 for a, b in zip(ticks, ticks[1:])),
           "interval censuses closer than 100 ms: %s"
           % [at[k] for k in ticks])
    # None: a tick before the first phase (the program still starting,
    # on a busy machine).  A snapshot is a pending call the main thread
    # runs between two bytecodes, so it may fall inside a phase: counts
    # only grow, within what the program built.
    seen = [grow[k] or 0 for k in ticks]
    m.true(all(0 <= v <= 3000 for v in seen),
           "Grow at the interval censuses %s, want 0..3000" % seen)
    m.eq("Grow at interval censuses, non-decreasing", sorted(seen), seen)
    m.true(len(set(seen)) >= 2,
           "interval censuses saw the program grow: %s" % seen)
    m.eq("Grow at exit", 3000, last(r, "Grow"))
    m.eq("exit report number (interval snapshots + 1)", len(ticks) + 1,
         r.get("snapshot"))
    stats = fact(prof, "stats").get("stats") or {}
    # stats() runs a moment before exit: a tick may fall in between.
    m.true(stats.get("snapshots") in (len(ticks) - 1, len(ticks)),
           "stats snapshots before exit: %r, want %d or %d"
           % (stats.get("snapshots"), len(ticks) - 1, len(ticks)))
    m.eq("stats interval_seconds", 0.1, stats.get("interval_seconds"))
    m.eq("stats state", "active", stats.get("state"))
    return "%d interval snapshots, Grow %s" % (len(ticks), seen)


def t_percent_n(ctx):
    """output=r%%-%n.json, text=t-%n.txt: one file per snapshot, the exit
    report last; the text report is rewritten with every snapshot."""
    os.mkdir(ctx.path("text"))
    argv = [ctx.interp.path, ctx.program("phases.py"), "2", "1000", "0.3"]
    plain = ctx.run(argv, None, profiled=False)
    prof = ctx.run(argv, "interval=100ms,text=%s,output=%s" % (
        ctx.path("text", "t-%n.txt"), ctx.path("r%%-%n.json")))
    same_host(ctx, plain, prof)
    m = ctx.m
    texts = sorted(os.listdir(ctx.path("text")))
    files = numbered(ctx, ctx.tmp, "r%")
    m.eq("text files", sorted("t-%d.txt" % n for n in range(
        1, len(files) + 1)), texts)
    for n, r in enumerate(files, 1):
        t = ctx.path("text", "t-%d.txt" % n)
        if os.path.exists(t):
            with open(t) as f:
                named = "__main__.Grow" in f.read()
            # The text report shows the same census as the JSON.
            m.eq("t-%d.txt names __main__.Grow" % n,
                 instances(r, "Grow") >= 100, named)
    m.true(len(files) >= 3, "%d files, want snapshots and the exit "
           "report" % len(files))
    prev = []
    for n, r in enumerate(files, 1):
        where = "r-%d.json" % n
        kind = "exit" if n == len(files) else "snapshot"
        check_report(ctx, r, where, kind=kind, pid=prof.pid)
        m.eq(where + " snapshot", n, r.get("snapshot"))
        at = series(r).get("at_seconds") or []
        m.eq(where + ": the previous file's series is its start", prev,
             at[:len(prev)])
        prev = at
        if kind == "snapshot":
            m.eq(where + " trigger", "interval", triggers(r)[-1:] and
                 triggers(r)[-1])
            # None: a tick before the first phase (a slow start); a
            # snapshot may fall inside a phase (a pending call).
            m.true((last(r, "Grow") or 0) in range(0, 2001),
                   "%s Grow %r, want 0..2000" % (where, last(r, "Grow")))
            m.eq(where + " Grow in classes (its own census)",
                 last(r, "Grow") or 0, instances(r, "Grow"))
    if files:
        m.eq("Grow at exit", 2000, last(files[-1], "Grow"))
    return "%d files" % len(files)


def t_signal(ctx):
    argv = [ctx.interp.path, ctx.program("signals.py"), "3", "500", "usr1"]
    plain = ctx.run(argv, None, profiled=False)
    prof = ctx.run(argv + ["--send"], "signal=usr1,text=none,output=%s"
                   % ctx.path("r-%n.json"))
    same_host(ctx, plain, prof)
    m = ctx.m
    files = numbered(ctx, ctx.tmp, "r")
    m.eq("files (3 snapshots + exit)", 4, len(files))
    block = sampling_block(signal_name="SIGUSR1")
    for n, r in enumerate(files, 1):
        where = "r-%d.json" % n
        check_report(ctx, r, where, kind="exit" if n == 4 else "snapshot",
                     sampling=block, pid=prof.pid)
        m.eq(where + " snapshot", n, r.get("snapshot"))
        if n <= 3:
            m.eq(where + " trigger", "signal", triggers(r)[-1])
            m.eq(where + " Step", 500 * n, last(r, "Step"))
            m.eq(where + " Late", None, last(r, "Late"))
        else:
            m.eq(where + " Step", 1500, last(r, "Step"))
            m.eq(where + " Late", 500, last(r, "Late"))
            m.eq(where + " signal censuses", 3, triggers(r).count("signal"))
    for k in (1, 2, 3):
        st = [f.get("stats") or {} for f in prof.facts
              if f.get("what") == "stats" and f.get("step") == k]
        st = st[0] if st else {}
        m.eq("stats snapshots after signal %d" % k, k, st.get("snapshots"))
        m.eq("stats signal", "SIGUSR1", st.get("signal"))
    return "%d files" % len(files)


def t_dormant_quiet(ctx):
    os.mkdir(ctx.path("out"))
    argv = [ctx.interp.path, ctx.program("phases.py"), "2", "20000", "0.1"]
    plain = ctx.run(argv, None, profiled=False)
    prof = ctx.run(argv, "dormant,output=%s" % ctx.path("out", "r.json"))
    same_host(ctx, plain, prof)
    m = ctx.m
    m.eq("files written", [], sorted(os.listdir(ctx.path("out"))))
    st = fact(prof, "stats").get("stats") or {}
    m.eq("stats state", "dormant", st.get("state"))
    m.eq("stats censuses", 0, st.get("censuses"))
    m.eq("stats snapshots", 0, st.get("snapshots"))
    m.eq("stats census_seconds_total", 0, st.get("census_seconds_total"))
    return "no census, no file"


def t_dormant_signal(ctx):
    argv = [ctx.interp.path, ctx.program("signals.py"), "1", "800", "USR1"]
    plain = ctx.run(argv, None, profiled=False)
    prof = ctx.run(argv + ["--send"], "dormant,signal=USR1,output=%s"
                   % ctx.path("r-%n.json"))
    same_host(ctx, plain, prof)
    m = ctx.m
    files = numbered(ctx, ctx.tmp, "r")
    # Dormant: the signal's snapshot and nothing else (no exit census).
    m.eq("files", 1, len(files))
    if files:
        r = files[0]
        check_report(ctx, r, "r-1.json", kind="snapshot",
                     sampling=sampling_block(signal_name="SIGUSR1",
                                             dormant=True), pid=prof.pid)
        m.eq("censuses", 1, r.get("censuses"))
        m.eq("triggers", ["signal"], triggers(r))
        m.eq("Step", 800, last(r, "Step"))
    st = fact(prof, "stats").get("stats") or {}
    m.eq("stats censuses after the signal", 1, st.get("censuses"))
    m.eq("stats snapshots after the signal", 1, st.get("snapshots"))
    return "one snapshot"


def t_max_pause(ctx):
    out = ctx.path("r.json")
    argv = [ctx.interp.path, ctx.program("bigheap.py"), "100000", "0.8"]
    plain = ctx.run(argv, None, profiled=False)
    prof = ctx.run(argv, "interval=100ms,max_pause=1us,text=none,output="
                   + out)
    same_host(ctx, plain, prof, slotprof_ok=True)
    m = ctx.m
    lines = slotprof_lines(prof.err)
    m.eq("slotprof: lines (the back-off, once)", 1, len(lines))
    m.true(all("max_pause" in l for l in lines),
           "slotprof: lines not about max_pause: %s" % lines)
    st = fact(prof, "stats").get("stats") or {}
    aborted = st.get("censuses_aborted") or 0
    # 0.8 s at 100 ms: ticks at 0.1, 0.3 (after doubling), 0.7 ...
    m.true(aborted >= 2, "stats censuses_aborted %r, want >= 2" % aborted)
    m.true((st.get("censuses_skipped") or 0) >= 1,
           "stats censuses_skipped %r, want >= 1 (backed-off ticks)"
           % st.get("censuses_skipped"))
    # Each abort doubles the interval, up to 64 times the configured one.
    iv = st.get("interval_seconds") or 0
    m.true(0.2 <= iv <= 6.4 + 1e-9,
           "stats interval_seconds %r, want backed off: 0.2 .. 6.4" % iv)
    # No census of the 300,000 objects can finish within 1 us (a census
    # looks at the clock every 16,384 objects): a census that completed
    # ran before the heap had grown (on a busy machine, even the first
    # tick can come that early).
    detail = "%d aborted, %s skipped, interval now %s s" % (
        aborted, st.get("censuses_skipped"), iv)
    if os.path.exists(out):
        # The best census before the heap grew (a gc census of the
        # interpreter's start), if any: the exit census was stopped too.
        r = load(out)
        check_report(ctx, r, "exit report", kind="exit", exit_census=False,
                     sampling=sampling_block(interval=0.1, max_pause=1e-06))
        m.true((r.get("censuses_aborted") or 0) >= aborted + 1,
               "report censuses_aborted %r, want the %d of the run and "
               "the exit census" % (r.get("censuses_aborted"), aborted))
        full = [v for v in series_of(r, "A") if v == 100000]
        m.eq("censuses that saw all 100,000 A", [], full)
        m.eq("exit census in the series", 0, triggers(r).count("exit"))
        m.eq("stats snapshots: the interval censuses that completed",
             triggers(r).count("interval"), st.get("snapshots"))
        detail += ", exit report with %d censuses" % len(triggers(r))
    else:
        detail += ", no census completed: no report"
    return detail


def t_sigkill(ctx):
    """SIGKILL at a random moment of a 20 ms session, three times: the
    file is the last complete snapshot, never a torn one."""
    m = ctx.m
    out = ctx.path("r.json")
    argv = [ctx.interp.path, ctx.program("forever.py"), "3000"]
    env = ctx.env("interval=20ms,text=none,output=" + out)
    rng = random.Random(7)
    seen = []
    for round_no in range(3):
        if os.path.exists(out):
            os.unlink(out)
        p = subprocess.Popen(argv, env=env, cwd=ctx.tmp,
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            end = time.monotonic() + 20
            number = 0
            while time.monotonic() < end and number < 2 + round_no:
                time.sleep(0.01)
                try:
                    with open(out) as f:
                        number = json.load(f).get("snapshot", 0)
                except (OSError, ValueError):
                    pass
            time.sleep(rng.uniform(0, 0.04))
        finally:
            p.send_signal(signal.SIGKILL)
            stdout, stderr = p.communicate()
        m.eq("round %d exit status" % round_no, -signal.SIGKILL,
             p.returncode)
        m.eq("round %d stdout" % round_no, b"ready 3000\n", stdout)
        m.eq("round %d stderr" % round_no, b"", stderr)
        r = load(out)
        where = "round %d" % round_no
        check_report(ctx, r, where, kind="snapshot", pid=p.pid,
                     sampling=sampling_block(interval=0.02))
        m.true(r.get("snapshot", 0) >= 2 + round_no,
               "%s: snapshot %r" % (where, r.get("snapshot")))
        m.eq(where + " Forever", 3000, last(r, "Forever"))
        m.eq(where + " files", ["r.json"], sorted(
            f for f in os.listdir(ctx.tmp) if not f.startswith(".")))
        seen.append(r.get("snapshot"))
    return "killed after snapshots %s" % seen


def t_module(ctx, dormant):
    m = ctx.m
    outdir = ctx.path("o")
    os.mkdir(outdir)
    argv = [ctx.interp.path, ctx.program("api.py"), outdir]
    plain = ctx.run(argv, None, profiled=False)
    imp = fact(plain, "import")
    m.true(str(imp.get("error")).startswith("ImportError"),
           "without the library: import slotprof gave %r" % imp)
    m.eq("without the library: builtin module", False, imp.get("builtin"))
    shutil.rmtree(outdir)
    os.mkdir(outdir)
    main_out = ctx.path("main-%p.json")
    opts = "text=none,output=" + main_out + (",dormant" if dormant else "")
    prof = ctx.run(argv, opts)
    same_host(ctx, plain, prof)
    imp = fact(prof, "import")
    m.eq("with the library: import error", None, imp.get("error"))
    m.eq("with the library: builtin module", True, imp.get("builtin"))
    pid = prof.pid
    st0 = fact(prof, "stats0").get("stats") or {}
    m.eq("stats() keys", STATS_KEYS, sorted(st0))
    m.eq("stats pid", pid, st0.get("pid"))
    m.eq("stats python", ctx.interp.version, st0.get("python"))
    m.eq("stats state", "dormant" if dormant else "active", st0.get("state"))
    m.eq("stats interval_seconds", None, st0.get("interval_seconds"))
    m.eq("stats signal", None, st0.get("signal"))
    m.eq("stats output", main_out, st0.get("output"))
    m.true(isinstance(st0.get("profiler_bytes"), int),
           "stats profiler_bytes %r" % st0.get("profiler_bytes"))
    if dormant:
        m.eq("stats censuses before any snapshot", 0, st0.get("censuses"))
    m.eq("stats snapshots before any", 0, st0.get("snapshots"))
    # snapshot(path): the expanded path, written.
    want1 = os.path.join(outdir, "snap-%d-1.json" % pid)
    m.eq("snapshot(path) returns", {"ok": want1},
         fact(prof, "snap1").get("ret"))
    # snapshot(): the session's output.
    want2 = ctx.path("main-%d.json" % pid)
    m.eq("snapshot() returns", {"ok": want2}, fact(prof, "snap2").get("ret"))
    # A relative path after chdir: like open(), against the current
    # directory -- the program chose it (docs/sampling.md).
    got3 = (fact(prof, "snap3").get("ret") or {}).get("ok")
    want3 = os.path.join(outdir, "sub", "rel-%d-3.json" % pid)
    m.eq("snapshot('rel-%p-%n.json') after chdir returns",
         "rel-%d-3.json" % pid, got3)
    m.true(os.path.exists(want3), "%s not written" % want3)
    # snapshot() 2 went to the session's output, which the exit report
    # replaces unless the session is dormant.
    for n, path in ((1, want1), (2, want2), (3, want3)):
        if n == 2 and not dormant:
            continue
        if not os.path.exists(path):
            m.true(False, "snapshot %d: %s not written" % (n, path))
            continue
        r = load(path)
        where = os.path.basename(path)
        check_report(ctx, r, where, kind="snapshot", pid=pid,
                     sampling=sampling_block(dormant=dormant))
        m.eq(where + " snapshot", n, r.get("snapshot"))
        m.eq(where + " trigger", "api", triggers(r)[-1:] and triggers(r)[-1])
        m.eq(where + " Api", 1500, last(r, "Api"))
        m.eq(where + " Api in classes", 1500, instances(r, "Api"))
    rj = fact(prof, "report_json").get("ret") or {}
    m.eq("report('json') type", "str", rj.get("type"))
    parsed = rj.get("parsed")
    if parsed is None:
        m.true(False, "report('json') does not parse: %r" % rj)
    else:
        m.eq("report('json') trigger", "api",
             triggers(parsed)[-1:] and triggers(parsed)[-1])
        m.eq("report('json') Api", 1500, last(parsed, "Api"))
        m.eq("report('json') pid", pid, parsed.get("pid"))
    m.eq("report('text')", {"type": "str", "has_api": True},
         fact(prof, "report_text").get("ret"))
    m.eq("report() is text", {"same_kind": {"ok": "str"}},
         fact(prof, "report_default").get("ret"))
    xml = fact(prof, "report_xml").get("ret") or {}
    m.eq("report('xml') raises", "ValueError", xml.get("error"))
    st1 = fact(prof, "stats1").get("stats") or {}
    m.eq("stats snapshots after three", 3, st1.get("snapshots"))
    if dormant:
        # three snapshots and three reports, nothing else
        m.eq("stats censuses", 6, st1.get("censuses"))
    m.true((st1.get("census_seconds_last") or 0) > 0,
           "stats census_seconds_last %r" % st1.get("census_seconds_last"))
    if not dormant and os.path.exists(want2):
        # The exit report follows the three snapshots.
        r = load(want2)
        check_report(ctx, r, "exit report", kind="exit", pid=pid,
                     sampling=NO_SAMPLING)
        m.eq("exit report number", 4, r.get("snapshot"))
        m.eq("Api at exit", 1500, last(r, "Api"))
    return "stats %s" % {k: st1.get(k) for k in ("state", "censuses",
                                                  "snapshots")}


def t_relative(ctx):
    os.mkdir(ctx.path("out"))
    argv = [ctx.interp.path, ctx.program("phases.py"), "2", "500", "0.25",
            "chdir"]
    plain = ctx.run(argv, None, profiled=False)
    shutil.rmtree(ctx.path("moved"))
    prof = ctx.run(argv, "interval=100ms,text=none,output=out/r-%p.json")
    same_host(ctx, plain, prof)
    m = ctx.m
    m.eq("files in the moved-to directory's out/", [],
         os.listdir(ctx.path("moved", "out")))
    r = load(ctx.path("out", "r-%d.json" % prof.pid))
    check_report(ctx, r, "exit report", kind="exit", pid=prof.pid)
    m.true(triggers(r).count("interval") >= 2,
           "interval censuses after the chdir: triggers %s" % triggers(r))
    m.eq("Grow at exit", 1000, last(r, "Grow"))
    return "%d snapshots" % r.get("snapshot", 0)


def t_default_output(ctx):
    """Sampling mode without output=: slotprof-%s-%p.json in the starting
    directory; the text report goes to stderr once, at exit."""
    argv = [ctx.interp.path, ctx.program("phases.py"), "2", "500", "0.25",
            "chdir"]
    plain = ctx.run(argv, None, profiled=False)
    shutil.rmtree(ctx.path("moved"))
    prof = ctx.run(argv, "interval=100ms")
    m = ctx.m
    m.eq("exit status", plain.rc, prof.rc)
    m.eq("stdout", plain.out, prof.out)
    err = prof.err.decode("utf-8", "replace")
    m.eq("text reports on stderr (one, at exit)", 1,
         len(re.findall(r"^rank +class", err, re.M)))
    m.eq("slotprof: lines", [], slotprof_lines(prof.err))
    m.eq("files in the moved-to directory", ["out"],
         sorted(os.listdir(ctx.path("moved"))))
    names = sorted(f for f in os.listdir(ctx.tmp)
                   if f not in ("facts.jsonl", "moved"))
    m.eq("files in the starting directory", 1, len(names))
    for f in names:
        got = re.match(r"slotprof-(\S+)-(\d+)\.json$", f)
        if got is None:
            m.true(False, "unexpected file %s" % f)
            continue
        r = load(ctx.path(f))
        m.eq("pid in the name", str(prof.pid), got.group(2))
        m.eq("session in the name", r.get("session"), got.group(1))
        check_report(ctx, r, "report", kind="exit", pid=prof.pid)
        check_session(ctx, [got.group(1)], prof.pid, prof)
    return "%s" % names


# ---------------------------------------------------------------- hostile2/

def run_both(ctx, argv, opts, extra=None, plain_argv=None, **kw):
    plain = ctx.run(plain_argv or argv, None, profiled=False, extra=extra,
                    **kw)
    prof = ctx.run(argv, opts, extra=extra, **kw)
    return plain, prof


def t_threads(ctx):
    out = ctx.path("r.json")
    # 1000 objects per thread: 50 batches with 1 ms naps, long enough
    # for several censuses at the sampler's 5% duty cycle.
    argv = [ctx.interp.path, ctx.program("threads.py"), "100", "1000"]
    plain, prof = run_both(ctx, argv, "interval=10ms,text=none,output="
                           + out)
    same_host(ctx, plain, prof)
    m = ctx.m
    r = load(out)
    check_report(ctx, r, "exit report", kind="exit", pid=prof.pid)
    col = series_of(r, "T")
    ticks = [k for k, t in enumerate(triggers(r)) if t == "interval"]
    m.true(len(ticks) >= 2, "%d interval censuses while the threads ran"
           % len(ticks))
    vals = [v or 0 for v in col]
    m.eq("T over the series, non-decreasing", sorted(vals), vals)
    m.eq("T at exit", 100000, last(r, "T"))
    return "%d censuses, T %s" % (len(col), [v for v in col if v][:6])


def t_signal_storm(ctx):
    argv = [ctx.interp.path, ctx.program("sigstorm.py"), "1000", "USR1"]
    plain, prof = run_both(ctx, argv + ["--send"], "signal=USR1,text=none,"
                           "output=" + ctx.path("r-%n.json"),
                           plain_argv=argv)
    same_host(ctx, plain, prof)
    m = ctx.m
    files = numbered(ctx, ctx.tmp, "r")
    m.true(len(files) >= 2, "%d files, want >= 1 snapshot + exit"
           % len(files))
    m.true(len(files) <= 1001, "%d files for 1000 signals" % len(files))
    for n, r in enumerate(files, 1):
        where = "r-%d.json" % n
        check_report(ctx, r, where, pid=prof.pid,
                     kind="exit" if n == len(files) else "snapshot")
        m.eq(where + " Storm", 3000, last(r, "Storm"))
    return "%d snapshots for 1000 signals" % (len(files) - 1)


def t_signal_taken_over(ctx):
    """The program installs its own handler for the snapshot signal: its
    handler runs (as without the library), the program is unchanged."""
    argv = [ctx.interp.path, ctx.program("sigstorm.py"), "200", "USR1",
            "--send", "--own"]
    out = ctx.path("r.json")
    plain, prof = run_both(ctx, argv, "signal=USR1,text=none,output=" + out)
    same_host(ctx, plain, prof)
    m = ctx.m
    m.true(b"own USR1 handler ran: True" in prof.out,
           "the program's handler did not run: %r" % prof.out)
    r = load(out)
    check_report(ctx, r, "exit report", kind="exit", pid=prof.pid)
    m.eq("Storm at exit", 3000, last(r, "Storm"))
    return "%d signal snapshots before the program took SIGUSR1" % (
        triggers(r).count("signal"))


def t_fork_storm(ctx):
    """No run without the library: the program's output is known, and
    two hundred forks cost seconds on a busy machine."""
    os.mkdir(ctx.path("out"))
    argv = [ctx.interp.path, ctx.program("forkstorm.py"), str(FORK_STORM)]
    prof = ctx.run(argv, "interval=20ms,text=none,output="
                   + ctx.path("out", "r-%p.json"))
    m = ctx.m
    m.eq("exit status", 0, prof.rc)
    m.eq("stdout", b"%d children, %d exited with status 0\n"
         % (FORK_STORM, FORK_STORM), prof.out)
    m.eq("stderr", b"", prof.err)
    kids = {}
    for f in prof.facts:
        if f.get("role") == "children":
            kids = {int(p): k for p, k in f["kids"].items()}
    m.eq("children", FORK_STORM, len(kids))
    reps = {int(k[0]): r for k, r in reports_named(
        ctx, ctx.path("out"), r"r-(\d+)\.json").items()}
    m.eq("reports (parent + children)", FORK_STORM + 1, len(reps))
    missing = sorted(k for p, k in kids.items() if p not in reps)
    m.eq("children without a report (k)", [], missing)
    bad = []
    for pid, k in sorted(kids.items(), key=lambda i: i[1]):
        r = reps.get(pid)
        if r is None:
            continue
        want = ("_exit" if k % 2 == 0 else "exit", k + 1, "exit")
        got = (triggers(r)[-1:] and triggers(r)[-1], last(r, "Kid"),
               r.get("kind"))
        if got != want:
            bad.append((k, want, got))
    m.eq("children whose report is not (trigger, Kid, kind) as expected",
         [], bad[:5])
    if prof.pid in reps:
        m.eq("parent Kid", None, last(reps[prof.pid], "Kid"))
    return "%d reports" % len(reps)


EXITS = {
    # mode: (options, report expected, last trigger)
    "osexit": ("", True, "_exit"),
    "osexit-thread": ("", True, "_exit"),
    "ctypes-exit": ("", False, None),
    "pydll-exit": ("", True, "_exit"),
    "sysexit": ("interval=50ms", True, "exit"),
    "kbint": ("interval=50ms", True, "exit"),
    "sigint": ("", True, "exit"),
    "delraise": ("interval=50ms", True, "exit"),
    "atexitraise": ("", True, "exit"),
}


def t_exit(ctx, mode):
    opts, want_report, trigger = EXITS[mode]
    out = ctx.path("r.json")
    argv = [ctx.interp.path, ctx.program("exits.py"), mode]
    plain, prof = run_both(ctx, argv, ",".join(
        x for x in (opts, "text=none", "output=" + out) if x))
    same_host(ctx, plain, prof)
    m = ctx.m
    if not want_report:
        # _exit() from a thread that released the GIL: no census there.
        m.eq("files", ["facts.jsonl"] if os.path.exists(ctx.facts_path)
             else [], sorted(os.listdir(ctx.tmp)))
        return "rc=%s, no report" % prof.rc
    r = load(out)
    check_report(ctx, r, "report", kind="exit", pid=prof.pid)
    m.eq("last trigger", trigger, triggers(r)[-1:] and triggers(r)[-1])
    m.eq("Exiting", 1234, last(r, "Exiting"))
    return "rc=%s, trigger %s" % (prof.rc, triggers(r)[-1:])


def t_freeze(ctx):
    out = ctx.path("r.json")
    argv = [ctx.interp.path, ctx.program("freeze.py"), "0.3"]
    plain, prof = run_both(ctx, argv, "interval=50ms,text=none,output="
                           + out)
    same_host(ctx, plain, prof)
    m = ctx.m
    r = load(out)
    check_report(ctx, r, "exit report", kind="exit", pid=prof.pid)
    ticks = [k for k, t in enumerate(triggers(r)) if t == "interval"]
    m.true(ticks, "no interval census")
    fz, th = series_of(r, "Frozen"), series_of(r, "Thawed")
    m.eq("Frozen at the later interval censuses", [3000] * len(ticks[-2:]),
         [fz[k] for k in ticks[-2:]])
    m.eq("Thawed at the later interval censuses", [1000] * len(ticks[-2:]),
         [th[k] for k in ticks[-2:]])
    m.eq("Frozen at exit", 3000, last(r, "Frozen"))
    m.eq("Thawed at exit", 1000, last(r, "Thawed"))
    return "%d interval censuses" % len(ticks)


def t_tracemalloc(ctx, how):
    out = ctx.path("r.json")
    flags = ["-X", "tracemalloc"] if how == "flag" else []
    argv = [ctx.interp.path] + flags + [ctx.program("tmalloc.py"), how,
                                        "0.3"]
    plain, prof = run_both(ctx, argv, "interval=50ms,text=none,output="
                           + out)
    same_host(ctx, plain, prof)
    m = ctx.m
    m.eq("the program's own check", b"tracing True, 2000 objects, traced "
         b"blocks here >= 2000: True\n", prof.out)
    r = load(out)
    check_report(ctx, r, "exit report", kind="exit", pid=prof.pid)
    # At least one periodic census ran beside the tracer (a slow census
    # under tracing spaces the next ones out: 5% duty cycle).
    m.true(triggers(r).count("interval") >= 1, "triggers %s" % triggers(r))
    m.eq("Traced at exit", 2000, last(r, "Traced"))
    return "%d censuses" % len(triggers(r))


def t_reftracer(ctx):
    out = ctx.path("r.json")
    argv = [ctx.interp.path, ctx.program("reftracer.py"), "0.3"]
    extra = {"PYTHONPATH": ctx.program("reftracer_site")}
    plain, prof = run_both(ctx, argv, "interval=50ms,text=none,output="
                           + out, extra=extra)
    same_host(ctx, plain, prof, slotprof_ok=True)
    m = ctx.m
    m.eq("the program's own check", b"2000 objects; tracer still abs: "
         b"True, data True\n", prof.out)
    # Allocation counting needs the tracer slot: it stands aside, says so
    # once, and the report has no allocation data.
    m.eq("slotprof: lines", ["slotprof: another reference tracer "
         "(PyRefTracer) is installed; allocation counting is off, so as "
         "not to replace it"], slotprof_lines(prof.err))
    r = load(out)
    m.eq("allocations", None, r.get("allocations", "missing"))
    check_report(ctx, r, "exit report", kind="exit", pid=prof.pid)
    # At least one periodic census ran beside the tracer (a slow census
    # under tracing spaces the next ones out: 5% duty cycle).
    m.true(triggers(r).count("interval") >= 1, "triggers %s" % triggers(r))
    m.eq("Ref at exit", 2000, last(r, "Ref"))
    return "%d censuses" % len(triggers(r))


def t_unwritable(ctx):
    blocker = ctx.path("afile")
    with open(blocker, "w") as f:
        f.write("not a directory\n")
    target = os.path.join(blocker, "r.json")
    argv = [ctx.interp.path, ctx.program("phases.py"), "2", "500", "0.2"]
    plain, prof = run_both(ctx, argv, "interval=100ms,text=none,output="
                           + target)
    same_host(ctx, plain, prof, slotprof_ok=True)
    m = ctx.m
    lines = slotprof_lines(prof.err)
    m.true(lines, "no slotprof: line for an unwritable output")
    m.eq("slotprof: lines not naming the path", [],
         [l for l in lines if target not in l])
    with open(blocker) as f:
        m.eq("the file in the way", "not a directory\n", f.read())
    return "%d slotprof: line(s): %s" % (len(lines), lines[:1])


def t_symlink(ctx):
    target = ctx.path("precious.txt")
    with open(target, "w") as f:
        f.write("precious\n")
    link = ctx.path("r.json")
    os.symlink(target, link)
    argv = [ctx.interp.path, ctx.program("phases.py"), "2", "500", "0.2"]
    plain = ctx.run(argv, None, profiled=False)
    prof = ctx.run(argv, "interval=100ms,text=none,output=" + link)
    same_host(ctx, plain, prof)
    m = ctx.m
    m.eq("output is still a symbolic link", False, os.path.islink(link))
    with open(target) as f:
        m.eq("the link's target", "precious\n", f.read())
    r = load(link)
    check_report(ctx, r, "exit report", kind="exit", pid=prof.pid)
    m.eq("Grow at exit", 1000, last(r, "Grow"))
    return "link replaced after %d snapshots" % r.get("snapshot", 0)


def as_user(ctx, user):
    """preexec_fn for a child that runs as `user` ("root" = as we are),
    with the scratch directory open to it.  Root bypasses permission
    checks, an ordinary user does not: FIFOs and links behave the same
    for both, and both tests must say so."""
    if user == "root" or os.geteuid() != 0:
        return None
    os.chmod(ctx.tmp, 0o777)

    def drop():
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
    return drop


def others_can_run(interp):
    """Can an ordinary user run this interpreter and its library?"""
    def open_to_all(path):
        path = os.path.realpath(path)
        while True:
            mode = os.stat(path).st_mode
            if not mode & (stat.S_IXOTH if stat.S_ISDIR(mode) or
                           path.endswith(("python3", ".so")) or
                           os.access(path, os.X_OK) else stat.S_IROTH):
                return False
            if path == "/":
                return True
            path = os.path.dirname(path)
    return (os.geteuid() == 0 and interp.lib is not None
            and open_to_all(interp.path) and open_to_all(interp.lib)
            and open_to_all(PROGS))


def fifo_line(path):
    return ("slotprof: cannot write report to %s: it is a FIFO, not a "
            "regular file; nothing written" % path)


def t_fifo_output(ctx, user, sampling, what):
    """A FIFO at the JSON or text path -- anyone who can create entries
    in the report directory can put one there -- never blocks the
    program (at exit, or at every snapshot of a session) and never
    receives the report: one slotprof: line, said once."""
    fifo = ctx.path("r.json" if what == "output" else "r.txt")
    os.mkfifo(fifo, 0o666)
    argv = [ctx.interp.path, ctx.program("phases.py"), "2", "500", "0.2"]
    opts = ("interval=100ms," if sampling else "") + (
        "text=none,output=" + fifo if what == "output"
        else "text=" + fifo)
    pre = as_user(ctx, user)
    plain = ctx.run(argv, None, profiled=False, preexec_fn=pre, timeout=30)
    prof = ctx.run(argv, opts, preexec_fn=pre, timeout=30)
    same_host(ctx, plain, prof, slotprof_ok=True)
    m = ctx.m
    m.eq("slotprof: lines", [fifo_line(fifo)], slotprof_lines(prof.err))
    m.true(stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced")
    return "%.1f s, %s" % (prof.seconds, user)


def t_symlink_fifo(ctx, user):
    """A link to a FIFO is replaced by the report; the FIFO is never
    opened (a writer would block until someone reads)."""
    fifo = ctx.path("fifo")
    os.mkfifo(fifo, 0o666)
    link = ctx.path("r.json")
    os.symlink(fifo, link)
    argv = [ctx.interp.path, ctx.program("phases.py"), "2", "500", "0.2"]
    pre = as_user(ctx, user)
    plain = ctx.run(argv, None, profiled=False, preexec_fn=pre, timeout=30)
    prof = ctx.run(argv, "interval=100ms,text=none,output=" + link,
                   preexec_fn=pre, timeout=30)
    same_host(ctx, plain, prof)
    m = ctx.m
    m.eq("output is still a symbolic link", False, os.path.islink(link))
    m.true(stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced")
    r = load(link)
    check_report(ctx, r, "exit report", kind="exit", pid=prof.pid)
    m.eq("Grow at exit", 1000, last(r, "Grow"))
    return "link replaced, %s" % user


GROW_CLASSES = 150


def calibrate_grow(ctx):
    """Sizes of grow.py's two snapshots, written to an ordinary disk."""
    cal = ctx.path("cal")
    os.mkdir(cal)
    out = os.path.join(cal, "c-%n.json")
    p = ctx.run([ctx.interp.path, ctx.program("grow.py"), out,
                 str(GROW_CLASSES)], "text=none,output=" + out)
    ctx.R.check(p.rc == 0, "calibration run: " + p.brief())
    sizes = []
    for n in (1, 2):
        path = os.path.join(cal, "c-%d.json" % n)
        ctx.R.check(os.path.exists(path), "calibration: no snapshot %d: %s"
                    % (n, p.brief()))
        sizes.append(os.path.getsize(path))
    return sizes


def check_first_snapshot_kept(ctx, prof, out, directory):
    m = ctx.m
    m.eq("snapshot(out) 1 returns", out, fact(prof, "snap1").get("ret"))
    m.eq("snapshot(out) 2 returns (no room)", None,
         fact(prof, "snap2").get("ret"))
    lines = slotprof_lines(prof.err)
    # Snapshot 2 and the exit report fail the same way: said once
    # (output.c logs a repeated failure once).
    m.eq("slotprof: lines (the same failure twice, said once)", 1,
         len(lines))
    r = load(out)
    check_report(ctx, r, "the report left", kind="snapshot", pid=prof.pid)
    m.eq("the report left is snapshot", 1, r.get("snapshot"))
    m.eq("Small in it", 500, last(r, "Small"))
    m.eq("Bulky000 in it", None, last(r, "Bulky000"))
    m.eq("files left", [os.path.basename(out)], sorted(
        f for f in os.listdir(directory) if f != "facts.jsonl"))
    return lines


def t_disk_full(ctx):
    R = ctx.R
    s1, s2 = calibrate_grow(ctx)
    R.check(s2 > s1 + 16384, "calibration: snapshots of %d and %d bytes, "
            "want the second 16 KiB bigger" % (s1, s2))
    mnt = ctx.path("mnt")
    os.mkdir(mnt)
    # Room for the first snapshot with 8 KiB to spare: the second one
    # (written next to the first before the rename) cannot fit.
    size = (s1 + 4095) // 4096 * 4096 + 8192
    mp = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d" % size,
                         "slotprof-it", mnt], stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT)
    R.check(mp.returncode == 0, "cannot mount a tmpfs (needs root): %s"
            % mp.stdout.decode().strip())
    try:
        out = os.path.join(mnt, "r.json")
        argv = [ctx.interp.path, ctx.program("grow.py"), out,
                str(GROW_CLASSES)]
        plain, prof = run_both(ctx, argv, "text=none,output=" + out)
        same_host(ctx, plain, prof, slotprof_ok=True)
        lines = check_first_snapshot_kept(ctx, prof, out, mnt)
        return "tmpfs %d B, snapshots %d/%d B: %s" % (size, s1, s2,
                                                      lines[:1])
    finally:
        subprocess.run(["umount", mnt])


def t_file_size_limit(ctx):
    R = ctx.R
    s1, s2 = calibrate_grow(ctx)
    R.check(s2 > s1 + 4096, "calibration: snapshots of %d and %d bytes"
            % (s1, s2))
    limit = s1 + (s2 - s1) // 2
    d = ctx.path("lim")
    os.mkdir(d)
    out = os.path.join(d, "r.json")

    def cap():
        # SIGXFSZ is ignored by CPython: a write past the limit fails
        # with EFBIG instead of killing the process.
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    argv = [ctx.interp.path, ctx.program("grow.py"), out,
            str(GROW_CLASSES)]
    plain, prof = run_both(ctx, argv, "text=none,output=" + out,
                           preexec_fn=cap)
    same_host(ctx, plain, prof, slotprof_ok=True)
    lines = check_first_snapshot_kept(ctx, prof, out, d)
    return "limit %d B, snapshots %d/%d B: %s" % (limit, s1, s2, lines[:1])


# ---------------------------------------------------------------- jobs

def _tests(interp):
    """(name, function of ctx) for this interpreter, in run order."""
    t = [
        ("process/prefork", lambda c: t_prefork(c, None)),
        ("process/prefork-interval", lambda c: t_prefork(c, "50ms")),
        ("process/pool-fork", t_pool),
        ("process/pool-fork-interval-warnings", lambda c: t_pool(c, "50ms")),
        ("process/spawn", lambda c: t_spawn(c, "spawn")),
        ("process/forkserver", lambda c: t_spawn(c, "forkserver")),
        ("process/subprocess-session", t_subprocess),
        ("sampling/interval", t_interval),
        ("sampling/percent-n", t_percent_n),
        ("sampling/signal", t_signal),
        ("sampling/dormant-quiet", t_dormant_quiet),
        ("sampling/dormant-signal", t_dormant_signal),
        ("sampling/max-pause", t_max_pause),
        ("sampling/sigkill", t_sigkill),
        ("sampling/module", lambda c: t_module(c, False)),
        ("sampling/module-dormant", lambda c: t_module(c, True)),
        ("sampling/relative-path", t_relative),
        ("sampling/default-output", t_default_output),
        ("hostile2/threads", t_threads),
        ("hostile2/signal-storm", t_signal_storm),
        ("hostile2/signal-taken-over", t_signal_taken_over),
        ("hostile2/fork-storm", t_fork_storm),
    ]
    for mode in EXITS:
        t.append(("hostile2/exit-" + mode, lambda c, mode=mode:
                  t_exit(c, mode)))
    t += [
        ("hostile2/gc-freeze", t_freeze),
        ("hostile2/tracemalloc-start", lambda c: t_tracemalloc(c, "start")),
        ("hostile2/tracemalloc-flag", lambda c: t_tracemalloc(c, "flag")),
    ]
    if interp.vinfo is not None and interp.vinfo >= (3, 13):
        t.append(("hostile2/reftracer", t_reftracer))
    t += [
        ("hostile2/unwritable-output", t_unwritable),
        ("hostile2/symlink-output", t_symlink),
    ]
    # As an ordinary user too, where it can run this interpreter and
    # library (pyenv's live under root's 0700 home; Debian's do not).
    users = ["root"] + (["nobody"] if others_can_run(interp) else [])
    for user in users:
        for what in ("output", "text"):
            for sampling in (False, True):
                t.append(("hostile2/fifo-%s-%s-%s" % (
                    what, "session" if sampling else "exit", user),
                    lambda c, u=user, w=what, s=sampling:
                    t_fifo_output(c, u, s, w)))
        t.append(("hostile2/symlink-fifo-" + user,
                  lambda c, u=user: t_symlink_fifo(c, u)))
    t += [
        ("hostile2/disk-full", t_disk_full),
        ("hostile2/file-size-limit", t_file_size_limit),
    ]
    return t


def _job(name, fn, interp, keep):
    def job():
        R = _runner()
        t0 = time.monotonic()
        tmp = tempfile.mkdtemp(prefix="slotprof-sp-")
        try:
            ctx = Ctx(interp, tmp, R)
            try:
                detail = fn(ctx)
            except R.Failure as f:
                ctx.m.items.append(str(f))
                detail = ""
            ctx.m.raise_if_any()
            return [(name, None, "%s (%.1f s)" % (detail or "",
                                                time.monotonic() - t0))]
        except R.Failure as f:
            return [(name, str(f), "")]
        except (OSError, ValueError, KeyError, TypeError,
                IndexError) as e:
            return [(name, "%s: %s" % (type(e).__name__, e), "")]
        finally:
            if keep:
                print("kept %s: %s" % (name, tmp), file=sys.stderr)
            else:
                shutil.rmtree(tmp, ignore_errors=True)
    return job


def jobs(interp, want, keep):
    for name, fn in _tests(interp):
        if want(name):
            yield name, _job(name, fn, interp, keep)
