/*
 * merge.c -- `slotprof merge FILES... [-o OUT]`: the reports of the
 * processes of one session (pre-fork workers, multiprocessing children)
 * as one report, in the library's own JSON.
 *
 * What adds up is added: per class (module, qualname, file, line) the
 * instances, bytes, savings and per-attribute counts; per slotted class
 * its instances and bytes; per allocating class its counters; per
 * allocation site (class and stack) its estimates.  What does not add up
 * is chosen, and slotprof(1) says how: the plan of a class comes from the
 * process with the most instances of it, the verdict is the worst, the
 * issues are the union, min_instances the largest, and `recommended` is
 * decided again on the sums.  A summed peak_live is an upper bound (the
 * processes need not peak together).
 *
 * The merged report is built as a fresh struct sp_report that owns its
 * classes, allocations and slotted classes (sp_report_free releases
 * it); the fields internal.h keeps static (kind, triggers, counting,
 * signal) point at literals or into the input reports, which therefore
 * outlive the rendering.
 */
#include "cli.h"

#include <stdio.h>              /* printf, fprintf, snprintf */
#include <stdlib.h>             /* qsort */
#include <string.h>             /* memset, strcmp, strlen, strnlen */

#define MERGE_USAGE "usage: slotprof merge FILE.json... [-o OUT]\n"

/* Composite keys of the maps, owned here (the maps borrow keys). */
struct keys {
    char **v;
    size_t n, cap;
};

struct merge {
    struct sp_report *m;
    bool oom;
    struct keys keys;

    size_t classes_cap;
    struct sp_strmap classes;       /* class key -> index in m->classes */
    uint64_t *best;                 /* per class: instances where its plan
                                       came from */
    struct sp_strmap attrs;         /* (class + 1, name) -> attr index */
    struct sp_strmap issues;        /* (class + 1, code/detail) -> index */

    size_t slotted_cap;
    struct sp_strmap slotted;       /* (module, qualname) -> index */

    size_t aclasses_cap, frames_cap, sites_cap;
    struct sp_strmap aclasses;      /* (module, qualname) -> index */
    struct sp_strmap frames;        /* all fields -> index */
    struct sp_strmap sites;         /* (module, qualname, frames) -> index */
};

/* ------------------------------------------------------------ helpers */

static char *
dup_str(struct merge *g, const char *s)
{
    char *d;

    if (s == NULL) {
        return NULL;
    }
    if ((d = sp_strdup(s)) == NULL) {
        g->oom = true;
    }
    return d;
}

/* Grow *v (of *cap elements of size sz) to hold n + 1. */
static bool
reserve(struct merge *g, void **v, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap) {
        return true;
    }
    size_t ncap = *cap ? *cap * 2 : 16;
    void *p = sp_realloc(*v, ncap * sz);
    if (p == NULL) {
        g->oom = true;
        return false;
    }
    *v = p;
    *cap = ncap;
    return true;
}

/* A key made of strings (NULL allowed) and integers: each string as
 * "LEN:" + bytes ("~" for NULL), each integer as "#N", so no two
 * different tuples give the same key whatever the names contain. */
static void
key_str(struct sp_buf *b, const char *s)
{
    if (s == NULL) {
        sp_buf_puts(b, "~");
        return;
    }
    sp_buf_printf(b, "%zu:", strlen(s));
    sp_buf_puts(b, s);
}

static void
key_int(struct sp_buf *b, long long x)
{
    sp_buf_printf(b, "#%lld", x);
}

/* Look the key in b up in map under tag; when absent add it with value
 * `next`.  Returns the value, -1 on allocation failure; *added says
 * whether it was added.  b is consumed. */
static int64_t
key_find_or_add(struct merge *g, struct sp_strmap *map, uint64_t tag,
                struct sp_buf *b, int64_t next, bool *added)
{
    int64_t at;

