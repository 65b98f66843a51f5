/*
 * internal.h -- types and helpers shared by the modules of libslotprof.
 *
 * This header is Python-free on purpose: the option parser, the cost
 * arithmetic, the planner and the report writers only see plain C data, so
 * their unit tests link without libpython.  Everything that touches
 * CPython objects lives behind profiler/pyapi.h.
 *
 * Naming: internal functions shared between files are sp_<module>_<verb>()
 * and are hidden (the whole library is built with -fvisibility=hidden and a
 * version script); the public API is in include/slotprof.h.
 */
#ifndef SLOTPROF_INTERNAL_H
#define SLOTPROF_INTERNAL_H

#ifndef SLOTPROF_BUILD
#error "internal.h is private to libslotprof; build with -DSLOTPROF_BUILD"
#endif

#include <stdbool.h>            /* bool */
#include <stddef.h>             /* size_t */
#include <stdint.h>             /* uint64_t */
#include <sys/types.h>          /* ssize_t */

/* ------------------------------------------------------------------ */
/* Impossible states.  In a debug/test build they assert; in release they
 * evaluate to the condition so the caller can degrade gracefully (SQLite's
 * ALWAYS()/NEVER()). */
#if defined(SLOTPROF_DEBUG) || defined(SLOTPROF_TEST)
#include <assert.h>
#define SP_NEVER(x) (assert(!(x)), (x))
#else
#define SP_NEVER(x) (x)
#endif

#define SP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* alloc.c -- the profiler's own memory.  Every byte the profiler keeps is
 * served by a private, statically linked jemalloc, never by the host's
 * malloc or pymalloc, so the profiler does not disturb what it measures.
 * These never abort: NULL means out of memory and the caller degrades. */
void *sp_malloc(size_t n);
void *sp_calloc(size_t count, size_t n);
void *sp_realloc(void *p, size_t n);
void sp_free(void *p);
char *sp_strdup(const char *s);
char *sp_strndup(const char *s, size_t n);
/* Bytes the profiler currently holds (jemalloc "stats.active"), or 0 if
 * jemalloc cannot say. */
uint64_t sp_alloc_footprint(void);

/* ------------------------------------------------------------------ */
/* log.c -- one-line messages on fd 2, always prefixed "slotprof: ".
 * Async-signal-safe (formats into a stack buffer, one write(2)). */
void sp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Write all of data to fd, retrying short writes and EINTR, with SIGPIPE
 * blocked (and a SIGPIPE it raised discarded).  False with errno set. */
bool sp_write_all(int fd, const void *data, size_t len);
/* One write(2) (retried on EINTR), SIGPIPE handled as above: what
 * write(2) returns. */
ssize_t sp_write_some(int fd, const void *data, size_t len);

/* ------------------------------------------------------------------ */
/* strbuf.c -- a growable string in the profiler's own heap.  Appending
 * never fails loudly: on allocation failure the buffer is marked failed
 * and later appends are ignored; callers check sp_buf_ok() once. */
