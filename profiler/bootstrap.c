/*
 * bootstrap.c -- getting into the host process and out of its way.
 *
 * The library is preloaded into every process that inherits LD_PRELOAD:
 * shells, compilers, other Pythons.  The constructor therefore does the
 * least it can: a few dlsym() look-ups.  Without CPython's symbols it
 * returns and the library stays inert for the life of the process.  In a
 * CPython it checks that this is the exact version the library was built
 * for, parses SLOTPROF_OPTIONS, registers the built-in module `slotprof`
 * and arms an audit hook (PEP 578), which works before Py_Initialize on
 * 3.8-3.13.  Real work starts on the first cpython.run_* event -- the
 * interpreter is initialized and `site` has run by then -- when the hook
 * registers an atexit callback (the exit census and the report), a gc
 * callback (censuses when the heap may be at a new peak) and an at-fork
 * callback (a fork child starts clean), and, in a sampling session
 * (docs/sampling.md), installs the snapshot signal handler and starts the
 * sampler thread, which has snapshots taken by the main thread through
 * pending calls, or takes the GIL itself when the main thread is idle.  Neither PEP 523 nor any allocator hook is used: a
 * census reads the GC lists, so the host's fast paths are untouched.
 *
 * Locking: every piece of state below is read and written with the GIL
 * held -- by the main thread's callbacks, by the sampler thread between
 * PyGILState_Ensure and Release, by the module's functions, and by the
 * _exit() interposer, which acts only when its caller holds the GIL.  The
 * exceptions are `state` (atomic: the audit hook reads it from any
 * thread) and the sampler's semaphores and flags, which the signal
 * handler and the sampler touch without it.
 *
 * Nothing here may raise into user code, print to stdout, or end the
 * process: every failure is one sp_log() line and the state goes to
 * SP_STATE_INERT (or the session goes on without the part that failed).
 */
#include "pyapi.h"

#include <dlfcn.h>              /* dlsym, RTLD_DEFAULT, RTLD_NEXT */
#include <errno.h>              /* errno, EINTR, EAGAIN */
#include <fcntl.h>              /* open, O_CLOEXEC */
#include <semaphore.h>          /* sem_post, sem_clockwait */
#include <pthread.h>            /* pthread_create, pthread_sigmask */
#include <signal.h>             /* sigaction */
#include <stdlib.h>             /* getenv, setenv */
#include <string.h>             /* strncmp, strlen */
#include <sys/syscall.h>        /* SYS_exit_group */
#include <time.h>               /* clock_gettime, gmtime_r */
#include <unistd.h>             /* read, getpid, access */

#include "slotprof.h"           /* slotprof_state and friends */

#define SP_LIB_VERSION "0.2.0"

enum {
    SP_STATE_INERT = -1,
    SP_STATE_WAITING = 0,
    SP_STATE_ACTIVE = 1,
    SP_STATE_DONE = 2,
};

/* Written by the constructor and by threads holding the GIL; read by the
 * audit hook and _exit() from any thread, hence atomic. */
static _Atomic int state = SP_STATE_INERT;
static struct sp_config config;
static double t_start;
/* The census shown by the exit report: the one whose profiled instances
 * (with a __dict__ or without) took the most memory -- the program's
 * peak in the classes that matter, comparable between a run before and
 * a run after adding slots (docs/report-format.md). */
static struct sp_report *best;
/* The largest resident set any census ran at, and the most counted
 * instances alive at one: the next gc census waits for the process to
 * outgrow them. */
static uint64_t census_rss;
static uint64_t census_live;
/* Every attribute name each class had at any census (history.c): plans
 * hold them all.  Kept across fork: the child runs the same code. */
static struct sp_history history;
static uint64_t censuses;
static double census_seconds;
static double census_seconds_last;
/* Set while a census runs: a gc callback cannot re-enter it. */
static bool in_census;
/* The process the state above belongs to.  A fork child inherits it (a
 * pre-fork census, its counters) and must not report the parent's
 * classes as its own. */
static pid_t owner;

/* The session (docs/sampling.md). */
static char session[64];
static bool session_export;     /* set SLOTPROF_SESSION for children */
static struct sp_series series;
static uint64_t snapshots;      /* reports written by this process */
static uint64_t aborted;        /* censuses stopped at max_pause */
static uint64_t skipped;        /* interval ticks lost to back-off */
static uint64_t interval_now_us;    /* interval after back-off */
static bool backoff_logged;

/* The sampler thread and the semaphore that wakes it (no descriptor:
 * the host's fd numbers stay its own, and a program that closes every
 * descriptor cannot pull it from under the signal handler).  The signal
 * handler sets signal_pending and posts `wake` (sem_post is
 * async-signal-safe); stopping sets sampler_stop and posts it. */
static sem_t wake;
static sem_t served;            /* posted when a requested snapshot ran */
static bool sems_ready;
static _Atomic bool signal_pending;
static pthread_t sampler;
static pid_t sampler_pid;       /* 0: no sampler thread in this process */
static _Atomic pid_t sampler_tid;       /* its kernel thread id */
static bool sampler_paused;     /* stopped around os.fork() */
static bool fork_from_thread;   /* os.fork() called by a non-main thread */
static _Atomic bool sampler_stop;
static struct sigaction old_action;     /* chained by the handler */
/* A snapshot the sampler asked for: served (under the GIL) by a pending
 * call in the main thread, or by the sampler itself if that does not
 * come soon.  Whoever comes first serves it, the other finds it done. */
static _Atomic uint64_t ticket_asked, ticket_started, ticket_done;
static const char *_Atomic ticket_trigger;

static int restart_sampler(void *unused);

/* glibc's _exit, for the interposer below; found by the constructor. */
typedef void (*exit_fn)(int);
static exit_fn real_exit;


static double
now(void)
{
    return sp_monotonic();
}

/* In a fork child, drop what the parent had gathered. */
static void
adopt_process(void)
{
    pid_t pid = getpid();
    if (pid == owner) {
        return;
    }
    owner = pid;
    sp_allocs_after_fork_child();
    if (best != NULL) {
        sp_report_free(best);
        best = NULL;
    }
    sp_series_free(&series);
    census_rss = 0;
    census_live = 0;
    censuses = 0;
    census_seconds = 0;
    census_seconds_last = 0;
    snapshots = 0;
    aborted = 0;
    skipped = 0;
    interval_now_us = config.interval_us;
    t_start = now();
}