    *added = false;
    if (!sp_buf_ok(b) || b->data == NULL) {
        sp_buf_free(b);
        g->oom = true;
        return -1;
    }
    if (sp_strmap_get(map, tag, b->data, &at)) {
        sp_buf_free(b);
        return at;
    }
    if (!reserve(g, (void **)&g->keys.v, &g->keys.cap, g->keys.n,
                 sizeof(char *))) {
        sp_buf_free(b);
        return -1;
    }
    g->keys.v[g->keys.n++] = b->data;   /* owned from now on */
    if (sp_strmap_put(map, tag, b->data, next) < 0) {
        g->oom = true;
        return -1;
    }
    *added = true;
    return next;
}

/* ------------------------------------------------------------ classes */

static bool
copy_names(struct merge *g, char ***dst, size_t *ndst, char *const *src,
           size_t n)
{
    *dst = NULL;
    *ndst = 0;
    if (n == 0) {
        return true;
    }
    if ((*dst = sp_calloc(n, sizeof(char *))) == NULL) {
        g->oom = true;
        return false;
    }
    *ndst = n;
    for (size_t i = 0; i < n; i++) {
        (*dst)[i] = dup_str(g, src[i]);
    }
    return !g->oom;
}

static void
free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sp_free(v[i]);
    }
    sp_free(v);
}

/* A copy of a step's moved class attributes. */
static bool
copy_moved(struct merge *g, struct sp_moved_default **dst, size_t *ndst,
           const struct sp_moved_default *src, size_t n)
{
    *dst = NULL;
    *ndst = 0;
    if (n == 0) {
        return true;
    }
    if ((*dst = sp_calloc(n, sizeof(**dst))) == NULL) {
        g->oom = true;
        return false;
    }
    *ndst = n;
    for (size_t i = 0; i < n; i++) {
        (*dst)[i].name = dup_str(g, src[i].name);
        (*dst)[i].from_module = dup_str(g, src[i].from_module);
        (*dst)[i].from_qualname = dup_str(g, src[i].from_qualname);
        (*dst)[i].line = src[i].line;
    }
    return !g->oom;
}

/* dst's suggested slots and plan become copies of src's. */
static bool
take_plan(struct merge *g, struct sp_class *dst, const struct sp_class *src)
{
    free_names(dst->suggested_slots, dst->nsuggested);
    for (size_t i = 0; i < dst->nplan; i++) {
        sp_free(dst->plan[i].module);
        sp_free(dst->plan[i].qualname);
        free_names(dst->plan[i].names, dst->plan[i].nnames);
        sp_moved_free(dst->plan[i].moved, dst->plan[i].nmoved);
        sp_moved_free(dst->plan[i].inits, dst->plan[i].ninits);
    }
    sp_free(dst->plan);
    dst->plan = NULL;
    dst->nplan = 0;
    if (!copy_names(g, &dst->suggested_slots, &dst->nsuggested,
                    src->suggested_slots, src->nsuggested)) {
        return false;
    }
    if (src->nplan == 0) {
        return true;
    }
    if ((dst->plan = sp_calloc(src->nplan, sizeof(*dst->plan))) == NULL) {
        g->oom = true;
        return false;
    }
    dst->nplan = src->nplan;
    for (size_t i = 0; i < src->nplan; i++) {
        struct sp_plan_step *d = &dst->plan[i];
        const struct sp_plan_step *s = &src->plan[i];
        d->module = dup_str(g, s->module);
        d->qualname = dup_str(g, s->qualname);
        d->form = s->form;
        d->add_init = s->add_init;
        d->init_args = s->init_args;
        if (!copy_names(g, &d->names, &d->nnames, s->names, s->nnames)
            || !copy_moved(g, &d->moved, &d->nmoved, s->moved, s->nmoved)
            || !copy_moved(g, &d->inits, &d->ninits, s->inits, s->ninits)) {
            return false;
        }
    }
    return !g->oom;
}

