/*
 * census.c -- one census of live instances, version-neutral.
 *
 * Walks every GC-tracked object through the backend (sp_pyver), keeps the
 * instances of heap types that carry a __dict__ in any form, and adds up
 * per class what the backend measures: instances, real bytes, attribute
 * names and how many instances carry each, materialized and unshared
 * dicts, weak references.  Instance dicts are reached through their
 * owners (the backend reads the dict pointer or the values), never by
 * visiting dicts, which are not GC-tracked when they hold only atomic
 * values.
 *
 * The walk runs with the GIL held, reads memory only, and allocates from
 * the profiler's own heap: nothing it does can start a collection or
 * change what it is walking.
 */
#include "pyapi.h"

#include <stdlib.h>             /* qsort */
#include <string.h>             /* memset, memcmp, strcmp */
#include <time.h>               /* clock_gettime */

/* Open-addressed table from type pointer to aggregate.  Types without a
 * dict are cached too (skip = true) so each type is classified once. */
struct slot {
    PyTypeObject *tp;
    bool skip;
    size_t index;           /* into census.classes when !skip */
    size_t slotted;         /* skip && a class without __dict__: index + 1
                               into census.slotted, else 0 */
};

/* Classes whose instances have no __dict__ (slotprof diff). */
struct slotted_agg {
    PyTypeObject *tp;
    uint64_t instances;
    uint64_t cost;          /* cost units (1/256 B) */
};

struct census {
    struct slot *table;
    size_t cap;             /* power of two */
    size_t used;
    struct sp_census_class *classes;
    size_t nclasses;
    size_t classes_cap;
    struct slotted_agg *slotted;
    size_t nslotted;
    size_t slotted_cap;
    struct slot *last;      /* one-entry cache: objects of a type cluster */
    bool failed;
    /* max_pause: the walk stops once the monotonic clock passes
     * deadline (0 = none), looked at every DEADLINE_EVERY objects. */
    double deadline;
    uint32_t until_check;
    bool aborted;
};

/* A clock read (vDSO, ~20 ns) per 16384 objects: 1/1000 of the walk. */
#define DEADLINE_EVERY 16384u

static bool
table_grow(struct census *c)
{
    size_t ncap = c->cap ? c->cap * 2 : 256;
    struct slot *nt = sp_calloc(ncap, sizeof(*nt));
    if (nt == NULL) {
        return false;
    }
    for (size_t i = 0; i < c->cap; i++) {
        if (c->table[i].tp != NULL) {
            size_t h = sp_hash_ptr(c->table[i].tp, ncap);
            while (nt[h].tp != NULL) {
                h = (h + 1) & (ncap - 1);
            }
            nt[h] = c->table[i];
        }
    }
    sp_free(c->table);
    c->table = nt;
    c->cap = ncap;
    c->last = NULL;
    return true;
}

/* Is this type's instance something we count?  Heap types whose
 * instances have a dict; not metaclasses (their instances are classes). */
static bool
counted_type(PyTypeObject *tp)
{
    if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        return false;
    }
    if (tp->tp_flags & Py_TPFLAGS_TYPE_SUBCLASS) {
        return false;
    }
    return sp_pyver.type_has_dict(tp);
}

