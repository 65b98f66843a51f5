/*
 * pyapi.h -- the boundary between version-neutral code and the one
 * CPython-version backend linked into this build (profiler/pyver/pyXY.c).
 *
 * libslotprof is built once per interpreter, against that interpreter's own
 * headers (make PYTHON=...), so exactly one backend is compiled in and
 * exports the table `sp_pyver`.  Only backend files may know struct layouts
 * (dict keys, values arrays, managed-dict pre-headers, GC lists); census.c
 * and classinfo.c ask the table.
 *
 * Every function in the table is called with the GIL held, from the main
 * interpreter, and must not run Python code, allocate Python objects,
 * raise, or materialize anything (never touch obj.__dict__).
 */
#ifndef SLOTPROF_PYAPI_H
#define SLOTPROF_PYAPI_H

#ifndef SLOTPROF_BUILD
#error "pyapi.h is private to libslotprof; build with -DSLOTPROF_BUILD"
#endif

#define PY_SSIZE_T_CLEAN
#include <Python.h>             /* PyObject, PyTypeObject */

#include "internal.h"           /* uint64_t, bool, sp_* helpers */

/* ------------------------------------------------------------ shims */
/* Small C-API differences, one shim each, the #if inside (STYLE.md).
 * Every Python symbol is a weak reference: calling one this interpreter
 * does not export would jump to address 0, hence
 * -Werror=implicit-function-declaration and tests/check-symbols.sh. */

/* The interpreter of the calling thread. */
static inline PyInterpreterState *
sp_interp_current(void)
{
#if PY_VERSION_HEX < 0x03090000
    return _PyInterpreterState_Get();   /* PyInterpreterState_Get: 3.9+ */
#else
    return PyInterpreterState_Get();
#endif
}

/* The calling thread's state, or NULL (never a fatal error). */
static inline PyThreadState *
sp_tstate_unchecked(void)
{
#if PY_VERSION_HEX >= 0x030D0000
    return PyThreadState_GetUnchecked();
#else
    return _PyThreadState_UncheckedGet();
#endif
}

/* Is the runtime finalizing (Py_FinalizeEx has begun)?  3.13 made it
 * public (Python/pylifecycle.c). */
static inline bool
sp_finalizing(void)
{
#if PY_VERSION_HEX >= 0x030D0000
    return Py_IsFinalizing() != 0;
#else
    return _Py_IsFinalizing() != 0;
#endif
}

/* Does the calling thread hold the GIL, with a thread state of the main
 * interpreter's GILState machinery?  PyGILState_Check() says "yes" for
 * everyone on 3.8-3.11 once a subinterpreter exists (it turns its own
 * check off), so compare directly: the thread's own GILState thread state
 * against the one holding the GIL (3.8-3.11: a global; 3.12+: the
 * thread's attached one, NULL when it holds no GIL). */
static inline bool
sp_holds_gil(void)
{
    PyThreadState *mine = PyGILState_GetThisThreadState();
#if PY_VERSION_HEX >= 0x030D0000
    return mine != NULL && mine == PyThreadState_GetUnchecked();
#else
    return mine != NULL && mine == _PyThreadState_UncheckedGet();
#endif
}

/* The allocator in force ("pymalloc", "malloc", ...), NULL for a custom
 * one (Objects/obmalloc.c).  Exported by 3.8-3.13; 3.13 moved the
 * declaration into internal/pycore_pymem.h. */
#if PY_VERSION_HEX >= 0x030D0000
PyAPI_FUNC(const char *) _PyMem_GetCurrentAllocatorName(void);
#endif
static inline const char *
sp_allocator_name(void)
{
    return _PyMem_GetCurrentAllocatorName();
}

/* A str whose characters can be read (PyUnicode_KIND/DATA): before 3.12
 * a legacy string may still need PyUnicode_READY, which fills in the
 * canonical form (C only, no Python code). */
static inline bool
sp_unicode_ready(PyObject *s)
{
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(s) < 0) {
        PyErr_Clear();
        return false;
    }
#else
    (void)s;
#endif
    return true;
}

/* What one live instance costs now, measured from its memory.  */
struct sp_inst {
    uint64_t bytes;         /* cost of all blocks the instance owns, in
                               1/256 B (sp_model_cost: allocator rounding
                               and pool share): object incl. GC header and
                               pre-header, inline values, values array, dict
                               object, unshared keys.  Shared keys and the
                               type itself are not counted. */
    uint64_t nitems;        /* Py_SIZE for var-sized bases (tuple, int,
                               bytes subclasses), else 0 */
    bool materialized;      /* 3.11+: a dict object exists (someone read
                               __dict__ / vars(), or values were dropped) */
    bool unshared;          /* its keys table is its own (combined dict) */
    bool weakref;           /* at least one weak reference to it now */
};

/* Called once per attribute key present on the instance, in the order the
 * instance stores them.  key is a borrowed reference, usually a str. */
typedef void (*sp_name_fn)(PyObject *key, void *arg);