static bool
add_attrs(struct merge *g, size_t ci, const struct sp_class *src)
{
    struct sp_class *c = &g->m->classes[ci];
    size_t cap = c->nattrs;     /* exact so far: grow from there */
    int64_t at;

    for (size_t i = 0; i < src->nattrs; i++) {
        const struct sp_attr *a = &src->attrs[i];
        if (a->name != NULL
            && sp_strmap_get(&g->attrs, ci + 1, a->name, &at)) {
            c->attrs[at].instances += a->instances;
            c->attrs[at].max_instances += a->max_instances;
            c->attrs[at].in_code |= a->in_code;
            continue;
        }
        if (c->nattrs == cap) {
            cap = cap ? cap * 2 : 8;
            struct sp_attr *v = sp_realloc(c->attrs, cap * sizeof(*v));
            if (v == NULL) {
                g->oom = true;
                return false;
            }
            c->attrs = v;
        }
        struct sp_attr *d = &c->attrs[c->nattrs];
        d->name = dup_str(g, a->name);
        d->instances = a->instances;
        d->max_instances = a->max_instances;
        d->in_code = a->in_code;
        if (g->oom) {
            return false;
        }
        c->nattrs++;
        if (d->name != NULL
            && sp_strmap_put(&g->attrs, ci + 1, d->name,
                             (int64_t)(c->nattrs - 1)) < 0) {
            g->oom = true;
            return false;
        }
    }
    /* Shrink-wrap, so that the next call's `cap` is right. */
    if (c->nattrs != 0 && cap != c->nattrs) {
        struct sp_attr *v = sp_realloc(c->attrs, c->nattrs * sizeof(*v));
        if (v != NULL) {
            c->attrs = v;
        }
    }
    return true;
}

/* The union of the issues, each code + detail once (a blocker if any
 * input had it as one), in first-seen order. */
static bool
add_issues(struct merge *g, size_t ci, const struct sp_class *src)
{
    struct sp_class *c = &g->m->classes[ci];

    for (size_t i = 0; i < src->nissues; i++) {
        const struct sp_issue *is = &src->issues[i];
        struct sp_buf kb;
        bool added;

        sp_buf_init(&kb);
        key_str(&kb, is->code);
        key_str(&kb, is->detail);
        int64_t at = key_find_or_add(g, &g->issues, ci + 1, &kb,
                                     (int64_t)c->nissues, &added);
        if (at < 0) {
            return false;
        }
        if (!added) {
            c->issues[at].blocks = c->issues[at].blocks || is->blocks;
            continue;
        }
        struct sp_issue *v = sp_realloc(c->issues,
                                        (c->nissues + 1) * sizeof(*v));
        if (v == NULL) {
            g->oom = true;
            return false;
        }
        c->issues = v;
        struct sp_issue *d = &c->issues[c->nissues++];
        d->code = dup_str(g, is->code);
        d->detail = dup_str(g, is->detail);
        d->blocks = is->blocks;
        if (g->oom) {
            return false;
        }
    }
    return true;
}

static bool
add_class(struct merge *g, const struct sp_class *src)
{
    struct sp_report *m = g->m;
    struct sp_buf kb;
    bool added;

    sp_buf_init(&kb);
    key_str(&kb, src->module);
    key_str(&kb, src->qualname);
    key_str(&kb, src->file);
    key_int(&kb, src->line);
    int64_t at = key_find_or_add(g, &g->classes, 0, &kb,
                                 (int64_t)m->nclasses, &added);
    if (at < 0) {
        return false;
    }
    size_t ci = (size_t)at;
    if (added) {
        size_t cap = g->classes_cap;
        if (!reserve(g, (void **)&m->classes, &g->classes_cap, m->nclasses,
                     sizeof(*m->classes))) {
            return false;
        }
        if (g->classes_cap != cap) {
            uint64_t *best = sp_realloc(g->best,
                                        g->classes_cap * sizeof(*best));
            if (best == NULL) {
                g->oom = true;
                return false;
            }
            g->best = best;
        }
        struct sp_class *c = &m->classes[m->nclasses++];
        memset(c, 0, sizeof(*c));
        c->module = dup_str(g, src->module);
        c->qualname = dup_str(g, src->qualname);
        c->file = dup_str(g, src->file);
        c->line = src->line;
        c->verdict = src->verdict;
        c->origin = src->origin;
        g->best[ci] = src->instances;
        if (g->oom || !take_plan(g, c, src)) {
            return false;
        }
    }
    else if (src->instances > g->best[ci]) {
        g->best[ci] = src->instances;
        if (!take_plan(g, &m->classes[ci], src)) {
            return false;
        }
    }

    struct sp_class *c = &m->classes[ci];
    c->instances += src->instances;
    /* The processes' maxima, added: each is the most at one of its
     * censuses, not at one moment of the sum. */
    c->max_instances += src->max_instances;
    c->bytes_now += src->bytes_now;
    c->bytes_slotted += src->bytes_slotted;
    c->savings_bytes += src->savings_bytes;
    c->dicts_materialized += src->dicts_materialized;
    c->dicts_unshared += src->dicts_unshared;
    c->weakrefs += src->weakrefs;
    c->non_str_keys += src->non_str_keys;
    c->keys_sharing_lost = c->keys_sharing_lost || src->keys_sharing_lost;
    if (src->verdict > c->verdict) {
        c->verdict = src->verdict;
    }
    return add_attrs(g, ci, src) && add_issues(g, ci, src);
}

