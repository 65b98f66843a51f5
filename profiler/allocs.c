/*
 * allocs.c -- allocation counting and allocation sites (docs/allocations.md).
 *
 * Per class: instances created since the profiler became active, freed,
 * live now and the most ever live at once, all exact; and a sample of the
 * Python (and, with native=1, C) stacks that created them, each sampled
 * instance remembered until it is freed, so that at a census the live
 * instances of a class -- and its saving -- can be split between the
 * places that created them.
 *
 * How creations and frees are seen depends on the version (the backend's
 * `counting`, ../shared/CPYTHON.md section 2):
 *
 * - 3.8-3.12 (SP_COUNT_TP_ALLOC): every heap type whose tp_alloc is
 *   PyType_GenericAlloc gets ours instead, which calls it and counts.
 *   Classes made later are caught by wrapping PyType_Type.tp_new (and the
 *   tp_new of metaclasses that copied it before we came); type_new resets
 *   tp_alloc, so each new class is patched on its way out.  Frees: a
 *   free hook on the object allocator (PyMem_SetAllocator, OBJ domain;
 *   malloc and calloc stay the original functions) looks every freed
 *   block up in a table of the live counted instances.  tp_dealloc and
 *   tp_free are never touched (subtype_dealloc walks the tp_dealloc chain;
 *   __class__ assignment compares tp_free).
 * - 3.13+ (SP_COUNT_REFTRACER): PyRefTracer create events, chained to any
 *   tracer installed before; a 3.13 tp_alloc patch misses specialized
 *   calls (CALL_ALLOC_AND_ENTER_INIT).  Frees come from the same free hook
 *   as above, not from destroy events: 3.13.0's eval loop frees objects
 *   without sending them (python/cpython gh-130382, Python/ceval.c's own
 *   Py_DECREF; fixed in later releases), and an instance resurrected by
 *   __del__ would be destroyed twice.
 *
 * Everything here runs with the GIL held: in tp_alloc, in the free hook
 * (the OBJ domain requires the GIL), in the tracer, in a census.  It never
 * calls Python code, never allocates Python objects and never raises: the
 * names are read from the type (ht_qualname, the __module__ entry of the
 * type's dict, walked without hashing) and encoded here.
 *
 * Memory, all in the profiler's own heap: 16 bytes x 2 to 4 per live
 * counted instance (the table is between a quarter and half full); a
 * record per class; the sites and frames sampled.
 */
#include "pyapi.h"

#include <dlfcn.h>              /* dladdr, dlopen, dlsym */
#include <inttypes.h>           /* PRIu32 */
#include <math.h>               /* log */
#include <stdio.h>              /* snprintf */
#include <string.h>             /* memcpy, memset, strcmp, strlen */
#include <time.h>               /* clock_gettime */
#include <unistd.h>             /* getpid */

/* ------------------------------------------------------------ records */

/* One reported class: every type object of that module and qualname. */
struct rec {
    char *module;           /* the name it is reported under */
    char *qualname;
    uint64_t allocated;
    uint64_t freed;
    uint64_t peak;
    uint64_t samples;
    uint64_t live_samples;  /* sampled instances still alive */
};

static struct rec *recs;
static size_t nrecs, recs_cap;

/* Open addressing, linear probing: pointer key -> 32-bit value.  Deletion
 * shifts back the entries after it (no tombstones).  A zero key is free. */
struct pmap_slot {
    uintptr_t key;
    uint32_t a;             /* rec index */
    uint32_t b;             /* site index + 1; 0 = not sampled */
};
struct pmap {
    struct pmap_slot *slots;
    size_t cap;             /* power of two, or 0 */
    size_t len;
    unsigned shift;         /* low key bits that carry nothing: 4 for
                               16-byte aligned pointers, 0 for page
                               numbers (consecutive ones must not share
                               a home slot) */
};

static struct pmap types = {.shift = 4};   /* PyTypeObject * -> rec */

static inline size_t
pmap_hash(const struct pmap *m, uintptr_t k, size_t cap)
{
    /* Drop the bits that are always zero, then mix (Fibonacci hashing). */
    uint64_t h = (uint64_t)(k >> m->shift) * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h >> 32) & (cap - 1);
}

static struct pmap_slot *
pmap_find(const struct pmap *m, uintptr_t k)
{
    if (m->len == 0) {
        return NULL;
    }
    for (size_t i = pmap_hash(m, k, m->cap);; i = (i + 1) & (m->cap - 1)) {
        struct pmap_slot *s = &m->slots[i];
        if (s->key == k) {
            return s;
        }
        if (s->key == 0) {
            return NULL;
        }
    }
}

static bool
pmap_grow(struct pmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    struct pmap_slot *slots = sp_calloc(cap, sizeof(*slots));
    if (slots == NULL) {
        return false;
    }
    for (size_t i = 0; i < m->cap; i++) {
        struct pmap_slot *s = &m->slots[i];
        if (s->key != 0) {
            size_t j = pmap_hash(m, s->key, cap);
            while (slots[j].key != 0) {
                j = (j + 1) & (cap - 1);
            }
            slots[j] = *s;
        }
    }
    sp_free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return true;
}

/* Insert or overwrite.  False when out of memory. */
static bool
pmap_put(struct pmap *m, uintptr_t k, uint32_t a, uint32_t b)
{
    if ((m->len + 1) * 2 > m->cap && !pmap_grow(m)) {
        return false;
    }
    size_t i = pmap_hash(m, k, m->cap);
    while (m->slots[i].key != 0 && m->slots[i].key != k) {
        i = (i + 1) & (m->cap - 1);
    }
    if (m->slots[i].key == 0) {
        m->len++;
    }
    m->slots[i].key = k;
    m->slots[i].a = a;
    m->slots[i].b = b;
    return true;
}

/* Remove the slot s points at (backward-shift deletion). */
static void
pmap_remove(struct pmap *m, struct pmap_slot *s)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)(s - m->slots);
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (m->slots[j].key == 0) {
            break;
        }
        size_t home = pmap_hash(m, m->slots[j].key, m->cap);
        /* Move j back to i unless its home lies cyclically in (i, j]. */
        bool stay = i <= j ? (i < home && home <= j)
                           : (i < home || home <= j);
        if (!stay) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].key = 0;
    m->len--;
}

/* ------------------------------------------------------------ state */

static bool started;            /* counting installed */
static uint64_t live_total;     /* counted instances alive, all classes */
static bool frees_exact = true;
static uint64_t sample_every;   /* 0 = no stacks */
static uint64_t max_depth;
static bool want_native;
static uint64_t countdown;      /* allocations until the next sample */
static uint64_t rng_state;
static uint64_t total_samples;
static char allocator_before[32];

/* 3.8-3.12: the object allocator as it was, and the canary used to check
 * that our free hook still sees every free. */
static PyMemAllocatorEx obj_orig;
static void *canary;
static bool canary_seen;
static newfunc type_new_orig;

/* A class's record is found by the name it is reported under (module
 * "\x1f" qualname): classes made again and again -- unittest.mock makes
 * one per mock, a function defining a class one per call -- share one
 * record, so the records stay few, and live and peak are those of the
 * name (a report merges same-named classes anyway).  The name is read at
 * the first counted allocation (by then namedtuple & co. have set the
 * final __module__); types maps each type object to its record and its
 * block offset. */
