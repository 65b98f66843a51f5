/*
 * series.c -- the censuses of a sampling session, kept small.
 *
 * A snapshot report answers "what holds memory now"; the series answers
 * "what grew".  Each census adds one point: its time, resident set, total
 * saving and its SP_SERIES_TOP classes by saving.  Classes are interned
 * once (module and qualname), points refer to them by index, so a point
 * is a fixed-size record and a day of one-second snapshots costs no more
 * than SP_SERIES_POINTS of them: when the array is full, every other
 * point goes, the first stays, and the series keeps its whole span at
 * half the resolution.
 *
 * Python-free: it reads finished reports (internal.h) and allocates from
 * the profiler's heap.
 */
#include "internal.h"

#include <string.h>             /* memcpy, memset, strlen */

void
sp_series_init(struct sp_series *s)
{
    memset(s, 0, sizeof(*s));
    sp_strmap_init(&s->index);
}

void
sp_series_free(struct sp_series *s)
{
    for (size_t i = 0; i < s->nclasses; i++) {
        sp_free(s->classes[i].key);
    }
    sp_free(s->classes);
    sp_free(s->points);
    sp_strmap_free(&s->index);
    sp_series_init(s);
}

/* The index of (module, qualname), interned on first sight; -1 on
 * allocation failure. */
static int64_t
intern(struct sp_series *s, const char *module, const char *qualname)
{
    char *key = sp_class_key(module, qualname);
    size_t nm = strlen(module);
    int64_t idx;

    if (key == NULL) {
        return -1;
    }
    if (sp_strmap_get(&s->index, 0, key, &idx)) {
        sp_free(key);
        return idx;
    }
    if (s->nclasses == s->classes_cap) {
        size_t ncap = s->classes_cap ? s->classes_cap * 2 : 64;
        struct sp_series_class *nc =
            sp_realloc(s->classes, ncap * sizeof(*nc));
        if (nc == NULL) {
            sp_free(key);
            return -1;
        }
        s->classes = nc;
        s->classes_cap = ncap;
    }
    idx = (int64_t)s->nclasses;
    /* The map borrows the key, which the class entry owns. */
    if (sp_strmap_put(&s->index, 0, key, idx) < 0) {
        sp_free(key);
        return -1;
    }
    s->classes[s->nclasses].key = key;
    s->classes[s->nclasses].module_len = nm;
    s->nclasses++;
    return idx;
}

bool
sp_series_add(struct sp_series *s, const struct sp_report *r)
{
    struct sp_series_point p;

    memset(&p, 0, sizeof(p));
    p.at_seconds = r->chosen.at_seconds;
    p.trigger = r->chosen.trigger;
    p.rss_bytes = r->chosen.rss_bytes;
    p.total_savings = sp_report_total_savings(r);
    /* The report is in rank order: its first classes are the top ones. */
    for (size_t i = 0; i < r->nclasses && p.n < SP_SERIES_TOP; i++) {
        const struct sp_class *c = &r->classes[i];
        int64_t idx = intern(s, c->module, c->qualname);
        if (idx < 0) {
            return false;
        }
        p.top[p.n].cls = (uint32_t)idx;
        p.top[p.n].instances = c->instances;
        p.top[p.n].savings = c->savings_bytes;
        p.n++;
    }
    if (s->npoints == SP_SERIES_POINTS) {
        /* Keep points 0, 2, 4, ...: the first census and an even step. */
        for (size_t i = 1; i < SP_SERIES_POINTS / 2; i++) {
            s->points[i] = s->points[2 * i];
        }
        s->npoints = SP_SERIES_POINTS / 2;
    }
    if (s->npoints == s->points_cap) {
        size_t ncap = s->points_cap ? s->points_cap * 2 : 8;
        if (ncap > SP_SERIES_POINTS) {
            ncap = SP_SERIES_POINTS;
        }
        struct sp_series_point *np =
            sp_realloc(s->points, ncap * sizeof(*np));
        if (np == NULL) {
            return false;
        }
        s->points = np;
        s->points_cap = ncap;
    }
    s->points[s->npoints++] = p;
    return true;
}