/* ------------------------------------------------------------ slotted */

static bool
add_slotted(struct merge *g, const struct sp_slotted_class *src)
{
    struct sp_report *m = g->m;
    struct sp_buf kb;
    bool added;

    sp_buf_init(&kb);
    key_str(&kb, src->module);
    key_str(&kb, src->qualname);
    int64_t at = key_find_or_add(g, &g->slotted, 0, &kb,
                                 (int64_t)m->nslotted, &added);
    if (at < 0) {
        return false;
    }
    if (added) {
        if (!reserve(g, (void **)&m->slotted, &g->slotted_cap, m->nslotted,
                     sizeof(*m->slotted))) {
            return false;
        }
        struct sp_slotted_class *d = &m->slotted[m->nslotted++];
        memset(d, 0, sizeof(*d));
        d->module = dup_str(g, src->module);
        d->qualname = dup_str(g, src->qualname);
    }
    m->slotted[at].instances += src->instances;
    m->slotted[at].bytes += src->bytes;
    return !g->oom;
}

static int
cmp_names(const char *am, const char *aq, const char *bm, const char *bq)
{
    int c = strcmp(am != NULL ? am : "", bm != NULL ? bm : "");
    return c != 0 ? c : strcmp(aq != NULL ? aq : "", bq != NULL ? bq : "");
}

/* bytes descending, then module, qualname (docs/report-format.md). */
static int
cmp_slotted(const void *pa, const void *pb)
{
    const struct sp_slotted_class *a = pa, *b = pb;

    if (a->bytes != b->bytes) {
        return a->bytes > b->bytes ? -1 : 1;
    }
    return cmp_names(a->module, a->qualname, b->module, b->qualname);
}

/* ------------------------------------------------------------ allocations */

static bool
add_alloc_class(struct merge *g, const struct sp_alloc_class *src)
{
    struct sp_allocs *a = &g->m->allocs;
    struct sp_buf kb;
    bool added;

    sp_buf_init(&kb);
    key_str(&kb, src->module);
    key_str(&kb, src->qualname);
    int64_t at = key_find_or_add(g, &g->aclasses, 0, &kb,
                                 (int64_t)a->nclasses, &added);
    if (at < 0) {
        return false;
    }
    if (added) {
        if (!reserve(g, (void **)&a->classes, &g->aclasses_cap, a->nclasses,
                     sizeof(*a->classes))) {
            return false;
        }
        struct sp_alloc_class *d = &a->classes[a->nclasses++];
        memset(d, 0, sizeof(*d));
        d->module = dup_str(g, src->module);
        d->qualname = dup_str(g, src->qualname);
    }
    struct sp_alloc_class *d = &a->classes[at];
    d->allocated += src->allocated;
    d->freed += src->freed;
    d->live += src->live;
    d->peak_live += src->peak_live;     /* an upper bound */
    d->samples += src->samples;
    return !g->oom;
}