/* Called once per live GC-tracked object.  Return 0 to go on. */
typedef int (*sp_visit_fn)(PyObject *op, void *arg);

/* One Python frame of the calling thread (allocation sites): borrowed
 * pointers, valid while the GIL is held and nothing has run. */
struct sp_pyframe {
    PyObject *code;         /* the code object: identity only */
    PyObject *name;         /* co_qualname (3.11+) or co_name, a str */
    PyObject *file;         /* co_filename, a str */
    int addr;               /* byte offset of the instruction executing,
                               for PyCode_Addr2Line */
};

/* What the 3.13 ref tracer calls (allocs.c): op was just created
 * (created = true) or is about to be destroyed; op may be NULL. */
typedef void (*sp_alloc_event_fn)(PyObject *op, bool created);

/* How allocations are seen (allocs.c, docs/allocations.md). */
enum sp_counting {
    SP_COUNT_TP_ALLOC = 0,  /* 3.8-3.12: patched tp_alloc + object-free hook */
    SP_COUNT_REFTRACER,     /* 3.13+: PyRefTracer create/destroy events */
};

struct sp_pyver {
    const char *name;                   /* "3.12" */
    uint64_t pool_size;                 /* pymalloc POOL_SIZE (obmalloc.c):
                                           4096 on 3.8/3.9, 16384 after */

    /* Visit every GC-tracked object of the main interpreter, including
     * the permanent generation (gc.freeze()).  Reads the GC lists only:
     * must not allocate, collect or untrack.  Returns objects visited. */
    uint64_t (*visit_objects)(sp_visit_fn fn, void *arg);

    /* Do instances of tp carry a __dict__ in any form (dictoffset, managed
     * dict, inline values)?  tp is a heap type. */
    bool (*type_has_dict)(PyTypeObject *tp);

    /* Measure one instance of a type for which type_has_dict() held. */
    void (*measure)(PyObject *op, struct sp_inst *out, sp_name_fn name_fn,
                    void *arg);

    /* Bytes one instance would take if its class (and every dict-carrying
     * class of its MRO) declared __slots__: base is the nearest type in the
     * layout chain (tp_base) that has no __dict__; nslots names are added
     * on top of it, plus __weakref__ if add_weakref; nitems variable items
     * as reported by measure().  A cost, like sp_inst.bytes. */
    uint64_t (*slotted_bytes)(PyTypeObject *base, uint64_t nitems,
                              uint64_t nslots, bool add_weakref);

    /* Does tp support weak references already (tp_weaklistoffset or
     * managed weakref)? */
    bool (*type_has_weakref)(PyTypeObject *tp);

    /* 3.8-3.10: the class lost key sharing for good (CACHED_KEYS == NULL
     * while the type has a dict).  Always false on 3.11+, where sharing is
     * decided per instance. */
    bool (*keys_sharing_lost)(PyTypeObject *tp);

    /* Take the audit hook `hook` out of the runtime's hook list without
     * freeing its entry (see bootstrap.c, -X dev).  Finalization only. */
    void (*unlink_audit_hook)(Py_AuditHookFunction hook);

    /* Py_AddPendingCall() from a thread without the GIL can print to
     * stderr: 3.8 closes the queue (pending.finishing) before the atexit
     * callbacks run and then PyErr_Print()s "cannot add pending calls"
     * (Python/ceval.c, _PyEval_AddPendingCall).  The sampler then takes
     * the GIL itself instead. */
    bool pending_call_may_print;

    /* ---- allocations (allocs.c) ---- */
    enum sp_counting counting;

    /* Bytes between the start of an instance's memory block and the
     * object (GC header, pre-header): PyObject_Free() receives the object
     * address minus this when the instance is freed. */
    size_t (*block_offset)(PyTypeObject *tp);

    /* The calling thread's Python frames, innermost first, at most max;
     * frames that have not started yet are left out.  Reads memory only.
     * Returns how many were written. */
    size_t (*frames)(struct sp_pyframe *out, size_t max);

    /* SP_COUNT_REFTRACER: make the profiler's tracer the PyRefTracer,
     * chaining to tracemalloc's if that is installed; true when it is
     * (again) in place.  Never replaces another tool's tracer: false with
     * *foreign set when one was there at the first call.  installed():
     * whether ours still is. */
    bool (*tracer_install)(sp_alloc_event_fn fn, bool *foreign);
    bool (*tracer_installed)(void);

    /* May a class over the var-sized builtin base (tuple, int, bytes)
     * declare named __slots__?  NULL: never (3.8-3.14); 3.15: tuple. */
    bool (*varsize_names_ok)(PyTypeObject *base);
};



extern const struct sp_pyver sp_pyver;

/* Instances of a var-sized class with one item count. */
#define SP_VAR_LENS 8
struct sp_var_len {
    uint64_t nitems;
    uint64_t count;
};

/* census.c's per-class aggregate, handed to classinfo.c.  Borrowed
 * pointers: valid only while the GIL is held and nothing has run. */
