/*
 * report.c -- the life of a struct sp_report: freeing it, putting its
 * classes in report order, and the one number two censuses are compared
 * by (the total potential saving).
 *
 * The report is built elsewhere (census.c, classinfo.c) and rendered
 * elsewhere (report_json.c, report_text.c); this file only knows the
 * ownership rules, which are simple: every pointer in a report points at
 * memory from sp_malloc that the report owns, except
 * sp_census_info.trigger, which is a static string.
 */
#include "internal.h"

#include <string.h>             /* memcpy, memset, strcmp, strlen */

static void
free_names(char **names, size_t n)
{
    if (names == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        sp_free(names[i]);
    }
    sp_free(names);
}

void
sp_moved_free(struct sp_moved_default *v, size_t n)
{
    for (size_t i = 0; i < n && v != NULL; i++) {
        sp_free(v[i].name);
        sp_free(v[i].from_module);
        sp_free(v[i].from_qualname);
    }
    sp_free(v);
}

/* Frees what c owns, not c itself: classes live in one array
 * (sp_report.classes), freed by sp_report_free.  c is left zeroed, so a
 * second call is harmless. */
void
sp_class_free(struct sp_class *c)
{
    if (c == NULL) {
        return;
    }
    sp_free(c->module);
    sp_free(c->qualname);
    sp_free(c->file);
    if (c->attrs != NULL) {
        for (size_t i = 0; i < c->nattrs; i++) {
            sp_free(c->attrs[i].name);
        }
        sp_free(c->attrs);
    }
    free_names(c->suggested_slots, c->nsuggested);
    if (c->plan != NULL) {
        for (size_t i = 0; i < c->nplan; i++) {
            sp_free(c->plan[i].module);
            sp_free(c->plan[i].qualname);
            free_names(c->plan[i].names, c->plan[i].nnames);
            sp_moved_free(c->plan[i].moved, c->plan[i].nmoved);
            sp_moved_free(c->plan[i].inits, c->plan[i].ninits);
        }
        sp_free(c->plan);
    }
    if (c->issues != NULL) {
        for (size_t i = 0; i < c->nissues; i++) {
            sp_free(c->issues[i].code);
            sp_free(c->issues[i].detail);
        }
        sp_free(c->issues);
    }
    memset(c, 0, sizeof(*c));
}

void
sp_class_unplan(struct sp_class *c)
{
    free_names(c->suggested_slots, c->nsuggested);
    c->suggested_slots = NULL;
    c->nsuggested = 0;
    if (c->plan != NULL) {
        for (size_t i = 0; i < c->nplan; i++) {
            sp_free(c->plan[i].module);
            sp_free(c->plan[i].qualname);
            free_names(c->plan[i].names, c->plan[i].nnames);
            sp_moved_free(c->plan[i].moved, c->plan[i].nmoved);
            sp_moved_free(c->plan[i].inits, c->plan[i].ninits);
        }
        sp_free(c->plan);
    }
    c->plan = NULL;
    c->nplan = 0;
    for (size_t i = c->nissues_census; i < c->nissues; i++) {
        sp_free(c->issues[i].code);
        sp_free(c->issues[i].detail);
    }
    if (c->nissues > c->nissues_census) {
        c->nissues = c->nissues_census;
    }
    c->verdict = SP_VERDICT_SAFE;
    c->recommended = false;
    c->bytes_slotted = c->bytes_now;
    c->savings_bytes = 0;
}

/* Frees the classes and r itself, which must come from sp_malloc or
 * sp_calloc (census.c allocates reports that way; bootstrap.c keeps the
 * best one and drops the others). */
void
sp_report_free(struct sp_report *r)
{
    if (r == NULL) {
        return;
    }
    if (r->classes != NULL) {
        for (size_t i = 0; i < r->nclasses; i++) {
            sp_class_free(&r->classes[i]);
        }
        sp_free(r->classes);
    }
    sp_allocs_free(&r->allocs);
    if (r->plan_ctx != NULL && r->plan_ctx_free != NULL) {
        r->plan_ctx_free(r->plan_ctx);
    }
    if (r->slotted != NULL) {
        for (size_t i = 0; i < r->nslotted; i++) {
            sp_free(r->slotted[i].module);
            sp_free(r->slotted[i].qualname);
        }
        sp_free(r->slotted);
    }
    sp_free(r);
}

/* Frees what a owns and zeroes it (a itself lives in its report). */
void
sp_allocs_free(struct sp_allocs *a)
{
    if (a == NULL) {
        return;
    }
    if (a->classes != NULL) {
        for (size_t i = 0; i < a->nclasses; i++) {
            sp_free(a->classes[i].module);
            sp_free(a->classes[i].qualname);
        }
        sp_free(a->classes);
    }
    if (a->frames != NULL) {
        for (size_t i = 0; i < a->nframes; i++) {
            sp_free(a->frames[i].function);
            sp_free(a->frames[i].file);
        }
        sp_free(a->frames);
    }
    if (a->sites != NULL) {
        for (size_t i = 0; i < a->nsites; i++) {
            sp_free(a->sites[i].module);
            sp_free(a->sites[i].qualname);
            sp_free(a->sites[i].frames);
        }
        sp_free(a->sites);
    }
    memset(a, 0, sizeof(*a));
}