static struct sp_strmap rec_by_name;

/* The record of tp, made on first sight; *off its block offset.
 * UINT32_MAX when out of memory or too many names. */
static uint32_t
rec_of(PyTypeObject *tp, size_t *off)
{
    struct pmap_slot *s = pmap_find(&types, (uintptr_t)tp);
    if (s != NULL) {
        *off = s->b;
        return s->a;
    }
    char *module = sp_py_utf8(sp_py_dict_get(tp->tp_dict, "__module__"));
    char *qualname = sp_py_utf8(((PyHeapTypeObject *)tp)->ht_qualname);
    if (module == NULL) {
        module = sp_strdup("builtins");
    }
    if (qualname == NULL) {
        qualname = sp_strdup(tp->tp_name != NULL ? tp->tp_name : "?");
    }
    size_t nm = module != NULL ? strlen(module) : 0;
    size_t nq = qualname != NULL ? strlen(qualname) : 0;
    char *key = module != NULL && qualname != NULL ? sp_malloc(nm + nq + 2)
                                                   : NULL;
    uint32_t ri = UINT32_MAX;
    int64_t v;
    if (key == NULL) {
        goto fail;
    }
    memcpy(key, module, nm);
    key[nm] = '\x1f';
    memcpy(key + nm + 1, qualname, nq + 1);
    if (sp_strmap_get(&rec_by_name, 0, key, &v)) {
        ri = (uint32_t)v;
        sp_free(key);
        sp_free(module);
        sp_free(qualname);
    }
    else {
        /* The slots of the page index hold the record + 1 in 16 bits. */
        if (nrecs + 1 >= UINT16_MAX) {
            goto fail;
        }
        if (nrecs == recs_cap) {
            size_t cap = recs_cap ? recs_cap * 2 : 256;
            struct rec *r = sp_realloc(recs, cap * sizeof(*r));
            if (r == NULL) {
                goto fail;
            }
            recs = r;
            recs_cap = cap;
        }
        if (sp_strmap_put(&rec_by_name, 0, key, (int64_t)nrecs) < 0) {
            goto fail;
        }
        ri = (uint32_t)nrecs++;
        memset(&recs[ri], 0, sizeof(recs[ri]));
        recs[ri].module = module;       /* key stays: the map borrows it */
        recs[ri].qualname = qualname;
    }
    *off = sp_pyver.block_offset(tp);
    if (!pmap_put(&types, (uintptr_t)tp, ri, (uint32_t)*off)) {
        return UINT32_MAX;
    }
    return ri;
fail:
    sp_free(key);
    sp_free(module);
    sp_free(qualname);
    return UINT32_MAX;
}

/* A new class at an address a dead one had: a new record. */
static PyTypeObject *last_tp;

static void
rec_forget(PyTypeObject *tp)
{
    struct pmap_slot *s = pmap_find(&types, (uintptr_t)tp);
    if (tp == last_tp) {
        last_tp = NULL;
    }
    if (s != NULL) {
        pmap_remove(&types, s);
    }
}

/* ------------------------------------------------------------ frames */

struct frame_rec {
    char *function;
    char *file;
    int line;
    bool native;
};

static struct frame_rec *frames;
static size_t nframes, frames_cap;
static struct sp_strmap frame_index;    /* key -> frame index */
static char **frame_keys;               /* owned keys of frame_index */

/* Direct-mapped cache (code, addr) -> frame, checked against the code's
 * name and file objects so a code object freed and replaced at the same
 * address is not taken for the old one. */
#define FCACHE_SIZE 4096
struct fcache_slot {
    PyObject *code, *name, *file;
    int addr;
    int line;
    uint32_t frame;
};
static struct fcache_slot fcache[FCACHE_SIZE];

static uint32_t
frame_intern(const char *function, const char *file, int line, bool native)
{
    char small[512];
    char *buf = small;
    const char *fl0 = file != NULL ? file : "";
    int n = snprintf(small, sizeof(small), "%c\x1f%d\x1f%s\x1f%s",
                     native ? 'n' : 'p', line, fl0, function);
    int64_t v;
    if (n < 0) {
        return UINT32_MAX;
    }
    if ((size_t)n >= sizeof(small)) {
        buf = sp_malloc((size_t)n + 1);     /* a long path or name */
        if (buf == NULL) {
            return UINT32_MAX;
        }
        snprintf(buf, (size_t)n + 1, "%c\x1f%d\x1f%s\x1f%s",
                 native ? 'n' : 'p', line, fl0, function);
    }
    if (sp_strmap_get(&frame_index, 0, buf, &v)) {
        if (buf != small) {
            sp_free(buf);
        }
        return (uint32_t)v;
    }
    if (nframes == frames_cap) {
        size_t cap = frames_cap ? frames_cap * 2 : 256;
        struct frame_rec *f = sp_realloc(frames, cap * sizeof(*f));
        char **k = sp_realloc(frame_keys, cap * sizeof(*k));
        if (f != NULL) {
            frames = f;
        }
        if (k != NULL) {
            frame_keys = k;
        }
        if (f == NULL || k == NULL) {
            if (buf != small) {
                sp_free(buf);
            }
            return UINT32_MAX;
        }
        frames_cap = cap;
    }
    char *key = buf != small ? buf : sp_strdup(buf);
    char *fn = sp_strdup(function);
    char *fl = file != NULL ? sp_strdup(file) : NULL;
    if (key == NULL || fn == NULL || (file != NULL && fl == NULL)
        || sp_strmap_put(&frame_index, 0, key, (int64_t)nframes) < 0) {
        sp_free(key);
        sp_free(fn);
        sp_free(fl);
        return UINT32_MAX;
    }
    frame_keys[nframes] = key;
    frames[nframes].function = fn;
    frames[nframes].file = fl;
    frames[nframes].line = line;
    frames[nframes].native = native;
    return (uint32_t)nframes++;
}

static uint32_t
frame_of_py(const struct sp_pyframe *pf)
{
    size_t h = (((uintptr_t)pf->code >> 4) * 31u + (unsigned)pf->addr)
               & (FCACHE_SIZE - 1);
    struct fcache_slot *c = &fcache[h];
    /* A code object freed and replaced at the same address (exec in a
     * loop) can match everything but the line: check it too. */
    int line = PyCode_Addr2Line((PyCodeObject *)pf->code, pf->addr);
    if (c->code == pf->code && c->addr == pf->addr && c->name == pf->name
        && c->file == pf->file && c->line == line) {
        return c->frame;
    }
    char *fn = sp_py_utf8(pf->name);
    char *fl = sp_py_utf8(pf->file);
    uint32_t f = fn != NULL ? frame_intern(fn, fl, line > 0 ? line : 0, false)
                            : UINT32_MAX;
    sp_free(fn);
    sp_free(fl);
    if (f != UINT32_MAX) {
        c->code = pf->code;
        c->name = pf->name;
        c->file = pf->file;
        c->addr = pf->addr;
        c->line = line;
        c->frame = f;
    }
    return f;
}

/* ------------------------------------------------------------ native */