struct sp_census_name {
    PyObject *key;          /* borrowed; a str unless non_str_keys */
    uint64_t instances;
};

struct sp_census_class {
    PyTypeObject *tp;
    uint64_t instances;
    uint64_t bytes;         /* cost units (1/256 B) */
    uint64_t materialized;
    uint64_t unshared;
    uint64_t weakrefs;
    uint64_t non_str_keys;
    uint64_t max_nitems;    /* var-sized bases: largest Py_SIZE seen */
    struct sp_var_len var_lens[SP_VAR_LENS];
                            /* var-sized over a base that accepts named
                               slots (varsize_names_ok): instances per
                               item count, the first SP_VAR_LENS counts */
    uint64_t var_other;     /* ... instances of other counts */
    uint64_t var_other_items;   /* ... and their items */
    uint64_t var_slotted[2];/* var-sized: sum of slotted costs without /
                               with __weakref__, nslots = 0 */
    struct sp_census_name *names;
    size_t nnames;
    size_t cap;
    size_t cursor;          /* where the last name matched: instances of
                               a class usually store names in one order */
    uint32_t *index;        /* by content hash -> names index + 1, once a
                               class has many names (open addressing) */
    size_t index_cap;
};

/* classinfo.c -- from census aggregates to a plain report: names (with
 * every name of the run from hist, which may be NULL), locations,
 * hierarchy plan (plan.c), blockers, slotted bytes.  at: the census's
 * time (census.at_seconds).  GIL held; reads type dicts, sys.modules and
 * the program's source files, runs no Python code.  NULL on allocation
 * failure. */
struct sp_report *sp_classinfo_report(struct sp_census_class *classes,
                                      size_t n, const struct sp_config *cfg,
                                      struct sp_history *hist, double at);
/* Plan a report again with the names hist has now (censuses after it
 * saw more), as at its census: plans, verdicts, slotted bytes, order.
 * GIL held.  False on allocation failure (the report may have lost
 * its plans: do not write it). */
bool sp_classinfo_replan(struct sp_report *r, struct sp_history *hist);

/* bootstrap.c: absolute path of the script run as __main__, or "". */
extern char sp_main_file[SP_PATH_MAX];

/* census.c -- one census: walk live objects, aggregate per class, turn the
 * result into a plain report (classinfo.c + plan.c).  GIL held.  Returns
 * NULL on allocation failure (after one sp_log line), or with *aborted
 * set when the walk passed `deadline` (sp_monotonic() seconds; 0 = no
 * limit) -- the max_pause option. */
struct sp_report *sp_census_run(const struct sp_config *cfg,
                                struct sp_history *hist, const char *trigger,
                                double at, double deadline, bool *aborted);
/* CLOCK_MONOTONIC in seconds. */
double sp_monotonic(void);
/* The slotted cost of k's instances over the var-sized base with nslots
 * named slots (varsize_names_ok), from their item counts: exact for the
 * first SP_VAR_LENS distinct counts, the mean count for the rest. */
uint64_t sp_census_var_slotted(const struct sp_census_class *k,
                               PyTypeObject *base, uint64_t nslots,
                               bool add_weakref);

/* allocs.c -- allocation counts and sites (docs/allocations.md).  All
 * with the GIL held. */
/* Install the counting for cfg (allocs, sample_every, native,
 * max_depth), at activation.  False after one sp_log line: the profile
 * goes on without allocation data. */
bool sp_allocs_start(const struct sp_config *cfg);
/* After a census made r: fill r->allocs, splitting the live instances and
 * saving of each class between its sites. */
void sp_allocs_attach(struct sp_report *r);
/* Before writing r (maybe long after its census): counts as of now, the
 * census's split kept. */
void sp_allocs_refresh(struct sp_report *r);
/* Counted instances alive now, all classes: exact, and cheap enough for
 * every gc callback; UINT64_MAX when counting is off or a free was
 * missed. */
uint64_t sp_allocs_live(void);
/* In a fork child: counts restart from what is alive. */
void sp_allocs_after_fork_child(void);
/* The allocator's name from before the free hook went in (the hook makes
 * CPython call it "custom"); NULL when no hook is installed. */
const char *sp_allocs_allocator_name(void);
/* pystr.c -- strings and dicts read without running Python code (one
 * policy for names that are not UTF-8: a lone surrogate as \udcXX, NUL
 * as \x00).  sp_py_put_utf8(): append s to b, false if s is not a str
 * this can read.  sp_py_utf8(): a copy in the profiler's heap, NULL if
 * not a str or out of memory.  sp_py_dict_get(): dict[name] for an
 * exact-str key, by walking dict (no hashing); borrowed, NULL when
 * absent. */
bool sp_py_put_utf8(struct sp_buf *b, PyObject *s);
char *sp_py_utf8(PyObject *s);
PyObject *sp_py_dict_get(PyObject *dict, const char *name);

#endif /* SLOTPROF_PYAPI_H */