/* The merged index of an input's frame. */
static int64_t
add_frame(struct merge *g, const struct sp_frame *src)
{
    struct sp_allocs *a = &g->m->allocs;
    struct sp_buf kb;
    bool added;

    sp_buf_init(&kb);
    key_str(&kb, src->function);
    key_str(&kb, src->file);
    key_int(&kb, src->line);
    key_int(&kb, src->native);
    int64_t at = key_find_or_add(g, &g->frames, 0, &kb,
                                 (int64_t)a->nframes, &added);
    if (at < 0 || !added) {
        return at;
    }
    if (!reserve(g, (void **)&a->frames, &g->frames_cap, a->nframes,
                 sizeof(*a->frames))) {
        return -1;
    }
    struct sp_frame *d = &a->frames[a->nframes++];
    memset(d, 0, sizeof(*d));
    d->function = dup_str(g, src->function);
    d->file = dup_str(g, src->file);
    d->line = src->line;
    d->native = src->native;
    return g->oom ? -1 : at;
}

/* One site of an input whose frames were renumbered into `frames`. */
static bool
add_site(struct merge *g, const struct sp_site *src, const uint32_t *frames)
{
    struct sp_allocs *a = &g->m->allocs;
    struct sp_buf kb;
    bool added;

    sp_buf_init(&kb);
    key_str(&kb, src->module);
    key_str(&kb, src->qualname);
    for (size_t k = 0; k < src->nframes; k++) {
        key_int(&kb, frames[k]);
    }
    int64_t at = key_find_or_add(g, &g->sites, 0, &kb, (int64_t)a->nsites,
                                 &added);
    if (at < 0) {
        return false;
    }
    if (added) {
        if (!reserve(g, (void **)&a->sites, &g->sites_cap, a->nsites,
                     sizeof(*a->sites))) {
            return false;
        }
        struct sp_site *d = &a->sites[a->nsites++];
        memset(d, 0, sizeof(*d));
        d->module = dup_str(g, src->module);
        d->qualname = dup_str(g, src->qualname);
        if (src->nframes != 0) {
            d->frames = sp_malloc(src->nframes * sizeof(uint32_t));
            if (d->frames == NULL) {
                g->oom = true;
                return false;
            }
            memcpy(d->frames, frames, src->nframes * sizeof(uint32_t));
            d->nframes = src->nframes;
        }
    }
    struct sp_site *d = &a->sites[at];
    d->samples += src->samples;
    d->allocations += src->allocations;
    d->instances += src->instances;
    d->savable_bytes += src->savable_bytes;
    return !g->oom;
}

static bool
add_allocs(struct merge *g, const struct sp_allocs *src, bool first)
{
    struct sp_allocs *a = &g->m->allocs;
    bool ok = true;

    if (!src->present) {
        return true;
    }
    if (first) {
        /* The session's options: the workers of one session share them. */
        a->present = true;
        a->counting = src->counting;
        a->frees_exact = src->frees_exact;
        a->sample_every = src->sample_every;
    }
    a->frees_exact = a->frees_exact && src->frees_exact;
    a->native = a->native || src->native;
    if (src->max_depth > a->max_depth) {
        a->max_depth = src->max_depth;
    }
    a->samples += src->samples;
    for (size_t i = 0; ok && i < src->nclasses; i++) {
        ok = add_alloc_class(g, &src->classes[i]);
    }

    uint32_t *remap = sp_calloc(src->nframes ? src->nframes : 1,
                                sizeof(*remap));
    if (remap == NULL) {
        g->oom = true;
        return false;
    }
    for (size_t i = 0; ok && i < src->nframes; i++) {
        int64_t at = add_frame(g, &src->frames[i]);
        ok = at >= 0;
        remap[i] = (uint32_t)at;
    }
    uint32_t *frames = NULL;
    size_t frames_cap = 0;
    for (size_t i = 0; ok && i < src->nsites; i++) {
        const struct sp_site *s = &src->sites[i];
        if (s->nframes > frames_cap) {
            uint32_t *v = sp_realloc(frames, s->nframes * sizeof(*v));
            if (v == NULL) {
                g->oom = true;
                ok = false;
                break;
            }
            frames = v;
            frames_cap = s->nframes;
        }
        for (size_t k = 0; k < s->nframes; k++) {
            /* load.c has checked every index against the frame table. */
            frames[k] = s->frames[k] < src->nframes ? remap[s->frames[k]]
                                                    : 0;
        }
        ok = add_site(g, s, frames);
    }
    sp_free(frames);
    sp_free(remap);
    return ok;
}