typedef int (*unw_backtrace_fn)(void **buf, int size);
static unw_backtrace_fn unw_backtrace_p;
static Dl_info self_info;       /* this library */
static void *python_base;       /* the DSO holding the interpreter */

/* ip -> frame, for native frames: symbolizing (dladdr) is the slow part. */
static struct pmap ip_frames;   /* shift 0: return addresses are unaligned */

static uint32_t
frame_of_ip(void *ip)
{
    struct pmap_slot *s = pmap_find(&ip_frames, (uintptr_t)ip);
    if (s != NULL) {
        return s->a;
    }
    Dl_info di;
    char fn[512];
    const char *file = NULL;
    memset(&di, 0, sizeof(di));
    if (dladdr(ip, &di) != 0) {
        file = di.dli_fname;
    }
    if (di.dli_sname != NULL) {
        snprintf(fn, sizeof(fn), "%s", di.dli_sname);
    }
    else if (di.dli_fbase != NULL) {
        snprintf(fn, sizeof(fn), "0x%" PRIxPTR,
                 (uintptr_t)ip - (uintptr_t)di.dli_fbase);
    }
    else {
        snprintf(fn, sizeof(fn), "0x%" PRIxPTR, (uintptr_t)ip);
    }
    uint32_t f = frame_intern(fn, file, 0, true);
    if (f != UINT32_MAX) {
        (void)pmap_put(&ip_frames, (uintptr_t)ip, f, 0);
    }
    return f;
}

/* The native frames between the innermost Python frame and this
 * allocation, outermost first, without this library's frames nor the
 * interpreter's own (which only say "a call happened"): what is left are
 * the extension modules that created the instance.  Returns how many. */
static size_t
native_frames(uint32_t *out, size_t max)
{
    void *ips[128];
    uint32_t tmp[128];
    size_t n = 0;
    int got = unw_backtrace_p(ips, (int)SP_ARRAY_LEN(ips));
    for (int i = 0; i < got && n < max && n < SP_ARRAY_LEN(tmp); i++) {
        Dl_info di;
        /* Return addresses point after the call: -1 lands in it. */
        void *ip = (char *)ips[i] - (i > 0 ? 1 : 0);
        if (dladdr(ip, &di) == 0) {
            continue;
        }
        if (di.dli_fbase == self_info.dli_fbase) {
            continue;
        }
        if (di.dli_fbase == python_base) {
            /* The eval loop: Python frames take over from here. */
            if (di.dli_sname != NULL
                && strcmp(di.dli_sname, "_PyEval_EvalFrameDefault") == 0) {
                break;
            }
            continue;
        }
        uint32_t f = frame_of_ip(ip);
        if (f != UINT32_MAX) {
            tmp[n++] = f;
        }
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = tmp[n - 1 - i];
    }
    return n;
}

static void
native_init(void)
{
    void *h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
    Dl_info di;
    if (h == NULL
        || (unw_backtrace_p = (unw_backtrace_fn)dlsym(h, "unw_backtrace"))
               == NULL) {
        sp_log("native=1: cannot load libunwind.so.8 (apt-get install "
               "libunwind8); sampling Python frames only");
        want_native = false;
        return;
    }
    if (dladdr((void *)&native_init, &self_info) == 0
        || dladdr((void *)&PyType_GenericAlloc, &di) == 0) {
        sp_log("native=1: cannot locate the interpreter's code; sampling "
               "Python frames only");
        want_native = false;
        return;
    }
    python_base = di.dli_fbase;
}

/* ------------------------------------------------------------ sites */

struct site {
    uint32_t rec;
    uint32_t nframes;
    uint32_t *frames;       /* root first */
    uint64_t hash;
    uint64_t samples;
    uint64_t live;          /* sampled instances still alive */
};

static struct site *sites;
static size_t nsites, sites_cap;
static uint32_t *site_index;    /* open addressing: site + 1 */
static size_t site_index_cap;

static uint64_t
site_hash(uint32_t rec, const uint32_t *fr, size_t n)
{
    uint64_t h = UINT64_C(1469598103934665603) ^ rec;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ fr[i]) * UINT64_C(1099511628211);
    }
    return h ^ n;
}

static bool
site_index_grow(void)
{
    size_t cap = site_index_cap ? site_index_cap * 2 : 1024;
    uint32_t *ix = sp_calloc(cap, sizeof(*ix));
    if (ix == NULL) {
        return false;
    }
    for (size_t s = 0; s < nsites; s++) {
        size_t i = (size_t)sites[s].hash & (cap - 1);
        while (ix[i] != 0) {
            i = (i + 1) & (cap - 1);
        }
        ix[i] = (uint32_t)s + 1;
    }
    sp_free(site_index);
    site_index = ix;
    site_index_cap = cap;
    return true;
}

static uint32_t
site_intern(uint32_t rec, const uint32_t *fr, size_t n)
{
    uint64_t h = site_hash(rec, fr, n);
    if (site_index_cap == 0 || (nsites + 1) * 2 > site_index_cap) {
        if (!site_index_grow()) {
            return UINT32_MAX;
        }
    }
    size_t i = (size_t)h & (site_index_cap - 1);
    for (; site_index[i] != 0; i = (i + 1) & (site_index_cap - 1)) {
        struct site *s = &sites[site_index[i] - 1];
        if (s->hash == h && s->rec == rec && s->nframes == n
            && memcmp(s->frames, fr, n * sizeof(*fr)) == 0) {
            return site_index[i] - 1;
        }
    }
    if (nsites == sites_cap) {
        size_t cap = sites_cap ? sites_cap * 2 : 256;
        struct site *ns = sp_realloc(sites, cap * sizeof(*ns));
        if (ns == NULL) {
            return UINT32_MAX;
        }
        sites = ns;
        sites_cap = cap;
    }
    uint32_t *copy = sp_malloc((n ? n : 1) * sizeof(*copy));
    if (copy == NULL) {
        return UINT32_MAX;
    }
    memcpy(copy, fr, n * sizeof(*fr));
    memset(&sites[nsites], 0, sizeof(sites[nsites]));
    sites[nsites].rec = rec;
    sites[nsites].nframes = (uint32_t)n;
    sites[nsites].frames = copy;
    sites[nsites].hash = h;
    site_index[i] = (uint32_t)nsites + 1;
    return (uint32_t)nsites++;
}

/* xorshift64*: the gaps between samples. */
static uint64_t
rng_next(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * UINT64_C(2685821657736338717);
}

/* A geometric gap of mean sample_every: each allocation is sampled with
 * probability 1/sample_every, independently (a Bernoulli process), so a
 * site's sample count is binomial -- docs/allocations.md. */
static uint64_t
next_gap(void)
{
    if (sample_every <= 1) {
        return 1;
    }
    double u = ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
    double g = log(u) / log(1.0 - 1.0 / (double)sample_every);
    if (!(g >= 0.0) || g > 1e15) {
        g = (double)sample_every;
    }
    return (uint64_t)g + 1;
}

/* The stack of the allocation happening now, as a site of class ri.
 * UINT32_MAX when it cannot be recorded. */