/* Resident set size in bytes, from /proc/self/statm; 0 if unreadable.
 * No stdio and no malloc: this runs inside gc callbacks. */
static uint64_t
rss_bytes(void)
{
    char buf[128];
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) {
        return 0;
    }
    buf[n] = '\0';
    const char *p = strchr(buf, ' ');
    if (p == NULL) {
        return 0;
    }
    return strtoull(p + 1, NULL, 10) * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* A census reached max_pause and was stopped: periodic censuses come
 * half as often (up to 64 times the configured interval), and the user
 * hears about it once. */
static void
back_off(double dt)
{
    if (config.interval_us != 0
        && interval_now_us < 64 * config.interval_us) {
        interval_now_us *= 2;
    }
    if (!backoff_logged) {
        backoff_logged = true;
        sp_log("a census was stopped at max_pause=%.3f ms after %.3f ms; "
               "censuses are skipped or stopped from now on when they "
               "would take longer (the report counts them)",
               (double)config.max_pause_us / 1000.0, dt * 1000.0);
    }
}

/* Run one census: into the series, and kept as `best` if it beats it.
 * Returns the report (free it with release()), or NULL when the census
 * failed or was stopped at max_pause. */
static struct sp_report *
take_census(const char *trigger)
{
    bool stopped;
    in_census = true;
    double t0 = now();
    double deadline =
        config.max_pause_us ? t0 + (double)config.max_pause_us / 1e6 : 0;
    uint64_t rss = rss_bytes();
    uint64_t live = sp_allocs_live();
    struct sp_report *r = sp_census_run(&config, &history, trigger,
                                        t0 - t_start, deadline, &stopped);
    double dt = now() - t0;
    in_census = false;
    census_seconds += dt;
    census_seconds_last = dt;
    if (rss > census_rss) {
        census_rss = rss;
    }
    if (live != UINT64_MAX && live > census_live) {
        census_live = live;
    }
    if (stopped) {
        aborted++;
        back_off(dt);
        return NULL;
    }
    censuses++;
    if (r == NULL) {
        return NULL;
    }
    /* Comfortably inside the budget again: undo one step of back-off. */
    if (interval_now_us > config.interval_us
        && dt * 4e6 < (double)config.max_pause_us) {
        interval_now_us /= 2;
    }
    r->chosen.at_seconds = t0 - t_start;
    r->chosen.duration_seconds = dt;
    r->chosen.rss_bytes = rss;
    (void)sp_series_add(&series, r);    /* a shorter series, no more */
    (void)sp_history_note(&history, r); /* fewer names later, no more */
    /* Ties go to the later census: it saw the program further along. */
    if (best == NULL
        || sp_report_profiled_bytes(r) >= sp_report_profiled_bytes(best)) {
        if (best != NULL) {
            sp_report_free(best);
        }
        best = r;
    }
    return r;
}

static void
release(struct sp_report *r)
{
    if (r != NULL && r != best) {
        sp_report_free(r);
    }
}