/* allocated descending, then module, qualname. */
static int
cmp_alloc_class(const void *pa, const void *pb)
{
    const struct sp_alloc_class *a = pa, *b = pb;

    if (a->allocated != b->allocated) {
        return a->allocated > b->allocated ? -1 : 1;
    }
    return cmp_names(a->module, a->qualname, b->module, b->qualname);
}

struct ranked_site {
    struct sp_site site;
    size_t rank;            /* of its class in allocs.classes */
};

/* By class rank, then savable_bytes and allocations descending, then
 * the frame indices (a shorter stack first when one is a prefix). */
static int
cmp_site(const void *pa, const void *pb)
{
    const struct ranked_site *ra = pa, *rb = pb;
    const struct sp_site *a = &ra->site, *b = &rb->site;
    int c;

    if (ra->rank != rb->rank) {
        return ra->rank < rb->rank ? -1 : 1;
    }
    if ((c = cmp_names(a->module, a->qualname, b->module, b->qualname))
        != 0) {
        return c;   /* classes without counted allocations, by name */
    }
    if (a->savable_bytes != b->savable_bytes) {
        return a->savable_bytes > b->savable_bytes ? -1 : 1;
    }
    if (a->allocations != b->allocations) {
        return a->allocations > b->allocations ? -1 : 1;
    }
    for (size_t k = 0; k < a->nframes && k < b->nframes; k++) {
        if (a->frames[k] != b->frames[k]) {
            return a->frames[k] < b->frames[k] ? -1 : 1;
        }
    }
    return (a->nframes > b->nframes) - (a->nframes < b->nframes);
}

static bool
sort_allocs(struct merge *g)
{
    struct sp_allocs *a = &g->m->allocs;
    struct sp_strmap rank;
    char **keys;

    if (a->nclasses > 1) {
        qsort(a->classes, a->nclasses, sizeof(*a->classes), cmp_alloc_class);
    }
    if (a->nsites == 0) {
        return true;
    }
    struct ranked_site *v = sp_calloc(a->nsites, sizeof(*v));
    keys = sp_calloc(a->nclasses ? a->nclasses : 1, sizeof(*keys));
    sp_strmap_init(&rank);
    bool ok = v != NULL && keys != NULL;
    for (size_t i = 0; ok && i < a->nclasses; i++) {
        struct sp_buf kb;
        sp_buf_init(&kb);
        key_str(&kb, a->classes[i].module);
        key_str(&kb, a->classes[i].qualname);
        keys[i] = kb.data;
        ok = sp_buf_ok(&kb) && kb.data != NULL
             && sp_strmap_put(&rank, 0, kb.data, (int64_t)i) >= 0;
        if (!sp_buf_ok(&kb)) {
            sp_buf_free(&kb);
            keys[i] = NULL;
        }
    }
    for (size_t i = 0; ok && i < a->nsites; i++) {
        struct sp_buf kb;
        int64_t at;
        sp_buf_init(&kb);
        key_str(&kb, a->sites[i].module);
        key_str(&kb, a->sites[i].qualname);
        ok = sp_buf_ok(&kb) && kb.data != NULL;
        v[i].site = a->sites[i];
        v[i].rank = ok && sp_strmap_get(&rank, 0, kb.data, &at)
                        ? (size_t)at : a->nclasses;
        sp_buf_free(&kb);
    }
    if (ok) {
        qsort(v, a->nsites, sizeof(*v), cmp_site);
        for (size_t i = 0; i < a->nsites; i++) {
            a->sites[i] = v[i].site;
        }
    }
    for (size_t i = 0; keys != NULL && i < a->nclasses; i++) {
        sp_free(keys[i]);
    }
    sp_free(keys);
    sp_free(v);
    sp_strmap_free(&rank);
    if (!ok) {
        g->oom = true;
    }
    return ok;
}

/* ------------------------------------------------------------ report */