static uint32_t
take_stack(uint32_t ri)
{
    struct sp_pyframe pf[SP_MAX_DEPTH_MAX];
    uint32_t fr[SP_MAX_DEPTH_MAX + SP_MAX_DEPTH_MAX];
    size_t np = sp_pyver.frames(pf, (size_t)max_depth);
    size_t n = 0;
    for (size_t i = np; i-- > 0;) {
        uint32_t f = frame_of_py(&pf[i]);
        if (f != UINT32_MAX) {
            fr[n++] = f;
        }
    }
    if (want_native) {
        n += native_frames(fr + n, (size_t)max_depth);
    }
    if (n == 0) {
        /* Made with no Python code running: interpreter start-up, or C
         * code on a thread of its own.  Not the [unsampled] remainder. */
        uint32_t f = frame_intern("[no Python frame]", NULL, 0, false);
        if (f != UINT32_MAX) {
            fr[n++] = f;
        }
    }
    if (n > max_depth) {
        /* Keep the innermost: drop from the root side. */
        memmove(fr, fr + (n - max_depth), (size_t)max_depth * sizeof(*fr));
        n = (size_t)max_depth;
    }
    return site_intern(ri, fr, n);
}

/* ------------------------------------------------------------ counting */

/* The live counted instances, by the address of their memory block: per
 * 4 KiB page that holds any, the record index + 1 of the instance whose
 * block starts at each aligned slot of the page (0: none).  Blocks start
 * at multiples of the allocator's alignment (8 bytes on 3.8/3.9, whose
 * pymalloc aligns to 8; 16 after and in glibc), so one slot holds at most
 * one block start and a free is one page lookup and one load.
 *
 * Why pages and not a hash of every instance: instances of a class fill
 * pymalloc pools of their size class, so consecutive allocations and
 * frees touch the same page entry, and the free hook's lookup for the
 * many frees that are not instances stops at a small, cache-resident map
 * of pages.  Memory: 2 bytes per slot of a page that holds instances,
 * 1/8 of it (1/4 on 3.8/3.9), against 32 to 64 bytes per instance for a
 * hash table of pointers, which also thrashed the caches (make bench,
 * docs/performance.md). */
#define PAGE_SHIFT 12
#define PAGE_SLOTS_MAX 256      /* 4096 / 16 */
struct page {
    /* Which slots hold an instance: a free of another block of the page
     * (pools mix instances with other objects of their size class) reads
     * this line, not the 1 KiB of cls. */
    uint64_t bits[PAGE_SLOTS_MAX / 64];
    uint16_t *cls;          /* slots, record index + 1 */
    uint32_t n;             /* slots in use */
};
static struct page *pages;
static size_t npages, pages_cap;
static uint32_t free_page = UINT32_MAX;    /* a free entry of pages[],
                                              chained through .n */
static struct pmap page_map;    /* page number -> pages[] index (shift 0) */
static unsigned slot_shift = 4;
/* A direct-mapped cache of page_map (pageno -> index + 1; 0 = empty):
 * frees alternate between the pools of a few size classes. */
#define PCACHE 256
static struct {
    uintptr_t pageno;
    uint32_t pi1;
} pcache[PCACHE];

/* Sampled live instances: block -> site + 1 (b), record (a). */
static struct pmap sampled = {.shift = 4};

/* A filter in front of page_map: one bit per page number modulo 2^20
 * (128 KiB, mostly in cache), set when a page gets slots, so a free of a
 * block in a page that never held an instance costs one load.  Bits are
 * not cleared (a stale bit only costs a lookup in page_map). */
#define PAGE_BITS (1u << 20)
static uint8_t page_bits[PAGE_BITS / 8];

static inline bool
page_bit(uintptr_t pageno)
{
    uint32_t b = (uint32_t)pageno & (PAGE_BITS - 1);
    return (page_bits[b >> 3] >> (b & 7)) & 1;
}

static inline uint32_t
page_index(uintptr_t pageno)
{
    size_t h = (size_t)pageno & (PCACHE - 1);
    if (pcache[h].pageno == pageno && pcache[h].pi1 != 0) {
        return pcache[h].pi1 - 1;
    }
    if (!page_bit(pageno)) {
        return UINT32_MAX;
    }
    struct pmap_slot *ps = pmap_find(&page_map, pageno);
    if (ps == NULL) {
        return UINT32_MAX;
    }
    pcache[h].pageno = pageno;
    pcache[h].pi1 = ps->a + 1;
    return ps->a;
}

/* Mark block as an instance of record ri.  False when out of memory or
 * when ri does not fit a slot. */
static bool
slot_set(uintptr_t block, uint32_t ri)
{
    uintptr_t pageno = block >> PAGE_SHIFT;
    uint32_t pi = page_index(pageno);
    if (ri >= UINT16_MAX) {
        return false;
    }
    if (pi == UINT32_MAX) {
        size_t nslots = (size_t)1 << (PAGE_SHIFT - slot_shift);
        uint16_t *cls = sp_calloc(nslots, sizeof(*cls));
        if (cls == NULL) {
            return false;
        }
        if (free_page != UINT32_MAX) {
            pi = free_page;
            free_page = pages[pi].n;
        }
        else {
            if (npages == pages_cap) {
                size_t cap = pages_cap ? pages_cap * 2 : 256;
                struct page *np = sp_realloc(pages, cap * sizeof(*np));
                if (np == NULL) {
                    sp_free(cls);
                    return false;
                }
                pages = np;
                pages_cap = cap;
            }
            pi = (uint32_t)npages++;
        }
        if (!pmap_put(&page_map, pageno, pi, 0)) {
            pages[pi].n = free_page;
            free_page = pi;
            sp_free(cls);
            return false;
        }
        pages[pi].cls = cls;
        pages[pi].n = 0;
        memset(pages[pi].bits, 0, sizeof(pages[pi].bits));
        {
            uint32_t b = (uint32_t)pageno & (PAGE_BITS - 1);
            page_bits[b >> 3] |= (uint8_t)(1u << (b & 7));
        }
        pcache[pageno & (PCACHE - 1)].pageno = pageno;
        pcache[pageno & (PCACHE - 1)].pi1 = pi + 1;
    }
    size_t k = (block & ((1u << PAGE_SHIFT) - 1)) >> slot_shift;
    uint16_t *c = &pages[pi].cls[k];
    if (*c == 0) {
        pages[pi].n++;
        pages[pi].bits[k >> 6] |= UINT64_C(1) << (k & 63);
    }
    *c = (uint16_t)(ri + 1);
    return true;
}

/* The record + 1 of the instance whose block is `block`, cleared; 0 if
 * it is not a counted instance. */
static inline uint32_t
slot_take(uintptr_t block)
{
    uint32_t pi = page_index(block >> PAGE_SHIFT);
    if (pi == UINT32_MAX) {
        return 0;
    }
    struct page *pg = &pages[pi];
    size_t k = (block & ((1u << PAGE_SHIFT) - 1)) >> slot_shift;
    if (!((pg->bits[k >> 6] >> (k & 63)) & 1)) {
        return 0;
    }
    uint32_t ri1 = pg->cls[k];
    pg->cls[k] = 0;
    pg->bits[k >> 6] &= ~(UINT64_C(1) << (k & 63));
    if (--pg->n == 0) {
        /* The page holds no instance any more: give its slots back. */
        struct pmap_slot *ps = pmap_find(&page_map, block >> PAGE_SHIFT);
        if (ps != NULL) {
            pmap_remove(&page_map, ps);
        }
        sp_free(pg->cls);
        pg->cls = NULL;
        pg->n = free_page;
        free_page = pi;
        pcache[(block >> PAGE_SHIFT) & (PCACHE - 1)].pi1 = 0;
    }
    return ri1;
}