/* "2026-11-22T06:01:02.123Z", whatever the locale and TZ. */
static void
fmt_utc(char *out, size_t outlen)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (gmtime_r(&ts.tv_sec, &tm) == NULL) {
        out[0] = '\0';
        return;
    }
    /* The modulos only bound the widths for the compiler. */
    snprintf(out, outlen, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
             (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
             (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
             (unsigned)tm.tm_sec % 100u,
             (unsigned)(ts.tv_nsec / 1000000) % 1000u);
}

/* Everything a report says about the process and the session, and its
 * plans made again with every name the run has seen so far (a census
 * after the one shown may have seen more).  False if memory ran out
 * while re-planning: the report must not be written then. */
static bool
fill_report(struct sp_report *r, const char *kind, uint64_t number)
{
    struct sp_session_info *ss = &r->session;

    if (!sp_classinfo_replan(r, &history)) {
        sp_log("out of memory while planning a report; it is skipped");
        return false;
    }
    sp_allocs_refresh(r);
    r->pid = (int)getpid();
    r->censuses = censuses;
    r->census_seconds_total = census_seconds;
    r->profiler_bytes = sp_alloc_footprint();
    memset(ss, 0, sizeof(*ss));
    ss->kind = kind;
    memcpy(ss->session, session, sizeof(ss->session));
    ss->snapshot = number;
    fmt_utc(ss->written_at, sizeof(ss->written_at));
    ss->interval_us = config.interval_us;
    ss->signal = config.signal != 0 ? config.signal_name : NULL;
    ss->dormant = config.dormant;
    ss->max_pause_us = config.max_pause_us;
    ss->censuses_aborted = aborted;
    ss->censuses_skipped = skipped;
    if (best != NULL) {
        ss->has_peak = true;
        ss->peak = best->chosen;
        ss->peak_savings = sp_report_total_savings(best);
    }
    ss->series = &series;
    return true;
}

/* Write r: the JSON to json_tmpl (if not ""), the text to stderr or to
 * its file when `text` says so.  The path written goes to `written`
 * (may be NULL).  False if the JSON was asked for and not written. */
static bool
write_report(struct sp_report *r, const char *kind, const char *json_tmpl,
             bool text, char *written, size_t wlen)
{
    char path[SP_PATH_MAX];
    bool ok = true;
    struct sp_path_vars v;

    if (!fill_report(r, kind, snapshots + 1)) {
        return false;
    }
    ++snapshots;
    v.pid = r->pid;
    v.session = session;
    v.snapshot = snapshots;

    if (json_tmpl[0] != '\0') {
        struct sp_buf b;
        sp_buf_init(&b);
        sp_report_json(r, &b);
        ok = false;
        if (!sp_buf_ok(&b)) {
            sp_log("out of memory while writing the JSON report");
        }
        else if (!sp_config_expand_path(json_tmpl, &v, path,
                                        sizeof(path))) {
            sp_log("output path too long after expanding it: %s",
                   json_tmpl);
        }
        else if (sp_output_write_atomic(path, b.data, b.len)) {
            ok = true;
            if (written != NULL) {
                snprintf(written, wlen, "%s", path);
            }
        }
        sp_buf_free(&b);
    }
    if (text && config.text_mode != SP_TEXT_NONE) {
        struct sp_buf b;
        sp_buf_init(&b);
        sp_report_text(r, config.top, &b);
        if (!sp_buf_ok(&b)) {
            sp_log("out of memory while writing the text report");
        }
        else if (config.text_mode == SP_TEXT_STDERR) {
            sp_write_all(2, b.data, b.len);
        }
        else if (!sp_config_expand_path(config.text_path, &v, path,
                                        sizeof(path))) {
            sp_log("text path too long after expanding it: %s",
                   config.text_path);
        }
        else {
            sp_output_write_atomic(path, b.data, b.len);
        }
        sp_buf_free(&b);
    }
    return ok;
}

/* A snapshot: a census now and a complete report of it.  json_tmpl NULL
 * means the session's outputs (JSON, and the text when it goes to a
 * file); a path from slotprof.snapshot(path) gets the JSON only. */
static bool
take_snapshot(const char *trigger, const char *json_tmpl, char *written,
              size_t wlen)
{
    adopt_process();
    struct sp_report *r = take_census(trigger);
    if (r == NULL) {
        return false;
    }
    bool ok = write_report(r, "snapshot",
                           json_tmpl != NULL ? json_tmpl : config.output,
                           json_tmpl == NULL
                               && config.text_mode == SP_TEXT_FILE,
                           written, wlen);
    release(r);
    return ok;
}

/* ------------------------------------------------------------ sampler */

/* Async-signal-safe: an atomic store and sem_post, errno preserved,
 * then whatever handler was there before ours (a C handler of an
 * extension or of the embedding program). */
static void
on_signal(int sig, siginfo_t *si, void *uc)
{
    int saved = errno;
    signal_pending = true;
    if (sems_ready) {
        sem_post(&wake);
    }
    errno = saved;
    if (old_action.sa_flags & SA_SIGINFO) {
        if (old_action.sa_sigaction != NULL) {
            old_action.sa_sigaction(sig, si, uc);
        }
    }
    else if (old_action.sa_handler != SIG_DFL
             && old_action.sa_handler != SIG_IGN
             && old_action.sa_handler != NULL) {
        old_action.sa_handler(sig);
    }
}

/* Serve the newest ticket (GIL held): one snapshot, unless it was served
 * already, the session ended, or this is not the process that asked. */
static void
serve_ticket(void)
{
    uint64_t t = ticket_asked;
    if (t == ticket_done) {
        return;
    }
    ticket_started = t;
    const char *trigger = ticket_trigger;
    if (!sampler_stop && state == SP_STATE_ACTIVE && !in_census
        && owner == getpid()) {
        (void)take_snapshot(trigger, NULL, NULL, 0);
        if (config.interval_us != 0 && strcmp(trigger, "interval") == 0) {
            /* Ticks of the configured interval the back-off let pass
             * without a census. */
            skipped += interval_now_us / config.interval_us - 1;
        }
    }
    ticket_done = t;
    sem_post(&served);
}

static int
pending_snapshot(void *unused)
{
    (void)unused;
    serve_ticket();
    return 0;
}

/* After `seconds` from now, on CLOCK_MONOTONIC. */
static struct timespec
deadline_in(double seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double ns = (double)ts.tv_nsec + seconds * 1e9;
    ts.tv_sec += (time_t)(ns / 1e9);
    ts.tv_nsec = (long)(ns - (double)(time_t)(ns / 1e9) * 1e9);
    return ts;
}

/* Nothing: queued only to set the eval breaker (below). */
static int
pending_nothing(void *unused)
{
    (void)unused;
    return 0;
}

/* One snapshot, asked of the main thread first: a pending call runs at
 * its next eval-breaker check, between two bytecodes, and the sampler
 * never holds a thread state (faulthandler's and sys._current_frames()'s
 * view of the threads stays the host's).  A main thread that runs no
 * bytecode -- blocked in accept() or join(), say -- does not serve it;
 * after 20 ms the sampler takes the GIL itself (PyGILState_Ensure), like any
 * thread of the program, unless the interpreter is finalizing. */
static void
ask_snapshot(const char *trigger)
{
    while (sem_trywait(&served) == 0) {
    }
    ticket_trigger = trigger;
    ticket_asked++;
    if (!sp_pyver.pending_call_may_print
        && Py_AddPendingCall(pending_snapshot, NULL) == 0) {
        /* Wait for the main thread: 20 ms for it to start, then as long
         * as its census takes.  Taking the GIL while it runs one would
         * only queue this thread behind it -- and on 3.9 a GIL handover
         * through a thread that cannot handle signals recomputes the
         * eval breaker without them, delaying the main thread's signal
         * handlers. */
        struct timespec ts = deadline_in(0.02);
        while (ticket_done != ticket_asked && !sampler_stop) {
            if (sem_clockwait(&served, CLOCK_MONOTONIC, &ts) == 0
                || errno == EINTR) {
                continue;
            }
            if (ticket_started != ticket_asked) {
                break;          /* not started within 20 ms */
            }
            ts = deadline_in(0.02);
        }
    }
    if (ticket_done != ticket_asked && ticket_started != ticket_asked
        && !sampler_stop && !sp_finalizing()) {
        PyGILState_STATE g = PyGILState_Ensure();
        serve_ticket();
        PyGILState_Release(g);
        /* 3.9+: handing the GIL on from this thread, which may not handle
         * signals, recomputed the eval breaker without the signals that
         * arrived meanwhile (Python/ceval.c COMPUTE_EVAL_BREAKER and
         * _Py_ThreadCanHandleSignals): the main thread would run their
         * handlers only at its next breaker check -- maybe never before
         * it blocks.  An empty pending call sets the breaker again, and
         * the main thread handles the signals with it
         * (hostile2/signal-storm lost one SIGINT of 50 on 3.9 under load).
         * 3.8 computes the breaker without that condition, and its queue
         * may print (pending_call_may_print). */
        if (!sp_pyver.pending_call_may_print) {
            (void)Py_AddPendingCall(pending_nothing, NULL);
        }
    }
}

/* The sampler thread: wait on `wake` with a timeout of the current
 * interval, then ask for a snapshot.  All signals are blocked in it
 * (pthread_create inherits the mask the creator set), so signal handlers
 * keep running in the host's threads. */
static void *
sampler_main(void *arg)
{
    (void)arg;
    sampler_tid = (pid_t)syscall(SYS_gettid);
    double step = (double)interval_now_us / 1e6;
    struct timespec next = deadline_in(step);
    while (!sampler_stop) {
        int rc = config.interval_us != 0
                     ? sem_clockwait(&wake, CLOCK_MONOTONIC, &next)
                     : sem_wait(&wake);
        if (rc != 0 && errno != ETIMEDOUT) {
            continue;           /* EINTR */
        }
        while (sem_trywait(&wake) == 0) {
            /* wake-ups coalesce: a signal storm is one snapshot */
        }
        if (sampler_stop) {
            break;
        }
        bool tick = rc != 0;
        if (signal_pending) {
            signal_pending = false;
            ask_snapshot("signal");
        }
        if (tick && !sampler_stop) {
            ask_snapshot("interval");
            /* Never a census duty cycle above 5%: the next tick at least
             * 20 censuses' time away, whatever the interval. */
            step = (double)interval_now_us / 1e6;
            if (step < 20 * census_seconds_last) {
                step = 20 * census_seconds_last;
            }
            next = deadline_in(step);
        }
    }
    return NULL;
}

/* Start the sampler in this process, if the session needs one. */
static void
start_sampler(void)
{
    sigset_t all, old;
    pthread_attr_t attr;

    if (config.interval_us == 0 && config.signal == 0) {
        return;
    }
    /* (Re)initialized here: in a fork child the parent's counts are
     * stale, and nobody waits on them yet. */
    if (sem_init(&wake, 0, 0) != 0 || sem_init(&served, 0, 0) != 0) {
        sp_log("cannot create the sampler's semaphores: %s; no snapshots",
               strerror(errno));
        return;
    }
    sems_ready = true;
    sampler_stop = false;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_attr_init(&attr);
    int rc = pthread_create(&sampler, &attr, sampler_main, NULL);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        sp_log("cannot start the sampler thread: %s; no snapshots",
               strerror(rc));
        return;
    }
    pthread_setname_np(sampler, "slotprof");
    sampler_pid = getpid();
}