/* NULL sorts before any string: only a malformed report has NULL names,
 * and it should still sort the same way every time. */
static int
cmp_str(const char *a, const char *b)
{
    if (a == NULL || b == NULL) {
        return (a != NULL) - (b != NULL);
    }
    return strcmp(a, b);
}

/* < 0 when a comes first in the report: the user's own classes, then
 * the others, each by saving.  Module and qualname do not
 * identify a class (two functions can each define a local class C), so
 * file and line come last to keep even those in a fixed order. */
static int
cmp_class(const struct sp_class *a, const struct sp_class *b)
{
    int c;

    /* The user's own classes first: the rest cannot be edited. */
    if ((a->origin == SP_ORIGIN_YOURS) != (b->origin == SP_ORIGIN_YOURS)) {
        return a->origin == SP_ORIGIN_YOURS ? -1 : 1;
    }
    if (a->savings_bytes != b->savings_bytes) {
        return a->savings_bytes > b->savings_bytes ? -1 : 1;
    }
    if (a->bytes_now != b->bytes_now) {
        return a->bytes_now > b->bytes_now ? -1 : 1;
    }
    if ((c = cmp_str(a->module, b->module)) != 0) {
        return c;
    }
    if ((c = cmp_str(a->qualname, b->qualname)) != 0) {
        return c;
    }
    if ((c = cmp_str(a->file, b->file)) != 0) {
        return c;
    }
    return (a->line > b->line) - (a->line < b->line);
}

/* Stable merge of the sorted runs v[lo..mid) and v[mid..hi) through tmp. */
static void
merge(struct sp_class *v, struct sp_class *tmp, size_t lo, size_t mid,
      size_t hi)
{
    size_t i = lo, j = mid, k = lo;

    while (i < mid && j < hi) {
        if (cmp_class(&v[j], &v[i]) < 0) {
            tmp[k++] = v[j++];
        }
        else {
            tmp[k++] = v[i++];
        }
    }
    while (i < mid) {
        tmp[k++] = v[i++];
    }
    while (j < hi) {
        tmp[k++] = v[j++];
    }
    memcpy(v + lo, tmp + lo, (hi - lo) * sizeof(*v));
}

/* Stable, so classes equal in every key keep the census's order.
 * Not qsort(): glibc's qsort takes its scratch buffer from the host's
 * malloc, and the profiler's memory must stay out of the heaps it
 * measures.  Without scratch memory, insertion sort: slow but correct. */
void
sp_report_sort(struct sp_report *r)
{
    size_t n = r->nclasses;
    struct sp_class *v = r->classes;

    if (n < 2 || v == NULL) {
        return;
    }
    struct sp_class *tmp = sp_malloc(n * sizeof(*tmp));
    if (tmp == NULL) {
        for (size_t i = 1; i < n; i++) {
            struct sp_class x = v[i];
            size_t j = i;
            while (j > 0 && cmp_class(&x, &v[j - 1]) < 0) {
                v[j] = v[j - 1];
                j--;
            }
            v[j] = x;
        }
        return;
    }
    /* Bottom-up: runs of width 1, 2, 4, ... */
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo + w < n; lo += 2 * w) {
            size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            merge(v, tmp, lo, lo + w, hi);
        }
    }
    sp_free(tmp);
}

uint64_t
sp_report_total_savings(const struct sp_report *r)
{
    uint64_t total = 0;

    if (r == NULL) {
        return 0;
    }
    for (size_t i = 0; i < r->nclasses; i++) {
        const struct sp_class *c = &r->classes[i];
        if (c->recommended && c->savings_bytes > 0) {
            total += (uint64_t)c->savings_bytes;
        }
    }
    return total;
}

uint64_t
sp_report_profiled_bytes(const struct sp_report *r)
{
    uint64_t total = 0;

    if (r == NULL) {
        return 0;
    }
    for (size_t i = 0; i < r->nclasses; i++) {
        total += r->classes[i].bytes_now;
    }
    for (size_t i = 0; i < r->nslotted; i++) {
        total += r->slotted[i].bytes;
    }
    return total;
}

const char *
sp_verdict_name(enum sp_verdict v)
{
    switch (v) {
    case SP_VERDICT_SAFE:
        return "safe";
    case SP_VERDICT_REVIEW:
        return "review";
    case SP_VERDICT_BLOCKED:
        return "blocked";
    }
    (void)SP_NEVER(true);
    return "review";
}

char *
sp_class_key(const char *module, const char *qualname)
{
    size_t nm = strlen(module), nq = strlen(qualname);
    char *key = sp_malloc(nm + nq + 2);
    if (key != NULL) {
        memcpy(key, module, nm);
        key[nm] = '\x1f';
        memcpy(key + nm + 1, qualname, nq + 1);
    }
    return key;
}

const char *
sp_origin_name(enum sp_origin o)
{
    switch (o) {
    case SP_ORIGIN_YOURS:
        return "yours";
    case SP_ORIGIN_STDLIB:
        return "stdlib";
    case SP_ORIGIN_INSTALLED:
        return "installed";
    case SP_ORIGIN_BUILTIN:
        return "builtin";
    }
    (void)SP_NEVER(true);
    return "builtin";
}