static struct slot *
lookup(struct census *c, PyTypeObject *tp)
{
    if (c->last != NULL && c->last->tp == tp) {
        return c->last;
    }
    if (c->used * 2 >= c->cap && !table_grow(c)) {
        return NULL;
    }
    size_t h = sp_hash_ptr(tp, c->cap);
    while (c->table[h].tp != NULL && c->table[h].tp != tp) {
        h = (h + 1) & (c->cap - 1);
    }
    struct slot *s = &c->table[h];
    if (s->tp == NULL) {
        s->tp = tp;
        c->used++;
        s->skip = !counted_type(tp);
        if (s->skip && (tp->tp_flags & Py_TPFLAGS_HEAPTYPE)
            && !(tp->tp_flags & Py_TPFLAGS_TYPE_SUBCLASS)
            && !sp_pyver.type_has_dict(tp)) {
            if (c->nslotted == c->slotted_cap) {
                size_t ncap = c->slotted_cap ? c->slotted_cap * 2 : 64;
                void *p = sp_realloc(c->slotted, ncap * sizeof(*c->slotted));
                if (p == NULL) {
                    return NULL;
                }
                c->slotted = p;
                c->slotted_cap = ncap;
            }
            memset(&c->slotted[c->nslotted], 0, sizeof(c->slotted[0]));
            c->slotted[c->nslotted].tp = tp;
            s->slotted = ++c->nslotted;
        }
        if (!s->skip) {
            if (c->nclasses == c->classes_cap) {
                size_t ncap = c->classes_cap ? c->classes_cap * 2 : 64;
                void *p = sp_realloc(c->classes, ncap * sizeof(*c->classes));
                if (p == NULL) {
                    return NULL;
                }
                c->classes = p;
                c->classes_cap = ncap;
            }
            s->index = c->nclasses++;
            memset(&c->classes[s->index], 0, sizeof(c->classes[0]));
            c->classes[s->index].tp = tp;
        }
    }
    c->last = s;
    return s;
}

/* Same attribute name?  Keys of one class are nearly always the same
 * interned str objects, so pointer equality decides; otherwise compare
 * contents without calling into Python. */
static bool
same_key(PyObject *a, PyObject *b)
{
    if (a == b) {
        return true;
    }
    /* Contents, for str subclasses too: reading their characters runs no
     * code, and a subclass key is still the same attribute name. */
    if (!PyUnicode_Check(a) || !PyUnicode_Check(b)
        || !sp_unicode_ready(a) || !sp_unicode_ready(b)) {
        return false;
    }
    if (PyUnicode_GET_LENGTH(a) != PyUnicode_GET_LENGTH(b)
        || PyUnicode_KIND(a) != PyUnicode_KIND(b)) {
        return false;
    }
    return memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b),
                  (size_t)PyUnicode_GET_LENGTH(a) * PyUnicode_KIND(a)) == 0;
}

struct name_ctx {
    struct census *c;
    struct sp_census_class *k;
    bool non_str;
};

/* A hash of a str's contents, computed here: str.__hash__ of an exact
 * str is C too, but a subclass's is not ours to call. */
static uint32_t
content_hash(PyObject *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    if (!PyUnicode_Check(s) || !sp_unicode_ready(s)) {
        return (uint32_t)((uintptr_t)s >> 4);
    }
    const unsigned char *p = PyUnicode_DATA(s);
    size_t n = (size_t)PyUnicode_GET_LENGTH(s) * PyUnicode_KIND(s);
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return (uint32_t)(h ^ (h >> 32));
}

#define INDEX_FROM 16   /* names before a class gets a hash index */

static void
index_put(struct sp_census_class *k, size_t j)
{
    size_t h = content_hash(k->names[j].key) & (k->index_cap - 1);
    while (k->index[h] != 0) {
        h = (h + 1) & (k->index_cap - 1);
    }
    k->index[h] = (uint32_t)j + 1;
}

/* Index the new last name; build or grow the index (load <= 1/2). */
static bool
index_add(struct sp_census_class *k)
{
    if (k->nnames * 2 > k->index_cap) {
        size_t ncap = 64;
        while (ncap < k->nnames * 4) {
            ncap *= 2;
        }
        uint32_t *ni = sp_calloc(ncap, sizeof(*ni));
        if (ni == NULL) {
            return false;
        }
        sp_free(k->index);
        k->index = ni;
        k->index_cap = ncap;
        for (size_t i = 0; i < k->nnames; i++) {
            index_put(k, i);
        }
        return true;
    }
    index_put(k, k->nnames - 1);
    return true;
}

/* The names index of key, or (size_t)-1. */
static size_t
name_find(struct sp_census_class *k, PyObject *key)
{
    if (k->index != NULL) {
        size_t h = content_hash(key) & (k->index_cap - 1);
        for (; k->index[h] != 0; h = (h + 1) & (k->index_cap - 1)) {
            size_t j = k->index[h] - 1;
            if (same_key(k->names[j].key, key)) {
                return j;
            }
        }
        return (size_t)-1;
    }
    for (size_t j = 0; j < k->nnames; j++) {
        if (same_key(k->names[j].key, key)) {
            return j;
        }
    }
    return (size_t)-1;
}