static void
merge_free(struct merge *g)
{
    for (size_t i = 0; i < g->keys.n; i++) {
        sp_free(g->keys.v[i]);
    }
    sp_free(g->keys.v);
    sp_free(g->best);
    sp_strmap_free(&g->classes);
    sp_strmap_free(&g->attrs);
    sp_strmap_free(&g->issues);
    sp_strmap_free(&g->slotted);
    sp_strmap_free(&g->aclasses);
    sp_strmap_free(&g->frames);
    sp_strmap_free(&g->sites);
    sp_report_free(g->m);
    memset(g, 0, sizeof(*g));
}

static bool
same_str(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* The top level and the census: sums, maxima, and what all inputs
 * share. */
static void
merge_top(struct merge *g, struct sp_report *const *in, size_t n)
{
    struct sp_report *m = g->m;
    const struct sp_report *r0 = in[0];
    bool same_trigger = true, same_session = r0->session.session[0] != '\0';
    bool same_alloc = true;

    memcpy(m->python, r0->python, sizeof(m->python));
    m->python[sizeof(m->python) - 1] = '\0';
    m->pid = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sp_report *r = in[i];
        if (r->min_instances > m->min_instances) {
            m->min_instances = r->min_instances;
        }
        m->profiler_bytes += r->profiler_bytes;
        m->censuses += r->censuses;
        m->census_seconds_total += r->census_seconds_total;
        if (r->chosen.at_seconds > m->chosen.at_seconds || i == 0) {
            m->chosen.at_seconds = r->chosen.at_seconds;
        }
        m->chosen.duration_seconds += r->chosen.duration_seconds;
        m->chosen.objects_visited += r->chosen.objects_visited;
        m->chosen.rss_bytes += r->chosen.rss_bytes;
        same_trigger = same_trigger
                       && same_str(r->chosen.trigger, r0->chosen.trigger);
        same_session = same_session
                       && strncmp(r->session.session, r0->session.session,
                                  sizeof(r0->session.session)) == 0;
        same_alloc = same_alloc
                     && strncmp(r->allocator, r0->allocator,
                                sizeof(r0->allocator)) == 0;
        m->session.censuses_aborted += r->session.censuses_aborted;
        m->session.censuses_skipped += r->session.censuses_skipped;
    }
    m->chosen.trigger = same_trigger ? r0->chosen.trigger : "merged";

    /* The allocator: the common one; else the first that is not
     * pymalloc, so that the report still warns its bytes are off. */
    const char *alloc = r0->allocator;
    for (size_t i = 0; !same_alloc && i < n; i++) {
        if (in[i]->allocator[0] != '\0'
            && strncmp(in[i]->allocator, "pymalloc",
                       sizeof(in[i]->allocator)) != 0) {
            alloc = in[i]->allocator;
            break;
        }
    }
    snprintf(m->allocator, sizeof(m->allocator), "%.*s",
             (int)sizeof(m->allocator) - 1, alloc);

    struct sp_session_info *ss = &m->session;
    ss->kind = "merged";
    if (same_session) {
        snprintf(ss->session, sizeof(ss->session), "%.*s",
                 (int)sizeof(ss->session) - 1, r0->session.session);
    }
    ss->snapshot = 0;
    ss->written_at[0] = '\0';
    /* The session's options, as the first report has them. */
    ss->interval_us = r0->session.interval_us;
    ss->signal = r0->session.signal;
    ss->dormant = r0->session.dormant;
    ss->max_pause_us = r0->session.max_pause_us;
    ss->has_peak = false;
    ss->series = NULL;
}

