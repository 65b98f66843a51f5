/*
 * load_series.c -- the report's "series" (docs/report-format.md,
 * "series") back into a struct sp_series.
 *
 * The only part of the format that is not one key into one field: the
 * JSON holds it column-wise (one array per quantity, one entry per
 * census, and per class one array of instances and one of savings with
 * null where the class was not in that census's top), while series.c
 * keeps it point-wise (per census its top classes, ranked).  So it is a
 * custom row of the document's table (load_schema.c) and transposes here:
 * the columns must all have the same length, a class may appear once,
 * a census may hold at most SP_SERIES_TOP classes, and each point's
 * entries are ranked again as the library ranks them.
 *
 * The series lives in struct sp_loaded next to the report, which borrows
 * it (session.series), so sp_report_load_free() frees it.
 */
#include "load.h"

#include <math.h>               /* NAN */
#include <stdint.h>             /* SIZE_MAX, uint32_t */
#include <string.h>             /* memcpy, strlen */

/* Column key of the series object o (at w): an array of exactly *np
 * values (*np is set by the first column read). */
static const json_t *
column(struct sp_load_ctx *c, const json_t *o, const struct sp_load_where *w,
       const char *key, size_t *np)
{
    const json_t *a = sp_load_member(c, o, w, key, true);
    struct sp_load_where k;

    if (a == NULL) {
        return NULL;
    }
    sp_load_at_key(&k, w, key);
    if (!json_is_array(a)) {
        sp_load_wrong(c, &k, "an array", a);
        return NULL;
    }
    if (*np == SIZE_MAX) {
        *np = json_array_size(a);
    }
    else if (json_array_size(a) != *np) {
        sp_load_fail(c, "%s: %zu values, but at_seconds has %zu", k.s,
                     json_array_size(a), *np);
        return NULL;
    }
    return a;
}

/* Entries of one point in rank order (savings descending, then class
 * order), as the library records them. */
static void
sort_point(struct sp_series_point *p)
{
    for (uint32_t i = 1; i < p->n; i++) {
        struct sp_series_entry x = p->top[i];
        uint32_t j = i;
        while (j > 0 && (p->top[j - 1].savings < x.savings
                         || (p->top[j - 1].savings == x.savings
                             && p->top[j - 1].cls > x.cls))) {
            p->top[j] = p->top[j - 1];
            j--;
        }
        p->top[j] = x;
    }
}

/* Census i of one class: its instances x and savings y, both null or
 * neither. */
static bool
class_entry(struct sp_load_ctx *c, const struct sp_load_where *ew,
            size_t i, uint32_t idx, const json_t *x, const json_t *y,
            struct sp_series_point *p)
{
    struct sp_load_where k, vw;

    if (json_is_null(x) != json_is_null(y)) {
        sp_load_at_key(&k, ew, "savings_bytes");
        sp_load_at_index(&vw, &k, i);
        return sp_load_fail(c, "%s: null where instances[%zu] is not, or "
                            "the other way round", vw.s, i);
    }
    if (json_is_null(x)) {
        return true;
    }
    sp_load_at_key(&k, ew, "instances");
    sp_load_at_index(&vw, &k, i);
    if (p->n == SP_SERIES_TOP) {
        return sp_load_fail(c, "%s: more than %d classes in one census",
                            vw.s, SP_SERIES_TOP);
    }
    if (!json_is_integer(x) || json_integer_value(x) < 0) {
        return sp_load_wrong(c, &vw, "an integer from 0 to 2^63-1 or null",
                             x);
    }
    if (!json_is_integer(y)) {
        sp_load_at_key(&k, ew, "savings_bytes");
        sp_load_at_index(&vw, &k, i);
        return sp_load_wrong(c, &vw,
                             "an integer from -2^63 to 2^63-1 or null", y);
    }
    struct sp_series_entry *en = &p->top[p->n++];
    en->cls = idx;
    en->instances = (uint64_t)json_integer_value(x);
    en->savings = (int64_t)json_integer_value(y);
    return true;
}

/* One entry of series.classes: its key into the index, its columns into
 * the points. */