static void
on_name(PyObject *key, void *arg)
{
    struct name_ctx *ctx = arg;
    struct sp_census_class *k = ctx->k;

    if (!PyUnicode_Check(key)) {
        ctx->non_str = true;
        return;
    }
    /* Instances of a class usually store their names in one order: try
     * the one after the previous match first. */
    size_t j = k->cursor < k->nnames && k->names[k->cursor].key == key
                   ? k->cursor : name_find(k, key);
    if (j != (size_t)-1) {
        k->names[j].instances++;
        k->cursor = j + 1 < k->nnames ? j + 1 : 0;
        return;
    }
    if (k->nnames == k->cap) {
        size_t ncap = k->cap ? k->cap * 2 : 8;
        void *p = sp_realloc(k->names, ncap * sizeof(*k->names));
        if (p == NULL) {
            ctx->c->failed = true;
            return;
        }
        k->names = p;
        k->cap = ncap;
    }
    k->names[k->nnames].key = key;
    k->names[k->nnames].instances = 1;
    k->nnames++;
    k->cursor = 0;
    if (k->nnames >= INDEX_FROM && !index_add(k)) {
        ctx->c->failed = true;
    }
}

/* Count one instance of nitems items (sp_census_var_slotted). */
static void
var_len_add(struct sp_census_class *k, uint64_t nitems)
{
    for (size_t i = 0; i < SP_VAR_LENS; i++) {
        struct sp_var_len *v = &k->var_lens[i];
        if (v->count == 0) {
            v->nitems = nitems;
        }
        if (v->nitems == nitems) {
            v->count++;
            return;
        }
    }
    k->var_other++;
    k->var_other_items += nitems;
}

static int
visit(PyObject *op, void *arg)
{
    struct census *c = arg;
    PyTypeObject *tp = Py_TYPE(op);

    if (c->deadline != 0 && --c->until_check == 0) {
        c->until_check = DEADLINE_EVERY;
        if (sp_monotonic() > c->deadline) {
            c->aborted = true;
            return 1;
        }
    }
    if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        return 0;       /* the cheap common case: builtins */
    }
    struct slot *s = lookup(c, tp);
    if (s == NULL) {
        c->failed = true;
        return 1;
    }
    if (s->skip) {
        if (s->slotted != 0) {
            /* The object block: the arithmetic of a slotted layout with
             * nothing added to this very class. */
            struct slotted_agg *a = &c->slotted[s->slotted - 1];
            uint64_t nitems = 0;
            if (tp->tp_itemsize != 0) {
                Py_ssize_t n = Py_SIZE(op);
                nitems = (uint64_t)(n < 0 ? -n : n);
            }
            a->instances++;
            a->cost += sp_pyver.slotted_bytes(tp, nitems, 0, false);
        }
        return 0;
    }
    struct sp_census_class *k = &c->classes[s->index];
    struct sp_inst inst = {0};
    struct name_ctx ctx = {c, k, false};

    sp_pyver.measure(op, &inst, on_name, &ctx);
    k->instances++;
    k->bytes += inst.bytes;
    /* A dict that still shares the class's keys was made by reading
     * __dict__ / vars(); one with keys of its own was made by CPython
     * itself (more than SHARED_KEYS_MAX_SIZE names, deletions, odd
     * insertion order), which slots do not care about. */
    k->materialized += inst.materialized && !inst.unshared;
    k->unshared += inst.unshared;
    k->weakrefs += inst.weakref;
    k->non_str_keys += ctx.non_str;
    if (tp->tp_itemsize != 0) {
        /* Var-sized bases accept no named slots: the slotted size is
         * known now, per instance (nslots = 0). */
        PyTypeObject *base = tp;
        while (base != NULL && (base->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
            base = base->tp_base;
        }
        if (base != NULL) {
            k->var_slotted[0] +=
                sp_pyver.slotted_bytes(base, inst.nitems, 0, false);
            k->var_slotted[1] +=
                sp_pyver.slotted_bytes(base, inst.nitems, 0, true);
            if (sp_pyver.varsize_names_ok != NULL
                && sp_pyver.varsize_names_ok(base)) {
                var_len_add(k, inst.nitems);
            }
        }
        if (inst.nitems > k->max_nitems) {
            k->max_nitems = inst.nitems;
        }
    }
    return c->failed;
}