static inline void
count_alloc(uint32_t ri, uintptr_t block)
{
    struct rec *r = &recs[ri];
    if (!slot_set(block, ri)) {
        /* Out of memory: this instance's free would not be seen. */
        frees_exact = false;
        return;
    }
    r->allocated++;
    live_total++;
    uint64_t live = r->allocated - r->freed;
    if (live > r->peak) {
        r->peak = live;
    }
    if (sample_every != 0 && --countdown == 0) {
        countdown = next_gap();
        uint32_t s = take_stack(ri);
        if (s != UINT32_MAX && pmap_put(&sampled, block, ri, s + 1)) {
            sites[s].samples++;
            sites[s].live++;
            r->samples++;
            r->live_samples++;
            total_samples++;
        }
    }
}

static inline void
count_free(uint32_t ri, uintptr_t block)
{
    struct rec *r = &recs[ri];
    r->freed++;
    live_total--;
    if (r->live_samples != 0) {
        struct pmap_slot *s = pmap_find(&sampled, block);
        if (s != NULL) {
            sites[s->b - 1].live--;
            r->live_samples--;
            pmap_remove(&sampled, s);
        }
    }
}

/* ---- 3.8-3.12: tp_alloc; every version: the object free hook ---- */

/* One-entry cache of rec_of(): instances of one class come in runs
 * (last_tp is declared with rec_forget, which clears it). */
static uint32_t last_ri = UINT32_MAX;
static size_t last_off;

static inline uint32_t
rec_of_cached(PyTypeObject *tp, size_t *off)
{
    if (tp == last_tp && last_ri != UINT32_MAX) {
        *off = last_off;
        return last_ri;
    }
    uint32_t ri = rec_of(tp, off);
    if (ri != UINT32_MAX) {
        last_tp = tp;
        last_ri = ri;
        last_off = *off;
    }
    return ri;
}

/* Only the main interpreter's threads touch the tables: the hooks are
 * process-wide, and a 3.12+ subinterpreter with a GIL of its own runs
 * them at the same time as the main interpreter. */
static PyInterpreterState *main_interp;

static inline bool
in_main_interp(void)
{
    PyThreadState *ts = sp_tstate_unchecked();
    return ts != NULL && ts->interp == main_interp;
}

static PyObject *
counting_tp_alloc(PyTypeObject *tp, Py_ssize_t nitems)
{
    PyObject *op = PyType_GenericAlloc(tp, nitems);
    if (op == NULL || !started || !in_main_interp()) {
        return op;
    }
    size_t off;
    uint32_t ri = rec_of_cached(tp, &off);
    if (ri == UINT32_MAX) {
        frees_exact = false;
        return op;
    }
    count_alloc(ri, (uintptr_t)op - off);
    return op;
}

static void
hook_free(void *ctx, void *p)
{
    (void)ctx;
    if (p != NULL && npages != 0 && page_bit((uintptr_t)p >> PAGE_SHIFT)
        && in_main_interp()) {
        uint32_t ri1 = slot_take((uintptr_t)p);
        if (ri1 != 0) {
            count_free(ri1 - 1, (uintptr_t)p);
        }
    }
    if (p != NULL && p == canary) {
        canary_seen = true;
    }
    obj_orig.free(obj_orig.ctx, p);
}

/* Instances are not resized in place by CPython, but a C extension could
 * PyObject_Realloc one of its own: follow the block. */
static void *
hook_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    uint32_t ri1 = p != NULL && npages != 0 && in_main_interp()
                       ? slot_take((uintptr_t)p) : 0;
    void *q = obj_orig.realloc(obj_orig.ctx, p, n);
    if (ri1 != 0) {
        uintptr_t from = q != NULL ? (uintptr_t)q : (uintptr_t)p;
        struct pmap_slot *s = recs[ri1 - 1].live_samples != 0
                                  ? pmap_find(&sampled, (uintptr_t)p)
                                  : NULL;
        if (!slot_set(from, ri1 - 1)) {
            frees_exact = false;
        }
        if (s != NULL && from != (uintptr_t)p) {
            uint32_t a = s->a, b = s->b;
            pmap_remove(&sampled, s);
            (void)pmap_put(&sampled, from, a, b);
        }
    }
    return q;
}

static void
patch_type(PyTypeObject *tp)
{
    if ((tp->tp_flags & Py_TPFLAGS_HEAPTYPE)
        && tp->tp_alloc == PyType_GenericAlloc) {
        tp->tp_alloc = counting_tp_alloc;
    }
}

/* PyType_Type.tp_new (and that of metaclasses which copied it): every
 * class made by a class statement, type(...), a metaclass's
 * super().__new__ comes through here; its tp_alloc has just been reset to
 * PyType_GenericAlloc by type_new. */
static PyObject *
counting_type_new(PyTypeObject *meta, PyObject *args, PyObject *kwds)
{
    PyObject *t = type_new_orig(meta, args, kwds);
    /* type(obj) (3.8/3.9 route it here) returns an existing class. */
    bool one_arg = args != NULL && PyTuple_Check(args)
                   && PyTuple_GET_SIZE(args) == 1;
    if (t != NULL && started && !one_arg && PyType_Check(t)
        && in_main_interp()) {
        rec_forget((PyTypeObject *)t);
        patch_type((PyTypeObject *)t);
    }
    return t;
}

/* Every class alive now: object's subclasses, recursively, through the
 * type's own tp_subclasses via __subclasses__() (a list it builds: the
 * only Python objects this file makes, once, at start). */
static struct pmap patched = {.shift = 4};   /* classes walked at start */

static void
patch_existing(PyTypeObject *tp, int depth)
{
    PyObject *subs;
    if (depth > 1000 || pmap_find(&patched, (uintptr_t)tp) != NULL
        || !pmap_put(&patched, (uintptr_t)tp, 0, 0)) {
        return;     /* walked already (several bases), or out of memory */
    }
    patch_type(tp);
    if (PyType_IsSubtype(tp, &PyType_Type) && tp->tp_new != NULL
        && tp->tp_new == type_new_orig && tp != &PyType_Type) {
        tp->tp_new = counting_type_new;
    }
    /* type.__subclasses__(tp): the C method itself, not a lookup
     * through tp that a class or metaclass could override. */
    subs = PyObject_CallMethod((PyObject *)&PyType_Type, "__subclasses__",
                               "O", (PyObject *)tp);
    if (subs == NULL) {
        PyErr_Clear();
        return;
    }
    if (PyList_Check(subs)) {
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(subs); i++) {
            PyObject *c = PyList_GET_ITEM(subs, i);
            if (PyType_Check(c)) {
                patch_existing((PyTypeObject *)c, depth + 1);
            }
        }
    }
    Py_DECREF(subs);
}