/* Stop and join the sampler (GIL held).  The GIL is released for the
 * join: the sampler may be waiting for it, and it must see the stop flag
 * once it has it. */
static void
stop_sampler(void)
{
    if (sampler_pid != getpid()) {
        return;         /* none here (a fork child without its own) */
    }
    sampler_pid = 0;
    sampler_stop = true;
    sem_post(&wake);
    sem_post(&served);
    Py_BEGIN_ALLOW_THREADS
    pthread_join(sampler, NULL);
    Py_END_ALLOW_THREADS
}

/* Has the sampler thread left the kernel's thread list?  pthread_join
 * returns when the thread clears its tid (mm_release), a moment before
 * the kernel drops it from the thread group (release_task), which is
 * what /proc/self/stat counts.  Wait that moment out, at most ~10 ms. */
static void
wait_sampler_gone(pid_t tid)
{
    char path[64];
    struct timespec ts = {0, 50000};    /* 50 us */
    snprintf(path, sizeof(path), "/proc/self/task/%d", (int)tid);
    for (int i = 0; i < 200 && access(path, F_OK) == 0; i++) {
        nanosleep(&ts, NULL);
    }
}

static void
install_signal(void)
{
    struct sigaction sa;

    if (config.signal == 0) {
        return;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(config.signal, &sa, &old_action) != 0) {
        sp_log("cannot install the %s handler: %s; no snapshots on it",
               config.signal_name, strerror(errno));
        return;
    }
    if (old_action.sa_sigaction == on_signal) {
        memset(&old_action, 0, sizeof(old_action));     /* not twice */
    }
}

/* ------------------------------------------------------------ the end */

/* The exit report: a last census (unless dormant), then the best census
 * of the run.  `trigger` is "exit" (atexit) or "_exit". */
static void
finish(const char *trigger)
{
    adopt_process();
    state = SP_STATE_DONE;
    if (config.dormant) {
        return;         /* only snapshots that were asked for */
    }
    release(take_census(trigger));
    if (best != NULL) {
        write_report(best, "exit", config.output, true, NULL, 0);
    }
}

/* atexit callback: stop the sampler, then the last census (objects still
 * alive: atexit runs before modules are torn down) and the report.
 * Registered first, so it runs after the program's own atexit callbacks
 * (LIFO). */
static PyObject *
at_exit(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    if (state == SP_STATE_ACTIVE && !in_census) {
        stop_sampler();
        finish("exit");
    }
    Py_RETURN_NONE;
}

/* os._exit() -- how multiprocessing's fork children end -- skips atexit.
 * This definition comes first in the symbol search order (LD_PRELOAD), so
 * the exit report is written here, then glibc's _exit ends the process.
 * Only from a thread holding the GIL, in the process that activated (or
 * a Python-level fork child of it: the at-fork callback adopted it), and
 * never during finalization: a child of _posixsubprocess failing its
 * exec calls _exit from a (v)fork child that never ran our callbacks,
 * and getpid() != owner sends it straight on.  In a process where the
 * library is inert, state is not ACTIVE and this is a plain _exit. */
__attribute__((visibility("default"), noreturn)) void
_exit(int status)
{
    if (state == SP_STATE_ACTIVE && getpid() == owner && sp_holds_gil()
        && !sp_finalizing() && !in_census) {
        sampler_stop = true;    /* it dies with the process; no join */
        finish("_exit");
    }
    if (real_exit != NULL) {
        real_exit(status);
    }
    for (;;) {
        syscall(SYS_exit_group, status);
    }
}