static bool
load_class(struct sp_load_ctx *c, const json_t *e,
           const struct sp_load_where *ew, struct sp_series *s, size_t np)
{
    const json_t *mv, *qv, *inst, *sav;
    const char *module, *qualname;
    struct sp_load_where k;

    if ((mv = sp_load_member(c, e, ew, "module", true)) == NULL
        || (sp_load_at_key(&k, ew, "module"),
            module = sp_load_cstr(c, mv, &k, false)) == NULL
        || (qv = sp_load_member(c, e, ew, "qualname", true)) == NULL
        || (sp_load_at_key(&k, ew, "qualname"),
            qualname = sp_load_cstr(c, qv, &k, false)) == NULL
        || (inst = column(c, e, ew, "instances", &np)) == NULL
        || (sav = column(c, e, ew, "savings_bytes", &np)) == NULL) {
        return false;
    }
    size_t nm = strlen(module), nq = strlen(qualname);
    char *key = sp_malloc(nm + nq + 2);
    if (key == NULL) {
        return sp_load_fail(c, "out of memory");
    }
    memcpy(key, module, nm);
    key[nm] = '\x1f';
    memcpy(key + nm + 1, qualname, nq + 1);
    uint32_t idx = (uint32_t)s->nclasses;
    int put = sp_strmap_put(&s->index, 0, key, idx);
    if (put <= 0) {
        sp_free(key);
        if (put < 0) {
            return sp_load_fail(c, "out of memory");
        }
        return sp_load_fail(c, "%s: class %s.%s is in the series twice",
                            ew->s, module, qualname);
    }
    s->classes[s->nclasses].key = key;
    s->classes[s->nclasses].module_len = nm;
    s->nclasses++;
    for (size_t i = 0; i < np; i++) {
        if (!class_entry(c, ew, i, idx, json_array_get(inst, i),
                         json_array_get(sav, i), &s->points[i])) {
            return false;
        }
    }
    return true;
}

/* Census i's own columns into point p. */
static bool
load_point(struct sp_load_ctx *c, const json_t *const col[4],
           const struct sp_load_where *w, size_t i,
           struct sp_series_point *p)
{
    static const char *const keys[] = {"at_seconds", "trigger", "rss_bytes",
                                       "total_savings_bytes"};
    const json_t *v[4];
    struct sp_load_where k[4], vw;

    for (int j = 0; j < 4; j++) {
        v[j] = json_array_get(col[j], i);
        sp_load_at_key(&vw, w, keys[j]);
        sp_load_at_index(&k[j], &vw, i);
    }
    if (json_is_null(v[0])) {
        p->at_seconds = NAN;
    }
    else if (json_is_number(v[0])) {
        p->at_seconds = json_number_value(v[0]);
    }
    else {
        return sp_load_wrong(c, &k[0], "a number of seconds or null", v[0]);
    }
    const char *t = sp_load_cstr(c, v[1], &k[1], true);
    if (c->failed || (t != NULL && (p->trigger = sp_load_intern(c, t))
                                   == NULL)) {
        return false;
    }
    for (int j = 2; j < 4; j++) {
        if (!json_is_integer(v[j]) || json_integer_value(v[j]) < 0) {
            return sp_load_wrong(c, &k[j], "an integer from 0 to 2^63-1",
                                 v[j]);
        }
    }
    p->rss_bytes = (uint64_t)json_integer_value(v[2]);
    p->total_savings = (uint64_t)json_integer_value(v[3]);
    return true;
}

bool
sp_load_series(struct sp_load_ctx *c, const json_t *root,
               const struct sp_load_where *top, void *report)
{
    struct sp_report *r = report;
    struct sp_loaded *L = c->L;
    struct sp_series *s = &L->series;
    const json_t *o, *col[4], *cls;
    struct sp_load_where w, cw, ew;
    size_t np = SIZE_MAX;

    o = sp_load_member(c, root, top, "series", false);
    if (o == NULL || json_is_null(o)) {
        return true;            /* added within version 1: null */
    }
    sp_load_at_key(&w, top, "series");
    if (!json_is_object(o)) {
        return sp_load_wrong(c, &w, "an object or null", o);
    }
    if ((col[0] = column(c, o, &w, "at_seconds", &np)) == NULL
        || (col[1] = column(c, o, &w, "trigger", &np)) == NULL
        || (col[2] = column(c, o, &w, "rss_bytes", &np)) == NULL
        || (col[3] = column(c, o, &w, "total_savings_bytes", &np)) == NULL
        || (cls = sp_load_member(c, o, &w, "classes", true)) == NULL) {
        return false;
    }
    sp_load_at_key(&cw, &w, "classes");
    if (!json_is_array(cls)) {
        return sp_load_wrong(c, &cw, "an array", cls);
    }
    L->has_series = true;
    s->points = sp_calloc(np, sizeof(*s->points));
    s->classes = sp_calloc(json_array_size(cls), sizeof(*s->classes));
    if (s->points == NULL || s->classes == NULL) {
        return sp_load_fail(c, "out of memory");
    }
    s->points_cap = s->npoints = np;
    s->classes_cap = json_array_size(cls);
    for (size_t i = 0; i < np; i++) {
        if (!load_point(c, col, &w, i, &s->points[i])) {
            return false;
        }
    }
    for (size_t i = 0; i < json_array_size(cls); i++) {
        const json_t *e = json_array_get(cls, i);
        sp_load_at_index(&ew, &cw, i);
        if (!json_is_object(e)) {
            return sp_load_wrong(c, &ew, "an object", e);
        }
        if (!load_class(c, e, &ew, s, np)) {
            return false;
        }
    }
    for (size_t i = 0; i < np; i++) {
        sort_point(&s->points[i]);
    }
    /* The writer prints null for a series without points. */
    if (np > 0) {
        r->session.series = s;
    }
    return true;
}