/* ---- 3.13+: the ref tracer ---- */

static void
alloc_event(PyObject *op, bool created)
{
    if (op == NULL || !started || !in_main_interp()) {
        return;     /* PyRefTracer_TRACKER_REMOVED (3.14+) has no object */
    }
    PyTypeObject *tp = Py_TYPE(op);
    if (!created) {
        /* Frees are counted by the free hook.  A class going away: a later
         * class at its address is another class. */
        if (PyType_FastSubclass(tp, Py_TPFLAGS_TYPE_SUBCLASS)) {
            rec_forget((PyTypeObject *)op);
        }
        return;
    }
    if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        return;
    }
    size_t off;
    uint32_t ri = rec_of_cached(tp, &off);
    if (ri == UINT32_MAX) {
        frees_exact = false;
        return;
    }
    count_alloc(ri, (uintptr_t)op - off);
}

/* ------------------------------------------------------------ life */

bool
sp_allocs_start(const struct sp_config *cfg)
{
    struct timespec ts;

    if (!cfg->allocs || started) {
        return true;
    }
    const char *an = sp_allocator_name();
    snprintf(allocator_before, sizeof(allocator_before), "%s",
             an != NULL ? an : "custom");
    main_interp = PyInterpreterState_Main();
    sp_strmap_init(&rec_by_name);
    sample_every = cfg->sample_every;
    max_depth = cfg->max_depth;
    want_native = cfg->native && sample_every != 0;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    rng_state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec
                ^ ((uint64_t)getpid() << 40) ^ UINT64_C(0x2545F4914F6CDD1D);
    if (rng_state == 0) {
        rng_state = 1;
    }
    countdown = next_gap();
    /* Blocks start at multiples of 16 on every version: pymalloc's
     * ALIGNMENT is 16 on 64-bit since 3.8 (Objects/obmalloc.c), glibc's
     * MALLOC_ALIGNMENT 16. */
    slot_shift = 4;
    sp_strmap_init(&frame_index);
    if (want_native) {
        native_init();
    }

    PyMemAllocatorEx hook;
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &obj_orig);
    hook = obj_orig;
    hook.free = hook_free;
    hook.realloc = hook_realloc;
    started = true;
    if (sp_pyver.counting == SP_COUNT_REFTRACER) {
        bool foreign = false;
        if (!sp_pyver.tracer_install(alloc_event, &foreign)) {
            started = false;
            sp_log(foreign ? "another reference tracer (PyRefTracer) is "
                             "installed; allocation counting is off, so "
                             "as not to replace it"
                           : "cannot install the reference tracer; no "
                             "allocation counts");
            return false;
        }
        PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &hook);
        return true;
    }
    PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &hook);
    type_new_orig = PyType_Type.tp_new;
    PyType_Type.tp_new = counting_type_new;
    patch_existing(&PyBaseObject_Type, 0);
    sp_free(patched.slots);
    memset(&patched, 0, sizeof(patched));
    return true;
}

const char *
sp_allocs_allocator_name(void)
{
    return started && allocator_before[0] != '\0' ? allocator_before : NULL;
}

/* Are frees still seen?  3.8-3.12: free a canary block and watch for it
 * (another tool may have installed an allocator that does not chain to
 * ours); 3.13: is our tracer still the tracer?  (tracemalloc.start()
 * replaces it: put it back, chained, and note that events were lost.) */
static void
check_frees(void)
{
    if (!started) {
        return;
    }
    if (sp_pyver.counting == SP_COUNT_REFTRACER
        && !sp_pyver.tracer_installed()) {
        bool foreign;
        frees_exact = false;        /* creations were missed */
        (void)sp_pyver.tracer_install(alloc_event, &foreign);
    }
    canary = PyObject_Malloc(1);
    if (canary == NULL) {
        return;     /* sets no exception */
    }
    canary_seen = false;
    PyObject_Free(canary);
    if (!canary_seen) {
        frees_exact = false;
    }
    canary = NULL;
}

uint64_t
sp_allocs_live(void)
{
    return started && frees_exact ? live_total : UINT64_MAX;
}

void
sp_allocs_after_fork_child(void)
{
    /* The child's counts start from what it inherited alive: allocations
     * made in the parent are the parent's. */
    for (size_t i = 0; i < nrecs; i++) {
        struct rec *r = &recs[i];
        uint64_t live = r->allocated - r->freed;
        r->allocated = live;
        r->freed = 0;
        r->peak = live;
        r->samples = r->live_samples;
    }
    total_samples = 0;
    for (size_t s = 0; s < nsites; s++) {
        sites[s].samples = sites[s].live;
        total_samples += sites[s].live;
    }
}

/* ------------------------------------------------------------ reports */

/* Classes are merged by (module, qualname): group g of each named rec. */
struct group {
    const char *module, *qualname;
    uint64_t allocated, freed, live, peak, samples, live_samples;
    /* from the report: */
    uint64_t instances;
    int64_t savings;
    bool in_report;
};

static int
cmp_site_out(const void *pa, const void *pb)
{
    const struct sp_site *a = pa, *b = pb;
    if (a->id != b->id && (a->id >> 32) != (b->id >> 32)) {
        return (a->id >> 32) < (b->id >> 32) ? -1 : 1;  /* group order */
    }
    if (a->savable_bytes != b->savable_bytes) {
        return a->savable_bytes > b->savable_bytes ? -1 : 1;
    }
    if (a->allocations != b->allocations) {
        return a->allocations > b->allocations ? -1 : 1;
    }
    size_t n = a->nframes < b->nframes ? a->nframes : b->nframes;
    for (size_t i = 0; i < n; i++) {
        if (a->frames[i] != b->frames[i]) {
            return a->frames[i] < b->frames[i] ? -1 : 1;
        }
    }
    return (a->nframes > b->nframes) - (a->nframes < b->nframes);
}

static int
cmp_class_out(const void *pa, const void *pb)
{
    const struct sp_alloc_class *a = pa, *b = pb;
    if (a->allocated != b->allocated) {
        return a->allocated > b->allocated ? -1 : 1;
    }
    int c = strcmp(a->module, b->module);
    return c != 0 ? c : strcmp(a->qualname, b->qualname);
}

/* Split total between n parts in proportion to weights (sum wsum > 0),
 * exactly: floors first, then one more to each of the largest fractional
 * parts (ties: lower index) -- the largest-remainder method, in
 * O(n log n).  False when out of memory (out then holds the floors). */
struct rem {
    __uint128_t r;
    size_t i;
};

static int
cmp_rem(const void *pa, const void *pb)
{
    const struct rem *a = pa, *b = pb;
    if (a->r != b->r) {
        return a->r > b->r ? -1 : 1;
    }
    return (a->i > b->i) - (a->i < b->i);
}

static void
apportion(uint64_t total, const uint64_t *w, uint64_t wsum, size_t n,
          uint64_t *out)
{
    uint64_t given = 0;
    struct rem *rs = sp_malloc((n ? n : 1) * sizeof(*rs));
    for (size_t i = 0; i < n; i++) {
        __uint128_t x = (__uint128_t)total * w[i];
        out[i] = (uint64_t)(x / wsum);
        given += out[i];
        if (rs != NULL) {
            rs[i].r = x % wsum;
            rs[i].i = i;
        }
    }
    if (given < total && rs != NULL) {
        qsort(rs, n, sizeof(*rs), cmp_rem);
        for (size_t k = 0; given < total && k < n; k++, given++) {
            out[rs[k].i]++;
        }
    }
    sp_free(rs);
}