/* gc.callbacks entry: after a generation 1 or 2 collection, if the
 * program may be at a new peak and censuses have used less than 2% of
 * the run so far (plus 30 ms, so a short program's peak is caught at
 * all), take one.  A new peak: with allocation counting, 10% more
 * counted instances alive than at any census so far -- exact, and the
 * same in every run of the same program, so a report shows the same
 * peak every time; without it, 10% more resident memory, which pymalloc
 * reuse hides (a program whose objects come and go in waves keeps its
 * RSS while its class populations peak).  2%, not more: make bench
 * measured the 5% budget this started with as most of the default
 * mode's overhead (docs/performance.md).  Not only full collections:
 * 3.13 raised the young threshold to 2000 and made 150,000 new objects
 * without one.  10%, not less: censuses of a steadily growing heap at
 * smaller steps spent the whole budget early and missed the peak.
 * Generation 0 collections return before any of it. */
static PyObject *
after_gc(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *phase, *info;
    if (state != SP_STATE_ACTIVE || in_census
        || !PyArg_UnpackTuple(args, "cb", 2, 2, &phase, &info)) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    if (sampler_paused) {
        restart_sampler(NULL);
    }
    if (!PyUnicode_Check(phase)
        || PyUnicode_CompareWithASCIIString(phase, "stop") != 0
        || !PyDict_Check(info)) {
        Py_RETURN_NONE;
    }
    PyObject *gen = PyDict_GetItemString(info, "generation");
    if (gen == NULL || !PyLong_Check(gen) || PyLong_AsLong(gen) < 1) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    /* Only now, past the young collections (most calls): on 3.8 the
     * collector and gc.callbacks are process-wide, so a subinterpreter's
     * collections call us too; and getpid() is a system call. */
    if (sp_interp_current() != PyInterpreterState_Main()) {
        Py_RETURN_NONE;
    }
    adopt_process();
    double elapsed = now() - t_start;
    if (census_seconds > 0.02 * elapsed + 0.03) {
        Py_RETURN_NONE;
    }
    uint64_t live = sp_allocs_live();
    if (live != UINT64_MAX) {
        uint64_t step = census_live / 10 > 4096 ? census_live / 10 : 4096;
        if (censuses > 0 && live < census_live + step) {
            Py_RETURN_NONE;
        }
    }
    else {
        uint64_t rss = rss_bytes();
        if (census_rss > 0 && rss < census_rss + census_rss / 10) {
            Py_RETURN_NONE;
        }
    }
    release(take_census("gc"));
    Py_RETURN_NONE;
}

/* os.register_at_fork(before=...): 3.12+ warn (DeprecationWarning,
 * visible, an error under -W error) when os.fork() is called in a
 * process with more than one OS thread (posixmodule.c,
 * warn_about_fork_with_threads, which reads /proc/self/stat).  The
 * sampler must not be that thread: it stops before the fork and starts
 * again after it in the parent. */
static PyObject *
before_fork(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    /* A child forked by a thread other than the main one has a single
     * thread, which CPython ends with pthread_exit when its function
     * returns, never finalizing: a sampler there would keep the child
     * alive, or take the GIL with no thread state left.  No sampler in
     * such a child. */
    fork_from_thread = syscall(SYS_gettid) != getpid();
    /* Such a fork happens in a process with two Python threads at least:
     * 3.12+ warn whatever the sampler does, and stopping it would
     * release the GIL inside os.fork() for nothing (on 3.12 the child
     * then found its interpreter finalizing: test_threading
     * test_3_join_in_forked_from_thread).  The sampler stays. */
    if (!fork_from_thread && sampler_pid != 0 && sampler_pid == getpid()) {
        pid_t tid = sampler_tid;
        stop_sampler();
        wait_sampler_gone(tid);
        sampler_paused = true;
    }
    Py_RETURN_NONE;
}

/* Started again by a pending call, not from the after_in_parent
 * callback itself: 3.13 counts the threads after those callbacks have
 * run (os_fork_impl calls warn_about_fork_with_threads last), 3.12
 * before; a pending call runs once os.fork() has returned, at the main
 * thread's next eval-breaker check.  If the queue is full, the next gc
 * callback or snapshot request starts it. */
static int
restart_sampler(void *unused)
{
    (void)unused;
    if (sampler_paused && state == SP_STATE_ACTIVE && owner == getpid()) {
        sampler_paused = false;
        start_sampler();
    }
    return 0;
}

static PyObject *
after_fork_parent(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    if (sampler_paused) {
        (void)Py_AddPendingCall(restart_sampler, NULL);
    }
    Py_RETURN_NONE;
}

/* os.register_at_fork(after_in_child=...): runs in children of os.fork()
 * (and so of multiprocessing's fork and forkserver start methods), not
 * in those of subprocess.  The child is a process of its own: a clean
 * state, its own semaphores and sampler thread (threads do not survive
 * fork). */