struct sp_buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
};
void sp_buf_init(struct sp_buf *b);
void sp_buf_free(struct sp_buf *b);
void sp_buf_append(struct sp_buf *b, const char *s, size_t n);
void sp_buf_puts(struct sp_buf *b, const char *s);
void sp_buf_printf(struct sp_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* JSON string literal, quotes included, with RFC 8259 escaping. */
void sp_buf_json_str(struct sp_buf *b, const char *s);
bool sp_buf_ok(const struct sp_buf *b);
/* 1234567 -> "1,234,567" (truncated to fit outlen). */
void sp_fmt_count(char *out, size_t outlen, uint64_t x);
/* x with exactly `decimals` digits after a '.', rounded half away from
 * zero, whatever the locale (printf's %f follows the host's).  False,
 * out untouched, for NaN, infinities, values past 9e18, and decimals
 * outside 0..18. */
bool sp_fmt_fixed(char *out, size_t outlen, double x, int decimals);
/* Text for a terminal.  Names and paths come from the program and may
 * hold anything; a terminal must not be sent control sequences.  Unsafe:
 * a C0 control or DEL, a C1 control (U+0080..U+009F as UTF-8), or a
 * byte that does not start a valid UTF-8 character.  sp_text_unsafe():
 * how many bytes the unsafe sequence at s spans, 0 when s starts a safe
 * character (or is the end).  sp_buf_put_clean(): s with each unsafe
 * sequence as one '?' (NULL as "?").  sp_text_clean(): the same into
 * out, cut at a character boundary to fit; returns the length. */
size_t sp_text_unsafe(const char *s);
void sp_buf_put_clean(struct sp_buf *b, const char *s);
size_t sp_text_clean(char *out, size_t outlen, const char *s);

/* ------------------------------------------------------------------ */
/* strmap.c -- (tag, string) -> integer, for membership tests that would
 * otherwise be quadratic.  Keys are borrowed.  tag lets one map hold
 * several sets (e.g. one per class). */
struct sp_strmap_slot {
    const char *key;
    uint64_t tag;
    uint64_t hash;
    int64_t value;
};
struct sp_strmap {
    struct sp_strmap_slot *slots;
    size_t cap;
    size_t len;
};
void sp_strmap_init(struct sp_strmap *m);
void sp_strmap_free(struct sp_strmap *m);
/* 1 if added, 0 if (tag, key) was there already (value kept), -1 on
 * allocation failure. */
int sp_strmap_put(struct sp_strmap *m, uint64_t tag, const char *key,
                  int64_t value);
bool sp_strmap_get(const struct sp_strmap *m, uint64_t tag, const char *key,
                   int64_t *value);
/* A slot index in [0, cap) for a pointer; cap a power of two. */
size_t sp_hash_ptr(const void *p, size_t cap);

/* ------------------------------------------------------------------ */
/* config.c -- SLOTPROF_OPTIONS, parsed once.  Nobody else calls getenv(). */
#define SP_PATH_MAX 4096

enum sp_text_mode {
    SP_TEXT_STDERR = 0,     /* default */
    SP_TEXT_NONE,
    SP_TEXT_FILE,
};

struct sp_config {
    char output[SP_PATH_MAX];       /* JSON report path template; "" = none */
    enum sp_text_mode text_mode;
    char text_path[SP_PATH_MAX];    /* when text_mode == SP_TEXT_FILE */
    uint64_t min_instances;         /* default 100 */
    uint64_t top;                   /* rows in the text table; 0 = all; default 20 */
    /* Sampling sessions (docs/sampling.md).  0 / "" = off. */
    uint64_t interval_us;           /* interval=DURATION: periodic snapshots */
    int signal;                     /* signal=SIGNAME: snapshot on signal */
    char signal_name[16];           /* its canonical name, "SIGUSR2" */
    bool dormant;                   /* dormant: no census until asked */
    uint64_t max_pause_us;          /* max_pause=DURATION: census budget */
    /* Allocations (docs/allocations.md). */
    bool allocs;                    /* allocs: count creations/frees; default on */
    uint64_t sample_every;          /* mean allocations between sampled
                                       stacks; 0 = none */
    bool native;                    /* native=1: C frames too (libunwind) */
    uint64_t max_depth;             /* frames kept per stack */
    /* Whose code (docs/report-format.md, "origin"). */
    char mine[SP_PATH_MAX];         /* mine=PATH[:PATH...]; "" = none */
};

#define SP_DEFAULT_SAMPLE_EVERY 1024u
#define SP_DEFAULT_MAX_DEPTH 64u
#define SP_MAX_DEPTH_MAX 256u

/* DURATION limits: at least SP_INTERVAL_MIN_US for interval=, at least
 * 1 us for max_pause=, at most a day for both. */
#define SP_INTERVAL_MIN_US 10000u
#define SP_DURATION_MAX_US 86400000000u

/* True when the session takes snapshots while it runs (interval, signal
 * or dormant), not only the exit report. */
bool sp_config_sampling(const struct sp_config *cfg);

void sp_config_defaults(struct sp_config *cfg);
/* Parse a SLOTPROF_OPTIONS value ("k=v,k=v").  NULL or "" gives the
 * defaults.  On error returns false and writes one human sentence naming
 * the key and what is accepted into err (no "slotprof: " prefix). */
bool sp_config_parse(const char *s, struct sp_config *cfg, char *err,
                     size_t errlen);
/* What the escapes of a path template stand for. */
struct sp_path_vars {
    int pid;                /* %p */
    const char *session;    /* %s; NULL or "" expands to nothing */
    uint64_t snapshot;      /* %n */
};
/* Expand %p, %s, %n and %% in a path template.  False if the result
 * does not fit in outlen (NUL included) or the template has another
 * escape. */
bool sp_config_expand_path(const char *tmpl, const struct sp_path_vars *v,
                           char *out, size_t outlen);

/* ------------------------------------------------------------------ */
/* The report: plain data, produced by census + plan, consumed by the
 * writers.  All strings are UTF-8 and owned by the report (sp_malloc). */

enum sp_verdict {
    SP_VERDICT_SAFE = 0,    /* add the slots, nothing we saw breaks */
    SP_VERDICT_REVIEW,      /* add them after reading the warnings */
    SP_VERDICT_BLOCKED,     /* adding them breaks something we saw */
};

enum sp_form {
    SP_FORM_SLOTS = 0,      /* __slots__ = ('a', 'b') */
    SP_FORM_DATACLASS,      /* @dataclass(slots=True) (3.10+) */
    SP_FORM_EMPTY_SLOTS,    /* __slots__ = () : tuple / NamedTuple subclass */
    SP_FORM_INIT_ONLY,      /* no __slots__: only its __init__ sets
                               moved class attributes (inits) */
};

struct sp_attr {
    char *name;
    uint64_t instances;     /* live instances carrying this attribute */
    uint64_t max_instances; /* the most carrying it at any census of the
                               run; 0: never seen on an instance, in the
                               plan because code sets it (in_code) */
    bool in_code;           /* the class's own code assigns self.NAME */
};

/* One problem found for a class, with its evidence. */
struct sp_issue {
    char *code;             /* stable identifier, e.g. "class-variable" */
    char *detail;           /* one sentence with the evidence */
    bool blocks;            /* true: blocker; false: warning (review) */
};

/* A class attribute the plan moves: with a slot of that name a class
 * cannot keep it in its body (ValueError, or it would shadow or hide
 * the slot), so the body loses it (sp_plan_step.moved, the class that
 * assigns it) and the first __init__ that runs for the instances sets
 * it, unless something set it already (sp_plan_step.inits, with the
 * class whose body gave the value). */
struct sp_moved_default {
    char *name;
    int line;               /* where the class body assigns it; 0 unknown */
    char *from_module;      /* inits: the class whose value it is */
    char *from_qualname;    /* (NULL in moved) */
};

/* One class of a hierarchy plan and the names it must declare. */
struct sp_plan_step {
    char *module;
    char *qualname;
    enum sp_form form;
    char **names;           /* declared by this class, in first-seen order */
    size_t nnames;
    struct sp_moved_default *moved;     /* to take out of its body */
    size_t nmoved;
    struct sp_moved_default *inits;     /* its __init__ sets them first */
    size_t ninits;
    bool add_init;          /* it has no __init__: add one that sets them
                               and calls super().__init__(...) */
    bool init_args;         /* ... passing on *args, **kwargs: an
                               __init__ after it in the MRO takes them
                               (object.__init__ would refuse them) */
};

/* Whose code a class is (sp_class.origin): the report ranks "yours"
 * first and sums the others up. */
enum sp_origin {
    SP_ORIGIN_YOURS = 0,    /* __main__, mine=, or any file that is
                               neither the standard library nor an
                               installed package */
    SP_ORIGIN_STDLIB,
    SP_ORIGIN_INSTALLED,    /* site-packages, dist-packages */
    SP_ORIGIN_BUILTIN,      /* no source: builtin or C-implemented, or
                               made at run time where no `class` says */
};

struct sp_class {
    char *module;
    char *qualname;
    char *file;             /* NULL when unknown */
    int line;               /* 0 when unknown */
    enum sp_origin origin;

    uint64_t instances;
    uint64_t max_instances; /* the most at any census of the run so far */
    double max_at_seconds;  /* at which census (census.at_seconds) */
    uint64_t bytes_now;     /* real bytes now: every block, allocator-rounded */
    uint64_t bytes_slotted; /* the same instances with the plan applied */
    int64_t savings_bytes;  /* bytes_now - bytes_slotted; may be <= 0 */

    struct sp_attr *attrs;  /* every name seen at any census of the run,
                               first-seen order, then the names the
                               plan adds (code sets them) */
    size_t nattrs;

    uint64_t dicts_materialized;    /* instances whose __dict__ exists */
    uint64_t dicts_unshared;        /* instances whose keys are not shared */
    uint64_t weakrefs;              /* instances weakly referenced now */
    bool keys_sharing_lost;         /* class-wide (3.8-3.10 CACHED_KEYS) */
    uint64_t non_str_keys;          /* instances with a non-str key */

    char **suggested_slots; /* all names the instance ends up with */
    size_t nsuggested;
    struct sp_plan_step *plan;      /* classes to change, base first */
    size_t nplan;
    struct sp_issue *issues;
    size_t nissues;
    enum sp_verdict verdict;
    bool recommended;       /* instances >= min_instances, savings > 0,
                               not blocked */
    /* The library's own bookkeeping, not written: the class's position
     * when its census was planned, and how many of its issues came from
     * the census itself (the planner's follow; sp_class_unplan). */
    size_t plan_index;
    size_t nissues_census;
};

struct sp_census_info {
    double at_seconds;      /* since activation */
    double duration_seconds;
    uint64_t objects_visited;
    const char *trigger;    /* "exit", "gc", ... (static string) */
    uint64_t rss_bytes;     /* resident set when it started; 0 = unknown */
};

/* series.c -- the censuses of a session, for growth over time: per
 * census its time, RSS and total saving, and the top SP_SERIES_TOP
 * classes by saving with their instances and saving.  At most
 * SP_SERIES_POINTS censuses: when full, every other one is dropped (the
 * first is kept), so a long session keeps its whole span at a coarser
 * step.  Memory: at most ~400 KiB. */
#define SP_SERIES_TOP 64
struct sp_report;
#define SP_SERIES_POINTS 256
struct sp_series_entry {
    uint32_t cls;           /* index into sp_series.classes */
    uint64_t instances;
    int64_t savings;
};
struct sp_series_point {
    double at_seconds;
    const char *trigger;    /* static string */
    uint64_t rss_bytes;
    uint64_t total_savings;
    uint32_t n;
    struct sp_series_entry top[SP_SERIES_TOP];
};
struct sp_series_class {
    char *key;              /* module "\x1f" qualname: both, owned */
    size_t module_len;
};
struct sp_series {
    struct sp_series_point *points;
    size_t npoints;
    size_t points_cap;
    struct sp_series_class *classes;    /* in order of first appearance */
    size_t nclasses;
    size_t classes_cap;
    struct sp_strmap index;             /* key -> classes index */
};
void sp_series_init(struct sp_series *s);
void sp_series_free(struct sp_series *s);
/* Append the census r (sorted) as a point.  False on allocation failure
 * (the series is unchanged). */
bool sp_series_add(struct sp_series *s, const struct sp_report *r);

/* history.c -- per class, every attribute name any census of the run
 * saw (first-seen order, the most instances carrying each) and the most
 * instances at one census: plans hold every name of the run. */
struct sp_history {
    struct hclass *classes;
    size_t nclasses, cap;
    struct sp_strmap index;     /* class key -> classes index */
    struct sp_strmap names;     /* (class index, name) -> its names index */
};
void sp_history_init(struct sp_history *h);
void sp_history_free(struct sp_history *h);
/* Record the census r.  False on allocation failure (r is recorded in
 * part: names missing from later plans, no more). */
bool sp_history_note(struct sp_history *h, const struct sp_report *r);
/* Give class c of a census at `at` seconds the run's names: those seen
 * before, in their order, then c's new ones; max_instances of c and of
 * each name.  h may be NULL.  False (c whole) on allocation failure. */
bool sp_history_merge(struct sp_history *h, struct sp_class *c, double at);

/* Where a report stands in its session (docs/sampling.md).  All zero for
 * an exit report of a run without sampling options. */
struct sp_session_info {
    const char *kind;               /* "exit" or "snapshot"; NULL = "exit" */
    char session[64];               /* "" = none */
    uint64_t snapshot;              /* number of this report in the process */
    char written_at[32];            /* ISO 8601 UTC; "" = unknown */
    uint64_t interval_us;           /* the options; 0 / NULL = off */
    const char *signal;
    bool dormant;
    uint64_t max_pause_us;
    uint64_t censuses_aborted;      /* stopped at max_pause */
    uint64_t censuses_skipped;      /* not taken: back-off */
    bool has_peak;
    struct sp_census_info peak;     /* the census with the largest saving */
    uint64_t peak_savings;
    const struct sp_series *series; /* borrowed; NULL = none */
};

/* Allocations (issue 4, docs/allocations.md): per class, instances created
 * since the profiler became active, freed, live now and the most ever live
 * at once -- exact counters; and sampled allocation stacks ("sites"), each
 * carrying its estimated share of the class's allocations, live instances
 * and saving at the census the report shows. */
struct sp_frame {
    char *function;         /* co_qualname (3.11+) / co_name; native: symbol
                               or "0x<hex>" when unknown */
    char *file;             /* co_filename; native: the DSO path; NULL when
                               unknown */
    int line;               /* 0 when unknown (always 0 for native frames) */
    bool native;
};

struct sp_alloc_class {
    char *module;
    char *qualname;
    uint64_t allocated;     /* created since activation */
    uint64_t freed;         /* of those, freed */
    uint64_t live;          /* allocated - freed, when the report was made */
    uint64_t peak_live;     /* the most live at once */
    uint64_t samples;       /* stacks sampled for this class */
};

struct sp_site {
    char *module;           /* the class allocated */
    char *qualname;
    uint32_t *frames;       /* indices into sp_allocs.frames, root first;
                               nframes == 0: the "[unsampled]" remainder */
    size_t nframes;
    uint64_t samples;       /* stacks sampled here */
    uint64_t allocations;   /* estimated allocations from this stack */
    uint64_t instances;     /* estimated live instances at the census */
    int64_t savable_bytes;  /* their share of the class's savings_bytes */
    uint64_t id;            /* the library's own bookkeeping; not written */
};

struct sp_allocs {
    bool present;           /* false: "allocations": null */
    const char *counting;   /* "tp_alloc" or "reftracer" (static) */
    bool frees_exact;       /* false: a free was missed (allocator replaced) */
    uint64_t sample_every;  /* mean allocations between samples; 0 = no stacks */
    bool native;
    uint64_t max_depth;
    uint64_t samples;       /* stacks taken in all */
    struct sp_alloc_class *classes;     /* allocated descending, then names */
    size_t nclasses;
    struct sp_frame *frames;
    size_t nframes;
    struct sp_site *sites;  /* by class (module, qualname), then
                               savable_bytes descending */
    size_t nsites;
};
void sp_allocs_free(struct sp_allocs *a);

/* A class whose live instances have no __dict__ (slots already, or a
 * builtin layout): counted so that a before/after pair of reports shows
 * what adding __slots__ really did (slotprof diff). */
struct sp_slotted_class {
    char *module;
    char *qualname;
    uint64_t instances;
    uint64_t bytes;         /* their object blocks, GC header and
                               pre-header included, allocator-rounded */
};

struct sp_report {
    char python[64];        /* "3.12.1" */
    char allocator[32];     /* PYTHONMALLOC in force: "pymalloc", "malloc",
                               "pymalloc_debug", ...; "" if unknown */
    int pid;
    uint64_t min_instances;
    uint64_t profiler_bytes;        /* the profiler's own footprint */
    uint64_t censuses;              /* how many ran */
    double census_seconds_total;
    struct sp_census_info chosen;   /* the census this report shows */
    struct sp_class *classes;       /* sorted: see sp_report_sort */
    size_t nclasses;
    struct sp_session_info session; /* filled just before writing */
    struct sp_allocs allocs;        /* owned */
    struct sp_slotted_class *slotted;   /* bytes descending; owned */
    size_t nslotted;
    /* What the library planned the report from, to plan it again with
     * the names of later censuses (classinfo.c); owned, freed by
     * plan_ctx_free.  NULL in the tools. */
    void *plan_ctx;
    void (*plan_ctx_free)(void *);
};

void sp_report_free(struct sp_report *r);
/* "module\x1fqualname" in the profiler's heap: how a class is known
 * across censuses and reports; NULL when memory ran out. */
char *sp_class_key(const char *module, const char *qualname);
/* "yours", "stdlib", "installed", "builtin". */
const char *sp_origin_name(enum sp_origin o);
void sp_class_free(struct sp_class *c);
void sp_moved_free(struct sp_moved_default *v, size_t n);
/* Drop what the planner gave c (suggested slots, plan, its issues,
 * verdict, slotted bytes), keeping the census's own issues. */
void sp_class_unplan(struct sp_class *c);
/* Order: savings_bytes descending; ties by bytes_now descending, then
 * module and qualname, so the order is reproducible. */
void sp_report_sort(struct sp_report *r);
uint64_t sp_report_total_savings(const struct sp_report *r);
/* The memory of every instance the census measured: bytes_now of the
 * classes with a __dict__ plus the bytes of the slotted classes.  The
 * exit report shows the census where it peaked. */
uint64_t sp_report_profiled_bytes(const struct sp_report *r);
/* "safe", "review", "blocked": the words both reports use. */
const char *sp_verdict_name(enum sp_verdict v);

/* report_text.c's number formats and row choice, shared with the HTML
 * report (tools/html.c), which must show the same figures:
 * total / n with one decimal rounded half up ("0.0" when n is 0); sizes
 * as "512 B", then KiB, MiB, GiB with one decimal (a leading '-' for a
 * negative amount); and whether a class gets a row of the ranked table
 * (recommended, or blocked but otherwise qualifying). */
void sp_fmt_ratio1(char *out, size_t outlen, uint64_t total, uint64_t n);
void sp_fmt_bytes(char *out, size_t outlen, uint64_t x);
void sp_fmt_signed_bytes(char *out, size_t outlen, int64_t x);
bool sp_report_listed(const struct sp_report *r, const struct sp_class *c);
/* A plan step as the user writes it, shared by the text report and the
 * HTML page (raw text; names as Python string literals):
 * sp_plan_step_code() the __slots__ line or the decorator;
 * sp_plan_step_note() its note on moved class attributes, which = 0 for
 * the ones its body loses, 1 for the ones its __init__ sets; false (and
 * nothing written) when it has none. */
void sp_plan_step_code(struct sp_buf *b, const struct sp_plan_step *s);
bool sp_plan_step_note(struct sp_buf *b, const struct sp_plan_step *st,
                       int which);

/* report_json.c / report_text.c: render into b.  Pure functions. */
void sp_report_json(const struct sp_report *r, struct sp_buf *b);
void sp_report_text(const struct sp_report *r, uint64_t top,
                    struct sp_buf *b);

/* output.c -- write a whole file atomically: a temp file in the same
 * directory, then rename(2).  Never follows a symlink at the final path
 * (rename replaces the link itself).  False + sp_log() on failure;
 * the same failure (path and reason) twice in a row is logged once. */
bool sp_output_write_atomic(const char *path, const char *data, size_t len);

/* ------------------------------------------------------------------ */
/* plan.c -- the whole-hierarchy plan, Python-free.  classinfo.c describes
 * every class involved as a node; plan.c decides which class declares
 * which names, what form, what blocks, and fills the sp_class fields
 * suggested_slots, plan, issues, verdict.  Slotted bytes need the
 * version backend, so plan.c only says how many slots each instance
 * class ends up with (sp_plan_out). */

/* A class attribute of plain data (not a function, descriptor, class or
 * module; not a dunder; not a dataclass field): the default of an
 * instance attribute of that name, or a constant. */
struct sp_pdefault {
    const char *name;
    int line;               /* where the class body assigns it; 0 unknown */
    const char *stored_file;/* where code assigns `.name` on some object,
                               NULL if nowhere in the program's own code */
    int stored_line;
};

/* Where the program's code does something slots change: file and line,
 * file NULL when it does not. */
struct sp_pfact {
    const char *file;
    int line;
};

struct sp_pnode {
    const char *module;
    const char *qualname;
    const char *file;       /* its module's source, NULL when unknown */
    bool editable;          /* user code (not builtins/stdlib/site-packages) */
    bool has_init;          /* defines __init__ itself */
    bool builtin_init;      /* its builtin base has an __init__ of its
                               own (Exception's), not object's */
    bool has_slots;         /* declares __slots__ itself already */
    bool dataclass;         /* own __dataclass_fields__ */
    int layout_parent;      /* node index of tp_base if a heap class that
                               matters, else -1 */
    const int *mro;         /* node indices of the heap classes of the
                               MRO, self first */
    size_t nmro;
    const char *const *class_vars;  /* own-dict names instances carry
                                       too, other than defaults below
                                       (methods, descriptors, dataclass
                                       field defaults) */
    size_t nclass_vars;
    const struct sp_pdefault *defaults; /* own plain-data attributes */
    size_t ndefaults;
    /* Its direct bases (tp_bases) that are heap classes, as node
     * indices, and builtin bases with a layout of their own (Exception,
     * dict, int...): what decides whether its class statement still works once
     * bases get __slots__ (typeobject.c, best_base/solid_base). */
    const int *bases;
    size_t nbases;
    bool builtin_layout;    /* its layout chain ends in such a builtin */
    bool builtin_direct;    /* such a builtin is one of its tp_bases */
    /* What its own code does (source.c facts): attributes with computed
     * names or its own __dict__; reading its class's namespace (or any
     * code reading ITS namespace by name); zero-argument super(). */
    struct sp_pfact dynamic, classdict, super0;
    /* Where the user's code calls its simple name (an instance made,
     * likely): file NULL when nowhere. */
    struct sp_pfact called;
    const char *const *fields;      /* dataclass field names */
    size_t nfields;
    uint64_t existing_slots;        /* slot names it declares already
                                       (excl. __dict__, __weakref__) */
    const char *const *mentions;    /* attribute names its own methods
                                       store or load (co_names; 3.13+:
                                       __static_attributes__) */
    size_t nmentions;
    const char *const *self_stores; /* every name its own code assigns
                                       as self.X (not through a data
                                       descriptor): its own instances
                                       need them */
    size_t nself_stores;
};

struct sp_plan_in {
    const struct sp_pnode *nodes;
    size_t nnodes;
    /* Parallel to the report's classes: the node of each instance class,
     * and facts about its solid builtin base. */
    const int *class_node;
    const bool *base_has_dict;      /* e.g. BaseException: cannot go */
    const bool *base_varsize;       /* tuple/int/bytes/str subclass */
    const bool *base_has_weakref;   /* weak references already possible */
    const bool *base_names_ok;      /* the var-sized base accepts named
                                       slots (3.15: tuple); NULL: none do */
    const char *const *base_name;   /* tp_name of that builtin base */
    bool dataclass_slots_ok;        /* @dataclass(slots=True): 3.10+ */
    bool dataclass_weakref_ok;      /* ..., weakref_slot=True: 3.11+ */
    bool dataclass_super_ok;        /* ... keeps zero-argument super()
                                       working: 3.14+ (gh-90562) */
    /* What the program's code does anywhere (the user's files): weak
     * references, pickles loaded or written with protocol 0/1, and
     * __class__ assignment. */
    struct sp_pfact weakref_use, pickle_use, class_assign;
};

struct sp_plan_out {
    uint64_t nslots;        /* slots the instance ends up with, beyond the
                               builtin base's own layout */
    bool add_weakref;
    bool removable;         /* false: the dict cannot go (base-has-dict) */
};

/* Fill suggested_slots, plan, issues (appended to those already there),
 * verdict and recommended of r->classes[i], and out[i].  A class
 * attribute that is a hazard under slots (instances carry the name, or
 * code assigns it) is added to the class's attrs (0 instances) first:
 * the plan gives it a slot and moves the class attribute.  False on
 * allocation failure. */
bool sp_plan_build(struct sp_report *r, const struct sp_plan_in *in,
                   struct sp_plan_out *out);
/* Append one issue (strings copied).  False on allocation failure. */
bool sp_class_add_issue(struct sp_class *c, const char *code, bool blocks,
                        const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* source.c -- what a module's source says about its classes, from a
 * tokenizer over the file (read once per process, indexed, cached).
 * Python-free.  sp_source_get(): the index of path, NULL if it cannot be
 * read.  sp_source_class(): the class statement for a qualname ("A.B",
 * "f.<locals>.C"), -1 if none; sp_source_class_line(): its line.
 * sp_source_self_stores(): the names the class's own code assigns as
 * `self.NAME` (or setattr(self, 'NAME', ...)) in functions of its body,
 * as CPython 3.13's __static_attributes__ would: up to max into names,
 * returns how many there are.  sp_source_default_line(): the line where
 * the class body assigns NAME itself (a class attribute), 0 if none.
 * sp_source_store_line(): the first line where any code of the file
 * assigns `.NAME` on any object or calls setattr(x, 'NAME', ...), 0 if
 * none.  sp_source_reset(): drop the cache (tests). */
struct sp_source;
const struct sp_source *sp_source_get(const char *path);
int sp_source_class(const struct sp_source *s, const char *qualname);
int sp_source_class_line(const struct sp_source *s, int cls);
size_t sp_source_self_stores(const struct sp_source *s, int cls,
                             const char **names, size_t max);
int sp_source_default_line(const struct sp_source *s, int cls,
                           const char *name);
int sp_source_store_line(const struct sp_source *s, const char *name);
/* Facts about a class's own code (its methods), 0 if none, else the
 * first line: "dynamic" (setattr(self, <computed name>), self.__dict__,
 * vars(self)), "classdict" (vars(self.__class__), type(self).__dict__,
 * cls.__dict__ ...), "super0" (zero-argument super()). */
int sp_source_class_fact(const struct sp_source *s, int cls,
                         const char *fact);
/* Uses anywhere in the file, 0 if none, else the first line: "weakref"
 * (the weakref module or its Weak* classes), "pickle-load" (pickle.load,
 * loads, Unpickler, shelve.open), "pickle-protocol" (dumps/dump with
 * protocol 0 or 1), "classdict:NAME" (NAME.__dict__ or vars(NAME)),
 * "call:NAME" (NAME(...) or x.NAME(...)). */
int sp_source_use_line(const struct sp_source *s, const char *use);
void sp_source_reset(void);

/* ------------------------------------------------------------------ */
/* version.c -- the running CPython (Py_GetVersion()) must be exactly the
 * X.Y.Z this library was built for, and not free-threaded.  False with a
 * sentence in err otherwise. */
bool sp_version_check(const char *built, const char *running, char *err,
                      size_t errlen);

/* ------------------------------------------------------------------ */
/* model.c -- allocator arithmetic, version-neutral. */

/* Bytes really taken by a block of n bytes from PyObject_Malloc /
 * PyMem_Malloc with pymalloc: 16-byte size classes up to 512 B
 * (Objects/obmalloc.c, ALIGNMENT and SMALL_REQUEST_THRESHOLD), glibc's
 * chunk size above (request2size: n + 8 rounded up to 16, at least 32). */
uint64_t sp_model_block(uint64_t n);

/* Costs: what a block really takes, its block plus its share of the
 * pymalloc pool it lives in, in units of 1/256 byte. */
#define SP_COST_SHIFT 8
/* The pymalloc pool size of the running CPython (backend's pool_size). */
void sp_model_set_pool_size(uint64_t bytes);
uint64_t sp_model_cost(uint64_t n);
/* Cost units to whole bytes, rounded to nearest. */
uint64_t sp_model_bytes(uint64_t cost);

#endif /* SLOTPROF_INTERNAL_H */