static bool
merge_reports(struct merge *g, struct sp_report *const *in, size_t n)
{
    struct sp_report *m;
    bool first_allocs = true;

    if ((g->m = m = sp_calloc(1, sizeof(*m))) == NULL) {
        g->oom = true;
        return false;
    }
    merge_top(g, in, n);
    for (size_t i = 0; i < n; i++) {
        const struct sp_report *r = in[i];
        for (size_t k = 0; k < r->nclasses; k++) {
            if (!add_class(g, &r->classes[k])) {
                return false;
            }
        }
        for (size_t k = 0; k < r->nslotted; k++) {
            if (!add_slotted(g, &r->slotted[k])) {
                return false;
            }
        }
        if (r->allocs.present) {
            if (!add_allocs(g, &r->allocs, first_allocs)) {
                return false;
            }
            first_allocs = false;
        }
    }
    for (size_t i = 0; i < m->nclasses; i++) {
        struct sp_class *c = &m->classes[i];
        for (size_t k = 0; k < c->nissues; k++) {
            enum sp_verdict v = c->issues[k].blocks ? SP_VERDICT_BLOCKED
                                                    : SP_VERDICT_REVIEW;
            if (v > c->verdict) {
                c->verdict = v;
            }
        }
        c->recommended = c->instances >= m->min_instances
                         && c->savings_bytes > 0;
    }
    sp_report_sort(m);
    if (m->nslotted > 1) {
        qsort(m->slotted, m->nslotted, sizeof(*m->slotted), cmp_slotted);
    }
    return sort_allocs(g);
}

static int
usage(const char *fmt, const char *what)
{
    fprintf(stderr, "slotprof: ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\n" MERGE_USAGE "Try 'slotprof merge --help'.\n");
    return SP_EXIT_USAGE;
}

static void
print_help(void)
{
    printf(MERGE_USAGE
"\n"
"Merge the JSON reports of several processes of one session (pre-fork\n"
"workers, multiprocessing children) into one JSON report: counts and bytes\n"
"summed per class, the plan of the process with the most instances, the\n"
"worst verdict, recommendations decided again on the sums.  All reports\n"
"must be of one CPython version.\n"
"\n"
"  -o, --output OUT  write to OUT (atomically) instead of standard output\n"
"\n"
"Exit status: 0 ok, 2 usage or unreadable input.  See slotprof(1).\n");
}

int
sp_cmd_merge(int argc, char **argv)
{
    const char *out = NULL;
    const char **files;
    size_t nfiles = 0;
    bool opts_done = false;

    if ((files = calloc((size_t)argc, sizeof(*files))) == NULL) {
        sp_cli_error("out of memory");
        return SP_EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts_done || a[0] != '-' || a[1] == '\0') {
            files[nfiles++] = a;
        }
        else if (strcmp(a, "--") == 0) {
            opts_done = true;
        }
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            print_help();
            free(files);
            return SP_EXIT_OK;
        }
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (i + 1 >= argc) {
                free(files);
                return usage("%s needs a path", a);
            }
            out = argv[++i];
        }
        else if (strncmp(a, "--output=", 9) == 0) {
            out = a + 9;
        }
        else {
            free(files);
            return usage("unknown option '%s'", a);
        }
    }
    if (nfiles == 0) {
        free(files);
        return usage("%s", "merge needs at least one report");
    }

    struct sp_report **in = calloc(nfiles, sizeof(*in));
    struct merge g;
    struct sp_buf b;
    char err[512];
    int rc = SP_EXIT_USAGE;

    memset(&g, 0, sizeof(g));
    sp_buf_init(&b);
    if (in == NULL) {
        sp_cli_error("out of memory");
        goto done;
    }
    for (size_t i = 0; i < nfiles; i++) {
        if ((in[i] = sp_report_load(files[i], err, sizeof(err))) == NULL) {
            sp_cli_error("%s", err);
            goto done;
        }
        if (strncmp(in[i]->python, in[0]->python, sizeof(in[0]->python))
            != 0) {
            sp_cli_error("%s is a report of CPython %.*s, %s of CPython "
                         "%.*s: merge reports of one interpreter version",
                         files[i], (int)sizeof(in[i]->python),
                         in[i]->python, files[0],
                         (int)sizeof(in[0]->python), in[0]->python);
            goto done;
        }
    }
    if (!merge_reports(&g, in, nfiles)) {
        sp_cli_error("out of memory");
        goto done;
    }
    sp_report_json(g.m, &b);
    if (sp_cli_write_out(out, &b)) {
        rc = SP_EXIT_OK;
    }

done:
    sp_buf_free(&b);
    merge_free(&g);
    for (size_t i = 0; in != NULL && i < nfiles; i++) {
        sp_report_load_free(in[i]);
    }
    free(in);
    free(files);
    return rc;
}