uint64_t
sp_census_var_slotted(const struct sp_census_class *k, PyTypeObject *base,
                      uint64_t nslots, bool add_weakref)
{
    uint64_t cost = 0;
    for (size_t i = 0; i < SP_VAR_LENS && k->var_lens[i].count > 0; i++) {
        cost += k->var_lens[i].count
                * sp_pyver.slotted_bytes(base, k->var_lens[i].nitems, nslots,
                                         add_weakref);
    }
    if (k->var_other > 0) {
        uint64_t mean = (k->var_other_items + k->var_other / 2)
                        / k->var_other;
        cost += k->var_other
                * sp_pyver.slotted_bytes(base, mean, nslots, add_weakref);
    }
    return cost;
}

static void
census_free(struct census *c)
{
    for (size_t i = 0; i < c->nclasses; i++) {
        sp_free(c->classes[i].names);
        sp_free(c->classes[i].index);
    }
    sp_free(c->classes);
    sp_free(c->slotted);
    sp_free(c->table);
}

static int
cmp_slotted(const void *pa, const void *pb)
{
    const struct sp_slotted_class *a = pa, *b = pb;
    if (a->bytes != b->bytes) {
        return a->bytes > b->bytes ? -1 : 1;
    }
    int k = strcmp(a->module, b->module);
    return k != 0 ? k : strcmp(a->qualname, b->qualname);
}

/* The report's slotted_classes from the walk.  False on allocation
 * failure. */
static bool
add_slotted(struct sp_report *r, const struct census *c)
{
    if (c->nslotted == 0) {
        return true;
    }
    r->slotted = sp_calloc(c->nslotted, sizeof(*r->slotted));
    if (r->slotted == NULL) {
        return false;
    }
    for (size_t i = 0; i < c->nslotted; i++) {
        PyTypeObject *tp = c->slotted[i].tp;
        struct sp_slotted_class *o = &r->slotted[r->nslotted++];
        o->module = sp_py_utf8(sp_py_dict_get(tp->tp_dict, "__module__"));
        if (o->module == NULL) {
            o->module = sp_strdup("builtins");
        }
        o->qualname = sp_py_utf8(((PyHeapTypeObject *)tp)->ht_qualname);
        if (o->qualname == NULL) {
            o->qualname = sp_strdup(tp->tp_name != NULL ? tp->tp_name : "?");
        }
        o->instances = c->slotted[i].instances;
        o->bytes = sp_model_bytes(c->slotted[i].cost);
        if (o->module == NULL || o->qualname == NULL) {
            return false;
        }
    }
    qsort(r->slotted, r->nslotted, sizeof(*r->slotted), cmp_slotted);
    return true;
}

double
sp_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct sp_report *
sp_census_run(const struct sp_config *cfg, struct sp_history *hist,
              const char *trigger, double at, double deadline,
              bool *aborted)
{
    struct census c;
    memset(&c, 0, sizeof(c));
    c.deadline = deadline;
    c.until_check = DEADLINE_EVERY;
    *aborted = false;

    sp_model_set_pool_size(sp_pyver.pool_size);
    uint64_t visited = sp_pyver.visit_objects(visit, &c);
    if (c.aborted) {
        census_free(&c);
        *aborted = true;
        return NULL;
    }
    if (c.failed) {
        sp_log("out of memory during a census; it is skipped");
        census_free(&c);
        return NULL;
    }
    struct sp_report *r = sp_classinfo_report(c.classes, c.nclasses, cfg,
                                              hist, at);
    if (r != NULL && !add_slotted(r, &c)) {
        sp_report_free(r);
        r = NULL;
    }
    census_free(&c);
    if (r == NULL) {
        sp_log("out of memory while building a report; it is skipped");
        return NULL;
    }
    r->chosen.trigger = trigger;
    r->chosen.objects_visited = visited;
    sp_allocs_attach(r);
    return r;
}
