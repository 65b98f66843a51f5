/*
 * history.c -- what every census of the run saw, per class: a plan must
 * hold every attribute name any census found on the class's instances,
 * not only the names of the census a report happens to show.  A name
 * set only in a later phase of the program (or only in an earlier one)
 * and missing from the plan is an AttributeError waiting for the user.
 *
 * Per class (module and qualname): the names in first-seen order across
 * the run, the most instances that carried each at one census, and the
 * most instances the class had at one census and when.  Censuses feed
 * it (sp_history_note, bootstrap.c); the report of each census is
 * planned with it (sp_history_merge, classinfo.c).
 *
 * Python-free; the profiler's heap; grows with classes x names, like
 * the reports themselves, and is never trimmed within a process.
 */
#include "internal.h"

#include <string.h>             /* memset */

struct hclass {
    char *key;              /* sp_class_key(): owned */
    char **names;           /* owned, first-seen order */
    uint64_t *max;          /* most instances carrying names[i] */
    size_t nnames, cap;
    uint64_t max_instances;
    double max_at;
};

void
sp_history_init(struct sp_history *h)
{
    memset(h, 0, sizeof(*h));
}

void
sp_history_free(struct sp_history *h)
{
    for (size_t i = 0; i < h->nclasses; i++) {
        struct hclass *c = &h->classes[i];
        for (size_t j = 0; j < c->nnames; j++) {
            sp_free(c->names[j]);
        }
        sp_free(c->names);
        sp_free(c->max);
        sp_free(c->key);
    }
    sp_free(h->classes);
    sp_strmap_free(&h->index);
    sp_strmap_free(&h->names);
    sp_history_init(h);
}

/* The history of (module, qualname); created when add, else NULL if
 * never seen.  NULL on allocation failure too. */
static struct hclass *
find(struct sp_history *h, const char *module, const char *qualname,
     bool add, int64_t *idx_out)
{
    char *key = sp_class_key(module, qualname);
    int64_t idx;
    if (key == NULL) {
        return NULL;
    }
    if (sp_strmap_get(&h->index, 0, key, &idx)) {
        sp_free(key);
        *idx_out = idx;
        return &h->classes[idx];
    }
    if (!add) {
        sp_free(key);
        return NULL;
    }
    if (h->nclasses == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        void *p = sp_realloc(h->classes, cap * sizeof(*h->classes));
        if (p == NULL) {
            sp_free(key);
            return NULL;
        }
        h->classes = p;
        h->cap = cap;
    }
    idx = (int64_t)h->nclasses;
    if (sp_strmap_put(&h->index, 0, key, idx) < 0) {
        sp_free(key);
        return NULL;
    }
    struct hclass *c = &h->classes[h->nclasses++];
    memset(c, 0, sizeof(*c));
    c->key = key;
    *idx_out = idx;
    return c;
}

static bool
note_name(struct sp_history *h, struct hclass *c, int64_t ci,
          const char *name, uint64_t n)
{
    int64_t j;
    if (sp_strmap_get(&h->names, (uint64_t)ci, name, &j)) {
        if (n > c->max[j]) {
            c->max[j] = n;
        }
        return true;
    }
    if (c->nnames == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        char **nn = sp_realloc(c->names, cap * sizeof(*nn));
        if (nn == NULL) {
            return false;
        }
        c->names = nn;
        uint64_t *nm = sp_realloc(c->max, cap * sizeof(*nm));
        if (nm == NULL) {
            return false;
        }
        c->max = nm;
        c->cap = cap;
    }
    char *copy = sp_strdup(name);
    if (copy == NULL
        || sp_strmap_put(&h->names, (uint64_t)ci, copy,
                         (int64_t)c->nnames) < 0) {
        sp_free(copy);
        return false;
    }
    c->names[c->nnames] = copy;
    c->max[c->nnames] = n;
    c->nnames++;
    return true;
}

bool
sp_history_note(struct sp_history *h, const struct sp_report *r)
{
    for (size_t i = 0; i < r->nclasses; i++) {
        const struct sp_class *k = &r->classes[i];
        int64_t ci;
        struct hclass *c = find(h, k->module, k->qualname, true, &ci);
        if (c == NULL) {
            return false;
        }
        if (k->instances > c->max_instances) {
            c->max_instances = k->instances;
            c->max_at = r->chosen.at_seconds;
        }
        for (size_t a = 0; a < k->nattrs; a++) {
            /* A name only planned (max 0 so far, no instance) is not a
             * name seen: it is not recorded as one. */
            if (k->attrs[a].instances > 0
                && !note_name(h, c, ci, k->attrs[a].name,
                              k->attrs[a].instances)) {
                return false;
            }
        }
    }
    return true;
}

bool
sp_history_merge(struct sp_history *h, struct sp_class *k, double at)
{
    int64_t ci;
    struct hclass *c = h != NULL ? find(h, k->module, k->qualname, false, &ci)
                                 : NULL;
    struct sp_strmap now;
    bool ok = false;

    k->max_instances = k->instances;
    k->max_at_seconds = at;
    for (size_t a = 0; a < k->nattrs; a++) {
        k->attrs[a].max_instances = k->attrs[a].instances;
    }
    if (c == NULL) {
        return true;        /* first seen at this census */
    }
    if (c->max_instances > k->instances) {
        k->max_instances = c->max_instances;
        k->max_at_seconds = c->max_at;
    }
    /* The run's order: names seen before first, in their order, then the
     * ones this census sees for the first time.  from[]: where each
     * entry of v came from in k->attrs (-1: a copy), to put k back
     * whole if memory runs out half way. */
    sp_strmap_init(&now);
    size_t cap = c->nnames + k->nattrs + 1;
    struct sp_attr *v = sp_calloc(cap, sizeof(*v));
    int64_t *from = sp_calloc(cap, sizeof(*from));
    size_t n = 0;
    if (v == NULL || from == NULL) {
        goto done;
    }
    for (size_t a = 0; a < k->nattrs; a++) {
        if (sp_strmap_put(&now, 0, k->attrs[a].name, (int64_t)a) < 0) {
            goto done;
        }
    }
    for (size_t j = 0; j < c->nnames; j++) {
        int64_t a;
        if (sp_strmap_get(&now, 0, c->names[j], &a)) {
            v[n] = k->attrs[a];
            from[n] = a;
            k->attrs[a].name = NULL;        /* moved */
        }
        else if ((v[n].name = sp_strdup(c->names[j])) == NULL) {
            goto done;
        }
        else {
            from[n] = -1;
        }
        if (c->max[j] > v[n].max_instances) {
            v[n].max_instances = c->max[j];
        }
        n++;
    }
    for (size_t a = 0; a < k->nattrs; a++) {
        if (k->attrs[a].name != NULL) {
            v[n++] = k->attrs[a];
            k->attrs[a].name = NULL;
        }
    }
    sp_free(k->attrs);
    k->attrs = v;
    k->nattrs = n;
    v = NULL;
    ok = true;
done:
    if (v != NULL) {
        for (size_t j = 0; j < n; j++) {
            if (from[j] >= 0) {
                k->attrs[from[j]].name = v[j].name;
            }
            else {
                sp_free(v[j].name);
            }
        }
        sp_free(v);
    }
    sp_free(from);
    sp_strmap_free(&now);
    return ok;
}
