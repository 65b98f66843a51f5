/*
 * bootstrap.c -- getting into the host process and out of its way.
 *
 * The library is preloaded into every process that inherits LD_PRELOAD:
 * shells, compilers, other Pythons.  The constructor therefore does the
 * least it can: two dlsym() look-ups.  Without CPython's symbols it
 * returns and the library stays inert for the life of the process.  In a
 * CPython it checks that this is the exact version the library was built
 * for, parses SLOTPROF_OPTIONS, and arms an audit hook (PEP 578), which
 * works before Py_Initialize on 3.8-3.13.  Real work starts on the first
 * cpython.run_* event -- the interpreter is initialized and `site` has run
 * by then -- when the hook registers an atexit callback (the exit census
 * and the report) and a gc callback (censuses when the heap may be at a
 * new peak).  Neither PEP 523 nor any allocator hook is used: a census
 * reads the GC lists, so the host's fast paths are untouched.
 *
 * Nothing here may raise into user code, print to stdout, or end the
 * process: every failure is one sp_log() line and the state goes to
 * SP_STATE_INERT.
 */
#include "pyapi.h"

#include <dlfcn.h>              /* dlsym, RTLD_DEFAULT */
#include <fcntl.h>              /* open */
#include <stdlib.h>             /* getenv */
#include <string.h>             /* strncmp, strlen */
#include <time.h>               /* clock_gettime */
#include <unistd.h>             /* read, close, sysconf */

#include "slotprof.h"           /* slotprof_state and friends */

#define SP_LIB_VERSION "0.1.0"

enum {
    SP_STATE_INERT = -1,
    SP_STATE_WAITING = 0,
    SP_STATE_ACTIVE = 1,
    SP_STATE_DONE = 2,
};

/* Written by the constructor and the main thread holding the GIL; read
 * by the audit hook from any thread, hence atomic. */
static _Atomic int state = SP_STATE_INERT;
static struct sp_config config;
static double t_start;
/* The census with the highest total potential saving so far. */
static struct sp_report *best;
/* The largest resident set any census ran at: the next gc census waits
 * for the process to outgrow it. */
static uint64_t census_rss;
static uint64_t censuses;
static double census_seconds;
/* Set while a census runs: a gc callback cannot re-enter it. */
static bool in_census;
/* The process the state above belongs to.  A fork child inherits it (a
 * pre-fork census, its counters) and must not report the parent's
 * classes as its own. */
static pid_t owner;


static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
    if (best != NULL) {
        sp_report_free(best);
        best = NULL;
    }
    census_rss = 0;
    censuses = 0;
    census_seconds = 0;
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

/* Run one census and keep it if it beats the best one. */
static void
take_census(const char *trigger)
{
    in_census = true;
    double t0 = now();
    uint64_t rss = rss_bytes();
    struct sp_report *r = sp_census_run(&config, trigger);
    double dt = now() - t0;
    in_census = false;
    censuses++;
    census_seconds += dt;
    if (rss > census_rss) {
        census_rss = rss;
    }
    if (r == NULL) {
        return;
    }
    r->chosen.at_seconds = t0 - t_start;
    r->chosen.duration_seconds = dt;
    /* Ties go to the later census: it saw the program further along. */
    if (best == NULL
        || sp_report_total_savings(r) >= sp_report_total_savings(best)) {
        if (best != NULL) {
            sp_report_free(best);
        }
        best = r;
    }
    else {
        sp_report_free(r);
    }
}

static void
write_reports(void)
{
    struct sp_report *r = best;
    char path[SP_PATH_MAX];

    if (r == NULL) {
        return;
    }
    r->pid = (int)getpid();
    r->censuses = censuses;
    r->census_seconds_total = census_seconds;
    r->profiler_bytes = sp_alloc_footprint();

    if (config.output[0] != '\0') {
        struct sp_buf b;
        sp_buf_init(&b);
        sp_report_json(r, &b);
        if (!sp_buf_ok(&b)) {
            sp_log("out of memory while writing the JSON report");
        }
        else if (!sp_config_expand_path(config.output, r->pid, path,
                                        sizeof(path))) {
            sp_log("output path too long after expanding %%p: %s",
                   config.output);
        }
        else {
            sp_output_write_atomic(path, b.data, b.len);
        }
        sp_buf_free(&b);
    }
    if (config.text_mode != SP_TEXT_NONE) {
        struct sp_buf b;
        sp_buf_init(&b);
        sp_report_text(r, config.top, &b);
        if (!sp_buf_ok(&b)) {
            sp_log("out of memory while writing the text report");
        }
        else if (config.text_mode == SP_TEXT_STDERR) {
            sp_write_all(2, b.data, b.len);
        }
        else if (!sp_config_expand_path(config.text_path, r->pid, path,
                                        sizeof(path))) {
            sp_log("text path too long after expanding %%p: %s",
                   config.text_path);
        }
        else {
            sp_output_write_atomic(path, b.data, b.len);
        }
        sp_buf_free(&b);
    }
}

/* atexit callback: the last census (objects still alive: atexit runs
 * before modules are torn down) and the report.  Registered first, so it
 * runs after the program's own atexit callbacks (LIFO). */
static PyObject *
at_exit(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    if (state == SP_STATE_ACTIVE && !in_census) {
        adopt_process();
        state = SP_STATE_DONE;
        take_census("exit");
        write_reports();
    }
    Py_RETURN_NONE;
}

/* gc.callbacks entry: after a generation 1 or 2 collection, if the
 * process grew by 10% past every census so far (so a new peak is possible) and
 * censuses have used less than 5% of the run so far (plus 50 ms, so a
 * short program's peak is caught at all), take one.  Not only
 * full collections: 3.13 raised the young threshold to 2000 and made
 * 150,000 new objects without one.  10%, not less: censuses of a
 * steadily growing heap at smaller steps spent the whole budget early
 * and missed the peak.  The RSS test is one read(2);
 * generation 0 collections return before it. */
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
    if (census_seconds > 0.05 * elapsed + 0.05) {
        Py_RETURN_NONE;
    }
    uint64_t rss = rss_bytes();
    if (censuses > 0 && rss < census_rss + census_rss / 10) {
        Py_RETURN_NONE;
    }
    take_census("gc");
    Py_RETURN_NONE;
}

static PyMethodDef at_exit_def = {"_slotprof_at_exit", at_exit, METH_NOARGS,
                                  NULL};
static PyMethodDef after_gc_def = {"_slotprof_after_gc", after_gc,
                                   METH_VARARGS, NULL};

/* Append a C function to a list attribute / call a registration function
 * of a module.  Returns false with a Python exception set. */
static bool
register_callbacks(void)
{
    bool ok = false;
    PyObject *atexit_mod = NULL, *gc_mod = NULL, *cb = NULL, *res = NULL;
    PyObject *gc_cb = NULL, *callbacks = NULL;

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
    ok = true;
done:
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
    if (strcmp(event, "cpython.run_file") == 0) {
        remember_main_file(args);
    }
    if (register_callbacks()) {
        state = SP_STATE_ACTIVE;
    }
    else {
        PyErr_Clear();
        sp_log("cannot register the atexit/gc callbacks; "
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

__attribute__((constructor)) static void
bootstrap(void)
{
    typedef const char *(*getversion_fn)(void);
    typedef int (*addaudithook_fn)(Py_AuditHookFunction, void *);
    typedef int (*isinitialized_fn)(void);
    char err[512];

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