/* Fill r->allocs from the counters now.  With `census` (a census has just
 * made r), the live sampled instances of each class split its instances
 * and saving between its sites; without, the split r already holds is
 * kept (a report written later than its census) and only the counts are
 * brought up to date. */
static void
fill(struct sp_report *r, bool census)
{
    struct sp_allocs old = r->allocs;
    struct sp_allocs a;
    struct group *g = NULL;
    uint32_t *rec_group = NULL;
    size_t ng = 0;
    struct sp_strmap gi;
    bool ok = false;
    /* Scratch arrays, freed at done: */
    uint32_t *rank = NULL, *order = NULL, *old_of = NULL, *old_rem = NULL;
    uint64_t *w = NULL, *share = NULL;
    size_t *idx = NULL, *start = NULL;

    memset(&a, 0, sizeof(a));
    sp_strmap_init(&gi);
    if (!started) {
        sp_allocs_free(&old);
        memset(&r->allocs, 0, sizeof(r->allocs));
        return;
    }
    a.present = true;
    a.counting = sp_pyver.counting == SP_COUNT_REFTRACER ? "reftracer"
                                                          : "tp_alloc";
    a.sample_every = sample_every;
    a.native = want_native;
    a.max_depth = max_depth;
    a.samples = total_samples;

    g = sp_calloc(nrecs ? nrecs : 1, sizeof(*g));
    rec_group = sp_calloc(nrecs ? nrecs : 1, sizeof(*rec_group));
    if (g == NULL || rec_group == NULL) {
        goto done;
    }
    /* Groups, keyed module "\x1f" qualname (both may hold any byte but
     * NUL; '\x1f' in a name would merge two classes, harmlessly). */
    for (size_t i = 0; i < nrecs; i++) {
        struct rec *rc = &recs[i];
        char key[1024];
        int64_t v;
        rec_group[i] = UINT32_MAX;
        if (rc->qualname == NULL || rc->module == NULL
            || rc->allocated == 0) {
            continue;
        }
        snprintf(key, sizeof(key), "%s\x1f%s", rc->module, rc->qualname);
        if (!sp_strmap_get(&gi, 0, key, &v)) {
            /* The map borrows keys: point it at the record's own
             * strings through a stable copy. */
            char *k = sp_strdup(key);
            if (k == NULL || sp_strmap_put(&gi, 0, k, (int64_t)ng) < 0) {
                sp_free(k);
                goto done;
            }
            g[ng].module = rc->module;
            g[ng].qualname = rc->qualname;
            v = (int64_t)ng++;
        }
        struct group *gr = &g[v];
        rec_group[i] = (uint32_t)v;
        gr->allocated += rc->allocated;
        gr->freed += rc->freed;
        gr->live += rc->allocated - rc->freed;
        gr->peak += rc->peak;
        gr->samples += rc->samples;
        gr->live_samples += rc->live_samples;
    }
    /* What the census saw of each group. */
    for (size_t i = 0; i < r->nclasses; i++) {
        const struct sp_class *c = &r->classes[i];
        char key[1024];
        int64_t v;
        if (c->module == NULL || c->qualname == NULL) {
            continue;
        }
        snprintf(key, sizeof(key), "%s\x1f%s", c->module, c->qualname);
        if (sp_strmap_get(&gi, 0, key, &v)) {
            g[v].instances += c->instances;
            g[v].savings += c->savings_bytes;
            g[v].in_report = true;
        }
    }
    for (size_t i = 0; i < r->nslotted; i++) {
        const struct sp_slotted_class *c = &r->slotted[i];
        char key[1024];
        int64_t v;
        snprintf(key, sizeof(key), "%s\x1f%s", c->module, c->qualname);
        if (sp_strmap_get(&gi, 0, key, &v)) {
            g[v].instances += c->instances;
            g[v].in_report = true;
        }
    }

    /* Classes. */
    a.classes = sp_calloc(ng ? ng : 1, sizeof(*a.classes));
    if (a.classes == NULL) {
        goto done;
    }
    for (size_t k = 0; k < ng; k++) {
        struct sp_alloc_class *c = &a.classes[a.nclasses];
        c->module = sp_strdup(g[k].module);
        c->qualname = sp_strdup(g[k].qualname);
        c->allocated = g[k].allocated;
        c->freed = g[k].freed;
        c->live = g[k].live;
        c->peak_live = g[k].peak;
        c->samples = g[k].samples;
        a.nclasses++;
        if (c->module == NULL || c->qualname == NULL) {
            goto done;
        }
    }
    qsort(a.classes, a.nclasses, sizeof(*a.classes), cmp_class_out);
    /* The group's rank in that order, for the sites' order. */
    rank = sp_calloc(ng ? ng : 1, sizeof(*rank));
    if (rank == NULL) {
        goto done;
    }
    for (size_t k = 0; k < a.nclasses; k++) {
        char key[1024];
        int64_t v;
        snprintf(key, sizeof(key), "%s\x1f%s", a.classes[k].module,
                 a.classes[k].qualname);
        if (sp_strmap_get(&gi, 0, key, &v)) {
            rank[v] = (uint32_t)k;
        }
    }

    /* Frames: all of them (indices stay the library's). */
    a.frames = sp_calloc(nframes ? nframes : 1, sizeof(*a.frames));
    if (a.frames == NULL) {
        goto done;
    }
    for (size_t f = 0; f < nframes; f++) {
        a.frames[f].function = sp_strdup(frames[f].function);
        a.frames[f].file = frames[f].file ? sp_strdup(frames[f].file) : NULL;
        a.frames[f].line = frames[f].line;
        a.frames[f].native = frames[f].native;
        a.nframes++;
        if (a.frames[f].function == NULL
            || (frames[f].file != NULL && a.frames[f].file == NULL)) {
            goto done;
        }
    }

    /* Sites: each sampled site, plus an [unsampled] remainder per group
     * that needs one.  id: group rank << 32 | site (UINT32_MAX for the
     * remainder), for ordering and to find the split a report keeps. */
    a.sites = sp_calloc(nsites + ng + 1, sizeof(*a.sites));
    w = sp_calloc(nsites + 1, sizeof(*w));
    share = sp_calloc(nsites + 1, sizeof(*share));
    idx = sp_calloc(nsites + 1, sizeof(*idx));
    /* The sites of each group together (a counting sort), and for a
     * report written after its census the split it holds, by site: both
     * linear in the sites, whatever their number. */
    start = sp_calloc(ng + 1, sizeof(*start));
    order = sp_calloc(nsites + 1, sizeof(*order));
    old_of = sp_calloc(nsites + 1, sizeof(*old_of));
    old_rem = sp_calloc(ng + 1, sizeof(*old_rem));
    if (a.sites == NULL || w == NULL || share == NULL || idx == NULL
        || start == NULL || order == NULL || old_of == NULL
        || old_rem == NULL) {
        goto done;
    }
    for (size_t s = 0; s < nsites; s++) {
        uint32_t k = rec_group[sites[s].rec];
        if (k != UINT32_MAX) {
            start[k + 1]++;
        }
    }
    for (size_t k = 0; k < ng; k++) {
        start[k + 1] += start[k];
    }
    /* Each group's sites in index order: old_rem serves as the cursor
     * (it is set below). */
    for (size_t k = 0; k < ng; k++) {
        old_rem[k] = (uint32_t)start[k];
    }
    for (size_t s = 0; s < nsites; s++) {
        uint32_t k = rec_group[sites[s].rec];
        if (k != UINT32_MAX) {
            order[old_rem[k]++] = (uint32_t)s;
        }
    }
    for (size_t s = 0; s < nsites; s++) {
        old_of[s] = UINT32_MAX;
    }
    for (size_t k = 0; k < ng; k++) {
        old_rem[k] = UINT32_MAX;
    }
    for (size_t q = 0; !census && q < old.nsites; q++) {
        uint64_t low = old.sites[q].id & 0xffffffffu;
        if (low < nsites) {
            old_of[low] = (uint32_t)q;
        }
        else if (low == UINT32_MAX && old.sites[q].module != NULL
                 && old.sites[q].qualname != NULL) {
            char key[1024];
            int64_t v;
            snprintf(key, sizeof(key), "%s\x1f%s", old.sites[q].module,
                     old.sites[q].qualname);
            if (sp_strmap_get(&gi, 0, key, &v)) {
                old_rem[v] = (uint32_t)q;
            }
        }
    }
    for (size_t k = 0; k < ng; k++) {
        struct group *gr = &g[k];
        size_t m = 0;
        uint64_t wsum = 0, asum = 0;
        for (size_t oi = start[k]; oi < start[k + 1]; oi++) {
            size_t s = order[oi];
            struct sp_site *o = &a.sites[a.nsites++];
            o->module = sp_strdup(gr->module);
            o->qualname = sp_strdup(gr->qualname);
            o->frames = sp_malloc((sites[s].nframes ? sites[s].nframes : 1)
                                  * sizeof(uint32_t));
            if (o->module == NULL || o->qualname == NULL || o->frames == NULL) {
                goto done;
            }
            memcpy(o->frames, sites[s].frames,
                   sites[s].nframes * sizeof(uint32_t));
            o->nframes = sites[s].nframes;
            o->samples = sites[s].samples;
            o->id = ((uint64_t)rank[k] << 32) | (uint64_t)s;
            idx[m] = a.nsites - 1;
            w[m] = sites[s].samples;
            asum += sites[s].samples;
            m++;
        }
        /* Allocations: the group's exact count, split by samples. */
        if (asum > 0) {
            apportion(gr->allocated, w, asum, m, share);
            for (size_t j = 0; j < m; j++) {
                a.sites[idx[j]].allocations = share[j];
            }
        }
        /* Live instances and saving at the census. */
        uint64_t inst = gr->instances;
        uint64_t unexplained = 0;
        uint64_t rem_alloc = asum > 0 ? 0 : gr->allocated;
        int64_t rem_sav = 0;
        if (census) {
            /* Instances the counters do not know (made before the
             * profiler started) cannot be placed. */
            unexplained = inst > gr->live ? inst - gr->live : 0;
            uint64_t explained = inst - unexplained;
            for (size_t j = 0; j < m; j++) {
                w[j] = sites[a.sites[idx[j]].id & 0xffffffffu].live;
                wsum += w[j];
            }
            /* No sampled instance alive: the best estimate of where the
             * live ones come from is where the class is allocated. */
            for (size_t j = 0; wsum == 0 && j < m; j++) {
                w[j] = a.sites[idx[j]].samples;
            }
            if (wsum == 0) {
                wsum = asum;
            }
            if (wsum == 0) {
                unexplained = inst;
                explained = 0;
            }
            else {
                apportion(explained, w, wsum, m, share);
                for (size_t j = 0; j < m; j++) {
                    a.sites[idx[j]].instances = share[j];
                }
            }
            /* The saving follows the instances (every instance of a
             * class saves the class's average). */
            if (inst > 0 && gr->savings != 0) {
                uint64_t mag = (uint64_t)(gr->savings < 0 ? -gr->savings
                                                          : gr->savings);
                uint64_t *cnt = w;
                for (size_t j = 0; j < m; j++) {
                    cnt[j] = a.sites[idx[j]].instances;
                }
                cnt[m] = unexplained;
                apportion(mag, cnt, inst, m + 1, share);
                for (size_t j = 0; j < m; j++) {
                    a.sites[idx[j]].savable_bytes =
                        gr->savings < 0 ? -(int64_t)share[j]
                                        : (int64_t)share[j];
                }
                rem_sav = gr->savings < 0 ? -(int64_t)share[m]
                                          : (int64_t)share[m];
            }
        }
        else {
            /* Keep the split of the census this report shows. */
            for (size_t j = 0; j < m; j++) {
                struct sp_site *o = &a.sites[idx[j]];
                uint32_t q = old_of[o->id & 0xffffffffu];
                if (q != UINT32_MAX) {
                    o->instances = old.sites[q].instances;
                    o->savable_bytes = old.sites[q].savable_bytes;
                }
            }
            if (old_rem[k] != UINT32_MAX) {
                unexplained = old.sites[old_rem[k]].instances;
                rem_sav = old.sites[old_rem[k]].savable_bytes;
            }
        }
        if (unexplained > 0 || rem_sav != 0 || rem_alloc > 0) {
            struct sp_site *o = &a.sites[a.nsites++];
            o->module = sp_strdup(gr->module);
            o->qualname = sp_strdup(gr->qualname);
            o->frames = NULL;
            o->nframes = 0;
            o->allocations = rem_alloc;
            o->instances = unexplained;
            o->savable_bytes = rem_sav;
            o->id = ((uint64_t)rank[k] << 32) | UINT32_MAX;
            if (o->module == NULL || o->qualname == NULL) {
                goto done;
            }
        }
    }
    qsort(a.sites, a.nsites, sizeof(*a.sites), cmp_site_out);
    a.frees_exact = frees_exact;
    ok = true;

done:
    if (!ok) {
        sp_allocs_free(&a);
        sp_log("out of memory while reporting allocations; the report has "
               "none");
    }
    /* The map's keys were copies. */
    for (size_t i = 0; i < gi.cap; i++) {
        if (gi.slots != NULL && gi.slots[i].key != NULL) {
            sp_free((char *)gi.slots[i].key);
        }
    }
    sp_strmap_free(&gi);
    sp_free(g);
    sp_free(rec_group);
    sp_free(rank);
    sp_free(w);
    sp_free(share);
    sp_free(idx);
    sp_free(start);
    sp_free(order);
    sp_free(old_of);
    sp_free(old_rem);
    sp_allocs_free(&old);
    r->allocs = a;
}

void
sp_allocs_attach(struct sp_report *r)
{
    check_frees();
    fill(r, true);
}

void
sp_allocs_refresh(struct sp_report *r)
{
    fill(r, false);
}