static PyObject *
after_fork_child(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    if (state != SP_STATE_ACTIVE) {
        Py_RETURN_NONE;
    }
    adopt_process();
    sampler_pid = 0;
    sampler_paused = false;
    ticket_done = ticket_started = ticket_asked;  /* the parent's, if queued */
    if (!fork_from_thread) {
        start_sampler();
    }
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------ module */

/* The built-in module `slotprof` (docs/sampling.md): registered by the
 * constructor with PyImport_AppendInittab, so it exists only where the
 * library is loaded into a supported CPython, and costs nothing until
 * imported.  Its functions run with the GIL held, like everything here;
 * they raise only for wrong arguments, never for a profiler failure
 * (that is a `slotprof:` line and a None). */

static bool
module_ready(const char *fn)
{
    if (state != SP_STATE_ACTIVE || in_census) {
        sp_log("slotprof.%s(): the profiler is not active in this process "
               "(state: %s)", fn,
               state == SP_STATE_DONE ? "done" : "not started");
        return false;
    }
    return true;
}

/* A path argument: str or os.PathLike, as a new bytes object in the
 * file system encoding; NULL with an exception set. */
static PyObject *
fs_path(PyObject *path)
{
    PyObject *bytes = NULL;
    if (!PyUnicode_FSConverter(path, &bytes)) {
        return NULL;
    }
    return bytes;
}

static PyObject *
mod_snapshot(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"path", NULL};
    PyObject *path = Py_None, *bytes = NULL;
    char written[SP_PATH_MAX];
    const char *tmpl = NULL;
    (void)self;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:snapshot", kwlist,
                                     &path)) {
        return NULL;
    }
    if (path != Py_None) {
        if ((bytes = fs_path(path)) == NULL) {
            return NULL;
        }
        tmpl = PyBytes_AS_STRING(bytes);
        struct sp_path_vars v = {.pid = 1, .session = "s", .snapshot = 1};
        if (tmpl[0] == '\0'
            || !sp_config_expand_path(tmpl, &v, written, sizeof(written))) {
            Py_DECREF(bytes);
            PyErr_SetString(PyExc_ValueError,
                            "slotprof.snapshot: the path is empty, too "
                            "long, or has a % escape other than %p, %s, "
                            "%n and %%");
            return NULL;
        }
    }
    else if (config.output[0] == '\0') {
        sp_log("slotprof.snapshot(): no path given and no output= option; "
               "nothing written");
        Py_RETURN_NONE;
    }
    if (!module_ready("snapshot")) {
        Py_XDECREF(bytes);
        Py_RETURN_NONE;
    }
    written[0] = '\0';
    bool ok = take_snapshot("api", tmpl, written, sizeof(written));
    Py_XDECREF(bytes);
    if (!ok || written[0] == '\0') {
        Py_RETURN_NONE;
    }
    return PyUnicode_DecodeFSDefault(written);
}

static PyObject *
mod_report(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"format", NULL};
    const char *format = "text";
    (void)self;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "|s:report", kwlist,
                                     &format)) {
        return NULL;
    }
    bool json = strcmp(format, "json") == 0;
    if (!json && strcmp(format, "text") != 0) {
        PyErr_Format(PyExc_ValueError, "slotprof.report: format must be "
                     "'text' or 'json', not '%.50s'", format);
        return NULL;
    }
    if (!module_ready("report")) {
        Py_RETURN_NONE;
    }
    adopt_process();
    struct sp_report *r = take_census("api");
    if (r == NULL) {
        Py_RETURN_NONE;
    }
    struct sp_buf b;
    sp_buf_init(&b);
    if (!fill_report(r, "snapshot", snapshots)) {
        release(r);
        Py_RETURN_NONE;
    }
    if (json) {
        sp_report_json(r, &b);
    }
    else {
        sp_report_text(r, config.top, &b);
    }
    release(r);
    PyObject *s = NULL;
    if (sp_buf_ok(&b)) {
        s = PyUnicode_DecodeUTF8(b.data, (Py_ssize_t)b.len, "replace");
    }
    else {
        sp_log("out of memory while rendering a report");
    }
    sp_buf_free(&b);
    if (s == NULL) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    return s;
}

/* Seconds from microseconds, or None for 0 (off). */
static PyObject *
seconds_or_none(uint64_t us)
{
    if (us == 0) {
        Py_RETURN_NONE;
    }
    return PyFloat_FromDouble((double)us / 1e6);
}

static PyObject *
mod_stats(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    int s = state;
    const char *name = s == SP_STATE_WAITING  ? "waiting"
                       : s == SP_STATE_DONE   ? "done"
                       : s == SP_STATE_INERT  ? "inert"
                       : config.dormant       ? "dormant"
                                              : "active";
    if (s == SP_STATE_ACTIVE) {
        adopt_process();
    }
    PyObject *interval = seconds_or_none(config.interval_us
                                             ? interval_now_us : 0);
    PyObject *d = Py_BuildValue(
        "{s:s,s:s,s:s,s:s,s:i,s:K,s:d,s:d,s:K,s:K,s:K,s:N,s:s,s:s,s:K}",
        "version", SP_LIB_VERSION, "python", SP_PY_VERSION, "state", name,
        "session", session, "pid", (int)getpid(),
        "censuses", (unsigned long long)censuses,
        "census_seconds_total", census_seconds,
        "census_seconds_last", census_seconds_last,
        "censuses_aborted", (unsigned long long)aborted,
        "censuses_skipped", (unsigned long long)skipped,
        "snapshots", (unsigned long long)snapshots,
        "interval_seconds", interval,
        "signal", config.signal ? config.signal_name : NULL,
        "output", config.output[0] ? config.output : NULL,
        "profiler_bytes", (unsigned long long)sp_alloc_footprint());
    return d;
}

static PyMethodDef module_methods[] = {
    {"snapshot", (PyCFunction)(void (*)(void))mod_snapshot,
     METH_VARARGS | METH_KEYWORDS,
     "snapshot(path=None) -> str or None\n\nTake a census now and write a "
     "report to path (or to the session's output); return the path "
     "written."},
    {"report", (PyCFunction)(void (*)(void))mod_report,
     METH_VARARGS | METH_KEYWORDS,
     "report(format='text') -> str or None\n\nTake a census now and return "
     "the report ('text' or 'json'); nothing is written."},
    {"stats", mod_stats, METH_NOARGS,
     "stats() -> dict\n\nThe profiler's state and counters; no census."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "slotprof",
    .m_doc = "slotprof: which classes should declare __slots__.\n\n"
             "Provided by libslotprof.so when it is preloaded "
             "(docs/sampling.md).",
    .m_size = -1,
    .m_methods = module_methods,
};

static PyObject *
module_init(void)
{
    PyObject *m = PyModule_Create(&module_def);
    if (m != NULL
        && PyModule_AddStringConstant(m, "__version__", SP_LIB_VERSION)
               < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

/* ------------------------------------------------------------ start */

static PyMethodDef at_exit_def = {"_slotprof_at_exit", at_exit, METH_NOARGS,
                                  NULL};
static PyMethodDef after_gc_def = {"_slotprof_after_gc", after_gc,
                                   METH_VARARGS, NULL};
static PyMethodDef after_fork_def = {"_slotprof_after_fork_child",
                                     after_fork_child, METH_NOARGS, NULL};
static PyMethodDef before_fork_def = {"_slotprof_before_fork", before_fork,
                                      METH_NOARGS, NULL};
static PyMethodDef after_parent_def = {"_slotprof_after_fork_parent",
                                       after_fork_parent, METH_NOARGS, NULL};

/* Register the atexit, gc (unless dormant) and at-fork callbacks.
 * Returns false with a Python exception set. */
static bool
register_callbacks(void)
{
    bool ok = false;
    PyObject *atexit_mod = NULL, *gc_mod = NULL, *cb = NULL, *res = NULL;
    PyObject *gc_cb = NULL, *callbacks = NULL, *os_mod = NULL;
    PyObject *fork_cb = NULL, *reg = NULL, *kw = NULL, *empty = NULL;
    PyObject *before_cb = NULL, *parent_cb = NULL;

    atexit_mod = PyImport_ImportModule("atexit");
    if (atexit_mod == NULL) {
        goto done;
    }
    cb = PyCFunction_New(&at_exit_def, NULL);
    if (cb == NULL) {
        goto done;
    }
    res = PyObject_CallMethod(atexit_mod, "register", "O", cb);
    if (res == NULL) {
        goto done;
    }
    if (!config.dormant) {
        gc_mod = PyImport_ImportModule("gc");
        if (gc_mod == NULL) {
            goto done;
        }
        callbacks = PyObject_GetAttrString(gc_mod, "callbacks");
        if (callbacks == NULL || !PyList_Check(callbacks)) {
            goto done;
        }
        gc_cb = PyCFunction_New(&after_gc_def, NULL);
        if (gc_cb == NULL || PyList_Append(callbacks, gc_cb) < 0) {
            goto done;
        }
    }
    /* `os` is imported by site already; register_at_fork is POSIX-only
     * and always there on Linux. */
    os_mod = PyImport_ImportModule("os");
    if (os_mod == NULL
        || (reg = PyObject_GetAttrString(os_mod, "register_at_fork"))
               == NULL
        || (fork_cb = PyCFunction_New(&after_fork_def, NULL)) == NULL
        || (before_cb = PyCFunction_New(&before_fork_def, NULL)) == NULL
        || (parent_cb = PyCFunction_New(&after_parent_def, NULL)) == NULL
        || (kw = Py_BuildValue("{s:O,s:O,s:O}", "before", before_cb,
                               "after_in_parent", parent_cb,
                               "after_in_child", fork_cb)) == NULL
        || (empty = PyTuple_New(0)) == NULL) {
        goto done;
    }
    Py_XDECREF(res);
    res = PyObject_Call(reg, empty, kw);
    if (res == NULL) {
        goto done;
    }
    ok = true;
done:
    Py_XDECREF(empty);
    Py_XDECREF(kw);
    Py_XDECREF(fork_cb);
    Py_XDECREF(before_cb);
    Py_XDECREF(parent_cb);
    Py_XDECREF(reg);
    Py_XDECREF(os_mod);
    Py_XDECREF(gc_cb);
    Py_XDECREF(callbacks);
    Py_XDECREF(gc_mod);
    Py_XDECREF(res);
    Py_XDECREF(cb);
    Py_XDECREF(atexit_mod);
    return ok;
}

/* The script's path: CPython deletes __main__.__file__ once the script
 * has run (pythonrun.c, _PyRun_SimpleFileObject), before atexit, so the
 * exit census would not know where __main__'s classes are.  Absolute,
 * because the program may chdir. */
char sp_main_file[SP_PATH_MAX];

static void
remember_main_file(PyObject *args)
{
    PyObject *f;
    const char *u;
    char cwd[SP_PATH_MAX];

    if (!PyTuple_Check(args) || PyTuple_GET_SIZE(args) < 1) {
        return;
    }
    f = PyTuple_GET_ITEM(args, 0);
    if (!PyUnicode_Check(f) || (u = PyUnicode_AsUTF8(f)) == NULL) {
        PyErr_Clear();
        return;
    }
    size_t nu = strlen(u), nc = 0;
    if (u[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL) {
        nc = strlen(cwd);
        cwd[nc++] = '/';
    }
    if (nc + nu >= sizeof(sp_main_file)) {
        return;
    }
    memcpy(sp_main_file, cwd, nc);
    memcpy(sp_main_file + nc, u, nu + 1);
}

static void
activate(const char *event, PyObject *args)
{
    PyObject *type, *value, *tb;

    if (sp_interp_current() != PyInterpreterState_Main()) {
        return;         /* a subinterpreter: not ours */
    }
    /* Whatever happens, the program's exception state is as it was. */
    PyErr_Fetch(&type, &value, &tb);
    t_start = now();
    owner = getpid();
    interval_now_us = config.interval_us;
    if (strcmp(event, "cpython.run_file") == 0) {
        remember_main_file(args);
    }
    if (register_callbacks()) {
        state = SP_STATE_ACTIVE;
        /* After Py_Initialize, so os.environ does not show it; child
         * processes (subprocess, multiprocessing spawn) inherit it from
         * the C environment. */
        if (session_export && setenv("SLOTPROF_SESSION", session, 1) != 0) {
            sp_log("cannot export SLOTPROF_SESSION; child processes start "
                   "sessions of their own");
        }
        (void)sp_allocs_start(&config);
        install_signal();
        start_sampler();
    }
    else {
        PyErr_Clear();
        sp_log("cannot register the atexit/gc/fork callbacks; "
               "running unprofiled");
        state = SP_STATE_INERT;
    }
    PyErr_Restore(type, value, tb);
}

/* The audit hook (PEP 578).  Once armed it stays for the life of the
 * process (audit hooks cannot be removed), so the common path is one
 * atomic load and a return. */
static int
audit_hook(const char *event, PyObject *args, void *data)
{
    (void)data;
    if (event[0] == 'c'
        && strcmp(event, "cpython._PySys_ClearAuditHooks") == 0) {
        /* CPython is about to free every hook entry with the allocator
         * in force now; ours was allocated before Py_Initialize, with the
         * default one: under -X dev / PYTHONMALLOC=debug that free aborts
         * the process.  Leave our entry out of that loop. */
        sp_pyver.unlink_audit_hook(audit_hook);
        return 0;
    }
    if (state != SP_STATE_WAITING) {
        return 0;
    }
    if (strncmp(event, "cpython.run_", 12) != 0) {
        return 0;
    }
    activate(event, args);
    return 0;
}

/* The session id: SLOTPROF_SESSION if a parent set a sane one, else
 * YYYYMMDDTHHMMSS-PID (UTC) of this process, exported at activation when
 * a path names it. */
static void
init_session(void)
{
    const char *s = getenv("SLOTPROF_SESSION");
    size_t n = s != NULL ? strlen(s) : 0;
    bool sane = n > 0 && n < sizeof(session);
    for (size_t i = 0; sane && i < n; i++) {
        char c = s[i];
        sane = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
               || (c >= '0' && c <= '9') || c == '-' || c == '_'
               || c == '.';
    }
    if (sane) {
        memcpy(session, s, n + 1);
        return;
    }
    struct tm tm;
    time_t t = time(NULL);
    if (gmtime_r(&t, &tm) == NULL) {
        memset(&tm, 0, sizeof(tm));
    }
    snprintf(session, sizeof(session), "%04u%02u%02uT%02u%02u%02u-%d",
             (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
             (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
             (unsigned)tm.tm_sec % 100u, (int)getpid());
    session_export = strstr(config.output, "%s") != NULL
                     || strstr(config.text_path, "%s") != NULL;
}

/* A relative path template becomes absolute against the directory the
 * process started in: the program may chdir before the report is
 * written.  A '%' in that directory is doubled so it stays literal.
 * False (template unchanged) if the result would not fit. */
static bool
absolutize(char *tmpl, const char *cwd)
{
    char out[SP_PATH_MAX];
    size_t k = 0;

    if (tmpl[0] == '\0' || tmpl[0] == '/') {
        return true;
    }
    for (const char *p = cwd; *p != '\0'; p++) {
        if (k + 3 >= sizeof(out)) {
            return false;
        }
        out[k++] = *p;
        if (*p == '%') {
            out[k++] = '%';
        }
    }
    size_t n = strlen(tmpl);
    if (k + 1 + n >= sizeof(out)) {
        return false;
    }
    out[k++] = '/';
    memcpy(out + k, tmpl, n + 1);
    memcpy(tmpl, out, k + n + 1);
    return true;
}

/* mine=PATH[:PATH...]: each relative path made absolute against the
 * starting directory, as the output paths are.  False (list unchanged)
 * if the result would not fit. */
static bool
absolutize_list(char *list, const char *cwd)
{
    char out[SP_PATH_MAX];
    size_t k = 0, nc = strlen(cwd);
    const char *p = list;

    while (*p != '\0') {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        size_t need = (p[0] == '/' ? 0 : nc + 1) + n + 1;
        if (k + need >= sizeof(out)) {
            return false;
        }
        if (p[0] != '/') {
            memcpy(out + k, cwd, nc);
            k += nc;
            out[k++] = '/';
        }
        memcpy(out + k, p, n);
        k += n;
        out[k++] = colon ? ':' : '\0';
        p += n + (colon != NULL);
    }
    if (k == 0) {
        return true;
    }
    memcpy(list, out, k);
    return true;
}

__attribute__((constructor)) static void
bootstrap(void)
{
    typedef const char *(*getversion_fn)(void);
    typedef int (*addaudithook_fn)(Py_AuditHookFunction, void *);
    typedef int (*isinitialized_fn)(void);
    char err[512];
    char cwd[SP_PATH_MAX];

    /* Every process: our _exit() must reach glibc's. */
    real_exit = (exit_fn)dlsym(RTLD_NEXT, "_exit");

    getversion_fn getversion =
        (getversion_fn)dlsym(RTLD_DEFAULT, "Py_GetVersion");
    addaudithook_fn addaudithook =
        (addaudithook_fn)dlsym(RTLD_DEFAULT, "PySys_AddAuditHook");
    isinitialized_fn isinitialized =
        (isinitialized_fn)dlsym(RTLD_DEFAULT, "Py_IsInitialized");
    if (getversion == NULL || addaudithook == NULL || isinitialized == NULL) {
        return;         /* not CPython (or older than 3.8): stay silent */
    }
    if (!sp_version_check(SP_PY_VERSION, getversion(), err, sizeof(err))) {
        sp_log("%s", err);
        return;
    }
    if (isinitialized()) {
        sp_log("loaded after the interpreter started; use LD_PRELOAD "
               "(running unprofiled)");
        return;
    }
    sp_config_defaults(&config);
    if (!sp_config_parse(getenv("SLOTPROF_OPTIONS"), &config, err,
                         sizeof(err))) {
        sp_log("%s; running unprofiled", err);
        return;
    }
    if (sp_config_sampling(&config) && config.output[0] == '\0') {
        strcpy(config.output, "slotprof-%s-%p.json");
    }
    if (getcwd(cwd, sizeof(cwd)) == NULL
        || !absolutize(config.output, cwd)
        || (config.text_mode == SP_TEXT_FILE
            && !absolutize(config.text_path, cwd))
        || !absolutize_list(config.mine, cwd)) {
        sp_log("cannot make the report paths absolute (current directory "
               "unknown or too long); running unprofiled");
        return;
    }
    init_session();
    sp_series_init(&series);
    sp_history_init(&history);
    if (PyImport_AppendInittab("slotprof", module_init) != 0) {
        sp_log("cannot register the slotprof module; import slotprof "
               "will fail");
    }
    state = SP_STATE_WAITING;
    if (addaudithook(audit_hook, NULL) != 0) {
        state = SP_STATE_INERT;
        sp_log("cannot add an audit hook; running unprofiled");
    }
}

/* ------------------------------------------------------------ public */

__attribute__((visibility("default"))) const char *
slotprof_version(void)
{
    return SP_LIB_VERSION;
}

__attribute__((visibility("default"))) const char *
slotprof_python_version(void)
{
    return SP_PY_VERSION;
}

__attribute__((visibility("default"))) int
slotprof_state(void)
{
    int s = state;
    return s == SP_STATE_INERT ? -1 : s == SP_STATE_WAITING ? 0 : 1;
}
