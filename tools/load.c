/*
 * load.c -- a JSON report (docs/report-format.md) back into the
 * library's struct sp_report, so that the command renders it with the
 * library's own writers.
 *
 * The contract is the format document, key by key: this file reads every
 * key report_json.c writes, in any order, ignores keys it does not know
 * (the format only ever grows within a version), and gives each key that
 * was "added within version 1" its documented default when it is
 * missing, so an older report loads.  Keys whose values are derived from
 * others (bytes_per_instance_*, the top-level total_savings_bytes) may be
 * missing; when present they must have the right type, and their values
 * are recomputed by the writers, not read.
 *
 * For a report the library wrote, load + sp_report_json gives back the
 * same bytes.  What the JSON cannot carry is lost: the interleaving of a
 * class's blockers and warnings (they come back blockers first).
 *
 * Ownership: internal.h lets a few report fields point at static strings
 * (census triggers, session.kind, allocs.counting) and lets
 * session.series be borrowed.  A loaded report owns all of them: they
 * live in struct loaded around the report, which sp_report_load_free()
 * releases.
 */
#include "cli.h"
#include "json.h"

#include <errno.h>              /* errno */
#include <limits.h>             /* INT_MAX */
#include <math.h>               /* NAN */
#include <stdarg.h>             /* va_list */
#include <stdio.h>              /* FILE, fopen, fread, snprintf */
#include <stdlib.h>             /* free */
#include <string.h>             /* memcpy, memset, strcmp, strerror */

/* The report and what it borrows, in one allocation. */
struct loaded {
    struct sp_report report;    /* first: the pointer callers hold */
    struct sp_series series;    /* report.session.series when present */
    bool has_series;
    char **owned;               /* strings internal.h calls static */
    size_t nowned;
    size_t owned_cap;
};

struct ctx {
    const char *name;           /* of the input, for messages */
    char *err;
    size_t errlen;
    bool failed;
    struct loaded *L;
};

static bool
fail(struct ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool
fail(struct ctx *c, const char *fmt, ...)
{
    char what[400];
    va_list ap;

    if (c->failed) {
        return false;
    }
    c->failed = true;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (c->errlen > 0) {
        snprintf(c->err, c->errlen, "%s: %s", c->name, what);
    }
    return false;
}

/* ------------------------------------------------------------ paths */

/* Where a value sits, for messages: "classes[3].plan[0].names". */
struct where {
    char s[256];
};

/* Appends s to w, cut at the buffer's end (a path that long is only
 * shortened in the message). */
static void
append(struct where *w, const char *s)
{
    size_t have = strlen(w->s), n = strlen(s);

    if (n > sizeof(w->s) - 1 - have) {
        n = sizeof(w->s) - 1 - have;
    }
    memcpy(w->s + have, s, n);
    w->s[have + n] = '\0';
}

static void
at_key(struct where *out, const struct where *in, const char *key)
{
    *out = *in;
    if (out->s[0] != '\0') {
        append(out, ".");
    }
    append(out, key);
}

static void
at_index(struct where *out, const struct where *in, size_t i)
{
    char idx[32];

    *out = *in;
    snprintf(idx, sizeof(idx), "[%zu]", i);
    append(out, idx);
}

/* ------------------------------------------------------------ strings */

/* Strings internal.h declares static: the known words map to literals,
 * anything else is copied and owned by the loaded report.  NULL stays
 * NULL. */
static const char *
intern(struct ctx *c, const char *s)
{
    static const char *const known[] = {
        "exit", "_exit", "gc", "interval", "signal", "api", "snapshot",
        "tp_alloc", "reftracer",
    };
    struct loaded *L = c->L;

    if (s == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < SP_ARRAY_LEN(known); i++) {
        if (strcmp(s, known[i]) == 0) {
            return known[i];
        }
    }
    if (L->nowned == L->owned_cap) {
        size_t ncap = L->owned_cap ? L->owned_cap * 2 : 8;
        char **n = sp_realloc(L->owned, ncap * sizeof(*n));
        if (n == NULL) {
            fail(c, "out of memory");
            return NULL;
        }
        L->owned = n;
        L->owned_cap = ncap;
    }
    char *copy = sp_strdup(s);
    if (copy == NULL) {
        fail(c, "out of memory");
        return NULL;
    }
    L->owned[L->nowned++] = copy;
    return copy;
}

/* ------------------------------------------------------------ members */

/* The member key of object o (at w).  Missing: NULL, and an error when
 * required.  A key given twice is an error: which one would count? */
static const struct sp_json *
member(struct ctx *c, const struct sp_json *o, const struct where *w,
       const char *key, bool required)
{
    bool dup;
    const struct sp_json *v = sp_json_get(o, key, &dup);
    struct where k;

    at_key(&k, w, key);
    if (v == NULL) {
        if (required) {
            fail(c, "%s: missing", k.s);
        }
        return NULL;
    }
    if (dup) {
        fail(c, "%s: key given twice", k.s);
        return NULL;
    }
    return v;
}

static bool
wrong(struct ctx *c, const struct where *w, const char *key,
      const char *expected, const struct sp_json *v)
{
    struct where k;

    if (key != NULL) {
        at_key(&k, w, key);
    }
    else {
        k = *w;
    }
    if (v->type == SP_JSON_NUMBER) {
        return fail(c, "%s: expected %s, found %s", k.s, expected, v->text);
    }
    return fail(c, "%s: expected %s, found %s", k.s, expected,
                sp_json_type_name(v->type));
}

/* Status of an optional lookup: the member is there, missing (default
 * applies), or an error was recorded. */
enum got { GOT, MISSING, BAD };

static enum got
find(struct ctx *c, const struct sp_json *o, const struct where *w,
     const char *key, bool required, const struct sp_json **v)
{
    *v = member(c, o, w, key, required);
    if (*v == NULL) {
        return c->failed ? BAD : MISSING;
    }
    return GOT;
}

static bool
get_u64(struct ctx *c, const struct sp_json *o, const struct where *w,
        const char *key, bool required, uint64_t *out)
{
    const struct sp_json *v;

    switch (find(c, o, w, key, required, &v)) {
    case MISSING:
        return true;
    case BAD:
        return false;
    case GOT:
        break;
    }
    if (!sp_json_u64(v, out)) {
        return wrong(c, w, key, "an integer from 0 to 2^64-1", v);
    }
    return true;
}

static bool
get_i64(struct ctx *c, const struct sp_json *o, const struct where *w,
        const char *key, bool required, int64_t *out)
{
    const struct sp_json *v;

    switch (find(c, o, w, key, required, &v)) {
    case MISSING:
        return true;
    case BAD:
        return false;
    case GOT:
        break;
    }
    if (!sp_json_i64(v, out)) {
        return wrong(c, w, key, "an integer from -2^63 to 2^63-1", v);
    }
    return true;
}

/* An int in [lo, INT_MAX]; with nullable, null gives 0. */
static bool
get_int(struct ctx *c, const struct sp_json *o, const struct where *w,
        const char *key, bool nullable, int lo, int *out)
{
    const struct sp_json *v;
    int64_t x;

    if (find(c, o, w, key, true, &v) != GOT) {
        return false;
    }
    if (nullable && v->type == SP_JSON_NULL) {
        *out = 0;
        return true;
    }
    if (!sp_json_i64(v, &x) || x < lo || x > INT_MAX) {
        char what[80];
        snprintf(what, sizeof(what), "an integer from %d to %d%s", lo,
                 INT_MAX, nullable ? " or null" : "");
        return wrong(c, w, key, what, v);
    }
    *out = (int)x;
    return true;
}

static bool
get_bool(struct ctx *c, const struct sp_json *o, const struct where *w,
         const char *key, bool required, bool *out)
{
    const struct sp_json *v;

    switch (find(c, o, w, key, required, &v)) {
    case MISSING:
        return true;
    case BAD:
        return false;
    case GOT:
        break;
    }
    if (v->type != SP_JSON_TRUE && v->type != SP_JSON_FALSE) {
        return wrong(c, w, key, "true or false", v);
    }
    *out = v->type == SP_JSON_TRUE;
    return true;
}

/* A string value v as a C string: no NUL inside. */
static const char *
cstr(struct ctx *c, const struct where *w, const char *key,
     const struct sp_json *v, bool nullable)
{
    if (nullable && v->type == SP_JSON_NULL) {
        return NULL;
    }
    if (v->type != SP_JSON_STRING) {
        wrong(c, w, key, nullable ? "a string or null" : "a string", v);
        return NULL;
    }
    if (strlen(v->text) != v->len) {
        struct where k;
        if (key != NULL) {
            at_key(&k, w, key);
        }
        else {
            k = *w;
        }
        fail(c, "%s: a string with a NUL character (\\u0000) is not "
             "supported", k.s);
        return NULL;
    }
    return v->text;
}

/* A string member copied into the report's heap (*out stays NULL for a
 * null or a missing optional member). */
static bool
get_str(struct ctx *c, const struct sp_json *o, const struct where *w,
        const char *key, bool required, bool nullable, char **out)
{
    const struct sp_json *v;

    switch (find(c, o, w, key, required, &v)) {
    case MISSING:
        return true;
    case BAD:
        return false;
    case GOT:
        break;
    }
    const char *s = cstr(c, w, key, v, nullable);
    if (s == NULL) {
        return !c->failed;
    }
    *out = sp_strdup(s);
    return *out != NULL || fail(c, "out of memory");
}

/* A string member into a fixed array ("" for null or missing). */
static bool
get_fixed(struct ctx *c, const struct sp_json *o, const struct where *w,
          const char *key, bool required, bool nullable, char *out,
          size_t cap)
{
    const struct sp_json *v;

    switch (find(c, o, w, key, required, &v)) {
    case MISSING:
        return true;
    case BAD:
        return false;
    case GOT:
        break;
    }
    const char *s = cstr(c, w, key, v, nullable);
    if (s == NULL) {
        out[0] = '\0';
        return !c->failed;
    }
    if (v->len >= cap) {
        struct where k;
        at_key(&k, w, key);
        return fail(c, "%s: longer than %zu bytes", k.s, cap - 1);
    }
    memcpy(out, s, v->len + 1);
    return true;
}

/* A string member for a field internal.h keeps static (interned). */
static bool
get_word(struct ctx *c, const struct sp_json *o, const struct where *w,
         const char *key, bool required, bool nullable, const char **out)
{
    const struct sp_json *v;

    switch (find(c, o, w, key, required, &v)) {
    case MISSING:
        return true;
    case BAD:
        return false;
    case GOT:
        break;
    }
    const char *s = cstr(c, w, key, v, nullable);
    if (s == NULL) {
        *out = NULL;
        return !c->failed;
    }
    *out = intern(c, s);
    return *out != NULL;
}

/* Seconds: a number, or null for "not a real duration" (NaN, which the
 * writer turns back into null). */
static bool
get_seconds(struct ctx *c, const struct sp_json *o, const struct where *w,
            const char *key, double *out)
{
    const struct sp_json *v;

    if (find(c, o, w, key, true, &v) != GOT) {
        return false;
    }
    if (v->type == SP_JSON_NULL) {
        *out = NAN;
        return true;
    }
    if (!sp_json_double(v, out)) {
        return wrong(c, w, key, "a number of seconds or null", v);
    }
    return true;
}

/* A number of seconds as whole microseconds, exactly from its decimal
 * text (the writer prints microseconds exactly); null gives 0 (off).
 * Digits past the sixth decimal are rounded half up. */
static bool
get_us(struct ctx *c, const struct sp_json *o, const struct where *w,
       const char *key, uint64_t *out)
{
    const struct sp_json *v;
    double x;

    switch (find(c, o, w, key, false, &v)) {
    case MISSING:
        return true;
    case BAD:
        return false;
    case GOT:
        break;
    }
    if (v->type == SP_JSON_NULL) {
        *out = 0;
        return true;
    }
    if (v->type != SP_JSON_NUMBER) {
        return wrong(c, w, key, "a number of seconds or null", v);
    }
    const char *s = v->text;
    uint64_t whole = 0, frac = 0;
    int digits = 0;
    bool plain = s[0] != '-' && strpbrk(s, "eE") == NULL;
    if (plain) {
        for (; *s >= '0' && *s <= '9'; s++) {
            if (whole > UINT64_MAX / 10 - 1) {
                plain = false;
                break;
            }
            whole = whole * 10 + (uint64_t)(*s - '0');
        }
        if (plain && *s == '.') {
            for (s++; *s >= '0' && *s <= '9'; s++) {
                if (digits < 6) {
                    frac = frac * 10 + (uint64_t)(*s - '0');
                    digits++;
                }
                else if (digits == 6) {
                    frac += *s >= '5';  /* the seventh decimal rounds */
                    digits++;
                }
            }
        }
        for (int d = digits > 6 ? 6 : digits; d < 6; d++) {
            frac *= 10;
        }
    }
    if (plain && whole <= (UINT64_MAX - frac) / 1000000) {
        *out = whole * 1000000 + frac;
        return true;
    }
    /* Exponent form or out of range: through a double. */
    if (!sp_json_double(v, &x) || x < 0 || x > 1.8e13) {
        return wrong(c, w, key, "a number of seconds from 0 or null", v);
    }
    *out = (uint64_t)(x * 1e6 + 0.5);
    return true;
}

/* An array member (empty when missing and not required). */
static bool
get_array(struct ctx *c, const struct sp_json *o, const struct where *w,
          const char *key, bool required, const struct sp_json **out)
{
    const struct sp_json *v;

    *out = NULL;
    switch (find(c, o, w, key, required, &v)) {
    case MISSING:
        return true;
    case BAD:
        return false;
    case GOT:
        break;
    }
    if (v->type != SP_JSON_ARRAY) {
        return wrong(c, w, key, "an array", v);
    }
    *out = v;
    return true;
}

/* Element i of array a must be an object. */
static bool
elem_object(struct ctx *c, const struct sp_json *a, const struct where *w,
            size_t i, struct where *ew)
{
    at_index(ew, w, i);
    if (a->items[i].type != SP_JSON_OBJECT) {
        return wrong(c, ew, NULL, "an object", &a->items[i]);
    }
    return true;
}

/* An array of strings into a fresh char *[]. */
static bool
get_names(struct ctx *c, const struct sp_json *o, const struct where *w,
          const char *key, char ***names, size_t *n)
{
    const struct sp_json *a;
    struct where aw, ew;

    if (!get_array(c, o, w, key, true, &a)) {
        return false;
    }
    at_key(&aw, w, key);
    *names = sp_calloc(a->n, sizeof(**names));
    if (*names == NULL) {
        return fail(c, "out of memory");
    }
    *n = a->n;
    for (size_t i = 0; i < a->n; i++) {
        at_index(&ew, &aw, i);
        const char *s = cstr(c, &ew, NULL, &a->items[i], false);
        if (s == NULL) {
            return false;
        }
        if (((*names)[i] = sp_strdup(s)) == NULL) {
            return fail(c, "out of memory");
        }
    }
    return true;
}

/* A derived key: optional, of the given type, value not used. */
static bool
check_number(struct ctx *c, const struct sp_json *o, const struct where *w,
             const char *key)
{
    const struct sp_json *v;

    switch (find(c, o, w, key, false, &v)) {
    case MISSING:
        return true;
    case BAD:
        return false;
    case GOT:
        break;
    }
    if (v->type != SP_JSON_NUMBER) {
        return wrong(c, w, key, "a number", v);
    }
    return true;
}

/* ------------------------------------------------------------ classes */

static bool
load_issues(struct ctx *c, const struct sp_json *o, const struct where *w,
            const char *key, bool blocks, struct sp_class *cl)
{
    const struct sp_json *a;
    struct where aw, ew;

    if (!get_array(c, o, w, key, true, &a)) {
        return false;
    }
    at_key(&aw, w, key);
    for (size_t i = 0; i < a->n; i++) {
        struct sp_issue *is = &cl->issues[cl->nissues];
        if (!elem_object(c, a, &aw, i, &ew)) {
            return false;
        }
        cl->nissues++;
        is->blocks = blocks;
        if (!get_str(c, &a->items[i], &ew, "code", true, false, &is->code)
            || !get_str(c, &a->items[i], &ew, "detail", true, false,
                        &is->detail)) {
            return false;
        }
    }
    return true;
}

static bool
load_plan(struct ctx *c, const struct sp_json *o, const struct where *w,
          struct sp_class *cl)
{
    static const struct {
        const char *name;
        enum sp_form form;
    } forms[] = {
        {"slots", SP_FORM_SLOTS},
        {"dataclass", SP_FORM_DATACLASS},
        {"empty_slots", SP_FORM_EMPTY_SLOTS},
    };
    const struct sp_json *a;
    struct where aw, ew;

    if (!get_array(c, o, w, "plan", true, &a)) {
        return false;
    }
    at_key(&aw, w, "plan");
    cl->plan = sp_calloc(a->n, sizeof(*cl->plan));
    if (cl->plan == NULL) {
        return fail(c, "out of memory");
    }
    cl->nplan = a->n;
    for (size_t i = 0; i < a->n; i++) {
        struct sp_plan_step *s = &cl->plan[i];
        const struct sp_json *e = &a->items[i], *f;
        const char *form;
        size_t k;

        if (!elem_object(c, a, &aw, i, &ew)
            || !get_str(c, e, &ew, "module", true, false, &s->module)
            || !get_str(c, e, &ew, "qualname", true, false, &s->qualname)
            || find(c, e, &ew, "form", true, &f) != GOT
            || (form = cstr(c, &ew, "form", f, false)) == NULL) {
            return false;
        }
        for (k = 0; k < SP_ARRAY_LEN(forms); k++) {
            if (strcmp(form, forms[k].name) == 0) {
                break;
            }
        }
        if (k == SP_ARRAY_LEN(forms)) {
            return fail(c, "%s.form: \"%s\" is not \"slots\", \"dataclass\" "
                        "or \"empty_slots\"", ew.s, form);
        }
        s->form = forms[k].form;
        if (!get_names(c, e, &ew, "names", &s->names, &s->nnames)) {
            return false;
        }
    }
    return true;
}

static bool
load_class(struct ctx *c, const struct sp_json *o, const struct where *w,
           struct sp_class *cl)
{
    static const char *const verdicts[] = {"safe", "review", "blocked"};
    const struct sp_json *v, *attrs, *blk, *wrn;
    const char *verdict;
    struct where aw, ew;

    if (!get_str(c, o, w, "module", true, false, &cl->module)
        || !get_str(c, o, w, "qualname", true, false, &cl->qualname)
        || !get_str(c, o, w, "file", true, true, &cl->file)
        || !get_int(c, o, w, "line", true, 0, &cl->line)
        || !get_u64(c, o, w, "instances", true, &cl->instances)
        || !get_u64(c, o, w, "bytes_now", true, &cl->bytes_now)
        || !get_u64(c, o, w, "bytes_slotted", true, &cl->bytes_slotted)
        || !get_i64(c, o, w, "savings_bytes", true, &cl->savings_bytes)
        || !check_number(c, o, w, "bytes_per_instance_now")
        || !check_number(c, o, w, "bytes_per_instance_slotted")
        || !get_bool(c, o, w, "recommended", true, &cl->recommended)
        || find(c, o, w, "verdict", true, &v) != GOT
        || (verdict = cstr(c, w, "verdict", v, false)) == NULL) {
        return false;
    }
    size_t k;
    for (k = 0; k < SP_ARRAY_LEN(verdicts); k++) {
        if (strcmp(verdict, verdicts[k]) == 0) {
            break;
        }
    }
    if (k == SP_ARRAY_LEN(verdicts)) {
        return fail(c, "%s.verdict: \"%s\" is not \"safe\", \"review\" or "
                    "\"blocked\"", w->s, verdict);
    }
    cl->verdict = (enum sp_verdict)k;   /* the enum's order is the table's */

    if (!get_names(c, o, w, "suggested_slots", &cl->suggested_slots,
                   &cl->nsuggested)
        || !get_array(c, o, w, "attributes", true, &attrs)) {
        return false;
    }
    at_key(&aw, w, "attributes");
    cl->attrs = sp_calloc(attrs->n, sizeof(*cl->attrs));
    if (cl->attrs == NULL) {
        return fail(c, "out of memory");
    }
    cl->nattrs = attrs->n;
    for (size_t i = 0; i < attrs->n; i++) {
        if (!elem_object(c, attrs, &aw, i, &ew)
            || !get_str(c, &attrs->items[i], &ew, "name", true, false,
                        &cl->attrs[i].name)
            || !get_u64(c, &attrs->items[i], &ew, "instances", true,
                        &cl->attrs[i].instances)) {
            return false;
        }
    }

    if (!get_u64(c, o, w, "dicts_materialized", true,
                 &cl->dicts_materialized)
        || !get_u64(c, o, w, "dicts_unshared", true, &cl->dicts_unshared)
        || !get_bool(c, o, w, "keys_sharing_lost", true,
                     &cl->keys_sharing_lost)
        || !get_u64(c, o, w, "weakrefs", true, &cl->weakrefs)
        || !get_u64(c, o, w, "non_str_keys", true, &cl->non_str_keys)
        || !load_plan(c, o, w, cl)
        || !get_array(c, o, w, "blockers", true, &blk)
        || !get_array(c, o, w, "warnings", true, &wrn)) {
        return false;
    }
    cl->issues = sp_calloc(blk->n + wrn->n, sizeof(*cl->issues));
    if (cl->issues == NULL) {
        return fail(c, "out of memory");
    }
    return load_issues(c, o, w, "blockers", true, cl)
           && load_issues(c, o, w, "warnings", false, cl);
}

static bool
load_classes(struct ctx *c, const struct sp_json *root, struct sp_report *r)
{
    const struct sp_json *a;
    struct where top = {""}, aw, ew;

    if (!get_array(c, root, &top, "classes", true, &a)) {
        return false;
    }
    at_key(&aw, &top, "classes");
    r->classes = sp_calloc(a->n, sizeof(*r->classes));
    if (r->classes == NULL) {
        return fail(c, "out of memory");
    }
    r->nclasses = a->n;
    for (size_t i = 0; i < a->n; i++) {
        if (!elem_object(c, a, &aw, i, &ew)
            || !load_class(c, &a->items[i], &ew, &r->classes[i])) {
            return false;
        }
    }
    return true;
}

static bool
load_slotted(struct ctx *c, const struct sp_json *root, struct sp_report *r)
{
    const struct sp_json *a;
    struct where top = {""}, aw, ew;

    if (!get_array(c, root, &top, "slotted_classes", false, &a)) {
        return false;
    }
    if (a == NULL) {
        return true;            /* added within version 1: empty */
    }
    at_key(&aw, &top, "slotted_classes");
    r->slotted = sp_calloc(a->n, sizeof(*r->slotted));
    if (r->slotted == NULL) {
        return fail(c, "out of memory");
    }
    r->nslotted = a->n;
    for (size_t i = 0; i < a->n; i++) {
        struct sp_slotted_class *s = &r->slotted[i];
        const struct sp_json *e = &a->items[i];
        if (!elem_object(c, a, &aw, i, &ew)
            || !get_str(c, e, &ew, "module", true, false, &s->module)
            || !get_str(c, e, &ew, "qualname", true, false, &s->qualname)
            || !get_u64(c, e, &ew, "instances", true, &s->instances)
            || !get_u64(c, e, &ew, "bytes", true, &s->bytes)) {
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------ allocations */

static bool
load_alloc_classes(struct ctx *c, const struct sp_json *o,
                   const struct where *w, struct sp_allocs *al)
{
    const struct sp_json *a;
    struct where aw, ew;

    if (!get_array(c, o, w, "classes", true, &a)) {
        return false;
    }
    at_key(&aw, w, "classes");
    al->classes = sp_calloc(a->n, sizeof(*al->classes));
    if (al->classes == NULL) {
        return fail(c, "out of memory");
    }
    al->nclasses = a->n;
    for (size_t i = 0; i < a->n; i++) {
        struct sp_alloc_class *k = &al->classes[i];
        const struct sp_json *e = &a->items[i];
        if (!elem_object(c, a, &aw, i, &ew)
            || !get_str(c, e, &ew, "module", true, false, &k->module)
            || !get_str(c, e, &ew, "qualname", true, false, &k->qualname)
            || !get_u64(c, e, &ew, "allocated", true, &k->allocated)
            || !get_u64(c, e, &ew, "freed", true, &k->freed)
            || !get_u64(c, e, &ew, "live", true, &k->live)
            || !get_u64(c, e, &ew, "peak_live", true, &k->peak_live)
            || !get_u64(c, e, &ew, "samples", true, &k->samples)) {
            return false;
        }
    }
    return true;
}

static bool
load_frames(struct ctx *c, const struct sp_json *o, const struct where *w,
            struct sp_allocs *al)
{
    const struct sp_json *a;
    struct where aw, ew;

    if (!get_array(c, o, w, "frames", true, &a)) {
        return false;
    }
    if (a->n > UINT32_MAX) {
        return fail(c, "allocations.frames: more than 2^32 frames");
    }
    at_key(&aw, w, "frames");
    al->frames = sp_calloc(a->n, sizeof(*al->frames));
    if (al->frames == NULL) {
        return fail(c, "out of memory");
    }
    al->nframes = a->n;
    for (size_t i = 0; i < a->n; i++) {
        struct sp_frame *f = &al->frames[i];
        const struct sp_json *e = &a->items[i];
        if (!elem_object(c, a, &aw, i, &ew)
            || !get_str(c, e, &ew, "function", true, false, &f->function)
            || !get_str(c, e, &ew, "file", true, true, &f->file)
            || !get_int(c, e, &ew, "line", true, 0, &f->line)
            || !get_bool(c, e, &ew, "native", true, &f->native)) {
            return false;
        }
    }
    return true;
}

static bool
load_sites(struct ctx *c, const struct sp_json *o, const struct where *w,
           struct sp_allocs *al)
{
    const struct sp_json *a, *fr;
    struct where aw, ew, fw, iw;

    if (!get_array(c, o, w, "sites", true, &a)) {
        return false;
    }
    at_key(&aw, w, "sites");
    al->sites = sp_calloc(a->n, sizeof(*al->sites));
    if (al->sites == NULL) {
        return fail(c, "out of memory");
    }
    al->nsites = a->n;
    for (size_t i = 0; i < a->n; i++) {
        struct sp_site *s = &al->sites[i];
        const struct sp_json *e = &a->items[i];
        if (!elem_object(c, a, &aw, i, &ew)
            || !get_str(c, e, &ew, "module", true, false, &s->module)
            || !get_str(c, e, &ew, "qualname", true, false, &s->qualname)
            || !get_array(c, e, &ew, "frames", true, &fr)) {
            return false;
        }
        at_key(&fw, &ew, "frames");
        s->frames = sp_calloc(fr->n, sizeof(*s->frames));
        if (s->frames == NULL) {
            return fail(c, "out of memory");
        }
        s->nframes = fr->n;
        for (size_t k = 0; k < fr->n; k++) {
            uint64_t idx;
            at_index(&iw, &fw, k);
            if (!sp_json_u64(&fr->items[k], &idx) || idx >= al->nframes) {
                char what[80];
                snprintf(what, sizeof(what), "an index into "
                         "allocations.frames (0 to %zu)",
                         al->nframes ? al->nframes - 1 : 0);
                if (al->nframes == 0) {
                    snprintf(what, sizeof(what), "no index: "
                             "allocations.frames is empty");
                }
                return wrong(c, &iw, NULL, what, &fr->items[k]);
            }
            s->frames[k] = (uint32_t)idx;
        }
        if (!get_u64(c, e, &ew, "samples", true, &s->samples)
            || !get_u64(c, e, &ew, "allocations", true, &s->allocations)
            || !get_u64(c, e, &ew, "instances", true, &s->instances)
            || !get_i64(c, e, &ew, "savable_bytes", true,
                        &s->savable_bytes)) {
            return false;
        }
    }
    return true;
}

static bool
load_allocs(struct ctx *c, const struct sp_json *root, struct sp_report *r)
{
    const struct sp_json *o;
    struct where top = {""}, w;
    struct sp_allocs *al = &r->allocs;

    switch (find(c, root, &top, "allocations", false, &o)) {
    case MISSING:
        return true;            /* added within version 1: null */
    case BAD:
        return false;
    case GOT:
        break;
    }
    if (o->type == SP_JSON_NULL) {
        return true;
    }
    if (o->type != SP_JSON_OBJECT) {
        return wrong(c, &top, "allocations", "an object or null", o);
    }
    at_key(&w, &top, "allocations");
    al->present = true;
    al->frees_exact = true;
    return get_word(c, o, &w, "counting", true, false, &al->counting)
           && get_bool(c, o, &w, "frees_exact", true, &al->frees_exact)
           && get_u64(c, o, &w, "sample_every", true, &al->sample_every)
           && get_bool(c, o, &w, "native", true, &al->native)
           && get_u64(c, o, &w, "max_depth", true, &al->max_depth)
           && get_u64(c, o, &w, "samples", true, &al->samples)
           && load_alloc_classes(c, o, &w, al)
           && load_frames(c, o, &w, al)
           && load_sites(c, o, &w, al);
}

/* ------------------------------------------------------------ series */

/* Column key of the series object at w: an array of exactly np values
 * (np is set by the first column read). */
static bool
series_column(struct ctx *c, const struct sp_json *o, const struct where *w,
              const char *key, size_t *np, const struct sp_json **out)
{
    if (!get_array(c, o, w, key, true, out)) {
        return false;
    }
    if (*np == SIZE_MAX) {
        *np = (*out)->n;
    }
    else if ((*out)->n != *np) {
        return fail(c, "%s.%s: %zu values, but at_seconds has %zu", w->s,
                    key, (*out)->n, *np);
    }
    return true;
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

static bool
load_series_class(struct ctx *c, const struct sp_json *e,
                  const struct where *ew, struct sp_series *s, size_t np)
{
    const struct sp_json *mv, *qv, *inst, *sav;
    const char *module, *qualname;
    struct where iw, sw, vw;

    if (find(c, e, ew, "module", true, &mv) != GOT
        || (module = cstr(c, ew, "module", mv, false)) == NULL
        || find(c, e, ew, "qualname", true, &qv) != GOT
        || (qualname = cstr(c, ew, "qualname", qv, false)) == NULL
        || !series_column(c, e, ew, "instances", &np, &inst)
        || !series_column(c, e, ew, "savings_bytes", &np, &sav)) {
        return false;
    }
    size_t nm = mv->len, nq = qv->len;
    char *key = sp_malloc(nm + nq + 2);
    if (key == NULL) {
        return fail(c, "out of memory");
    }
    memcpy(key, module, nm);
    key[nm] = '\x1f';
    memcpy(key + nm + 1, qualname, nq + 1);
    uint32_t idx = (uint32_t)s->nclasses;
    int put = sp_strmap_put(&s->index, 0, key, idx);
    if (put <= 0) {
        sp_free(key);
        if (put < 0) {
            return fail(c, "out of memory");
        }
        return fail(c, "%s: class %s.%s is in the series twice", ew->s,
                    module, qualname);
    }
    s->classes[s->nclasses].key = key;
    s->classes[s->nclasses].module_len = nm;
    s->nclasses++;

    at_key(&iw, ew, "instances");
    at_key(&sw, ew, "savings_bytes");
    for (size_t i = 0; i < np; i++) {
        struct sp_series_point *p = &s->points[i];
        const struct sp_json *x = &inst->items[i], *y = &sav->items[i];
        if ((x->type == SP_JSON_NULL) != (y->type == SP_JSON_NULL)) {
            at_index(&vw, &sw, i);
            return fail(c, "%s: null where instances[%zu] is not, or the "
                        "other way round", vw.s, i);
        }
        if (x->type == SP_JSON_NULL) {
            continue;
        }
        if (p->n == SP_SERIES_TOP) {
            at_index(&vw, &iw, i);
            return fail(c, "%s: more than %d classes in one census", vw.s,
                        SP_SERIES_TOP);
        }
        struct sp_series_entry *en = &p->top[p->n];
        en->cls = idx;
        if (!sp_json_u64(x, &en->instances)) {
            at_index(&vw, &iw, i);
            return wrong(c, &vw, NULL, "an integer from 0 to 2^64-1 or null",
                         x);
        }
        if (!sp_json_i64(y, &en->savings)) {
            at_index(&vw, &sw, i);
            return wrong(c, &vw, NULL,
                         "an integer from -2^63 to 2^63-1 or null", y);
        }
        p->n++;
    }
    return true;
}

static bool
load_series(struct ctx *c, const struct sp_json *root, struct sp_report *r)
{
    const struct sp_json *o, *at, *trig, *rss, *tot, *cls;
    struct where top = {""}, w, cw, ew, vw;
    struct loaded *L = c->L;
    struct sp_series *s = &L->series;
    size_t np = SIZE_MAX;

    switch (find(c, root, &top, "series", false, &o)) {
    case MISSING:
        return true;            /* added within version 1: null */
    case BAD:
        return false;
    case GOT:
        break;
    }
    if (o->type == SP_JSON_NULL) {
        return true;
    }
    if (o->type != SP_JSON_OBJECT) {
        return wrong(c, &top, "series", "an object or null", o);
    }
    at_key(&w, &top, "series");
    if (!series_column(c, o, &w, "at_seconds", &np, &at)
        || !series_column(c, o, &w, "trigger", &np, &trig)
        || !series_column(c, o, &w, "rss_bytes", &np, &rss)
        || !series_column(c, o, &w, "total_savings_bytes", &np, &tot)
        || !get_array(c, o, &w, "classes", true, &cls)) {
        return false;
    }
    sp_series_init(s);
    L->has_series = true;
    s->points = sp_calloc(np, sizeof(*s->points));
    s->classes = sp_calloc(cls->n, sizeof(*s->classes));
    if (s->points == NULL || s->classes == NULL) {
        return fail(c, "out of memory");
    }
    s->points_cap = np;
    s->npoints = np;
    s->classes_cap = cls->n;
    for (size_t i = 0; i < np; i++) {
        struct sp_series_point *p = &s->points[i];
        const struct sp_json *x = &at->items[i];

        if (x->type == SP_JSON_NULL) {
            p->at_seconds = NAN;
        }
        else if (!sp_json_double(x, &p->at_seconds)) {
            at_key(&cw, &w, "at_seconds");
            at_index(&vw, &cw, i);
            return wrong(c, &vw, NULL, "a number of seconds or null", x);
        }
        at_key(&cw, &w, "trigger");
        at_index(&vw, &cw, i);
        const char *t = cstr(c, &vw, NULL, &trig->items[i], true);
        if (c->failed || (t != NULL && (p->trigger = intern(c, t)) == NULL)) {
            return false;
        }
        if (!sp_json_u64(&rss->items[i], &p->rss_bytes)) {
            at_key(&cw, &w, "rss_bytes");
            at_index(&vw, &cw, i);
            return wrong(c, &vw, NULL, "an integer from 0 to 2^64-1",
                         &rss->items[i]);
        }
        if (!sp_json_u64(&tot->items[i], &p->total_savings)) {
            at_key(&cw, &w, "total_savings_bytes");
            at_index(&vw, &cw, i);
            return wrong(c, &vw, NULL, "an integer from 0 to 2^64-1",
                         &tot->items[i]);
        }
    }
    at_key(&cw, &w, "classes");
    for (size_t i = 0; i < cls->n; i++) {
        if (!elem_object(c, cls, &cw, i, &ew)
            || !load_series_class(c, &cls->items[i], &ew, s, np)) {
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

/* ------------------------------------------------------------ top level */

static bool
load_census(struct ctx *c, const struct sp_json *root, struct sp_report *r)
{
    const struct sp_json *o;
    struct where top = {""}, w;

    if (find(c, root, &top, "census", true, &o) != GOT) {
        return false;
    }
    if (o->type != SP_JSON_OBJECT) {
        return wrong(c, &top, "census", "an object", o);
    }
    at_key(&w, &top, "census");
    return get_word(c, o, &w, "trigger", true, true, &r->chosen.trigger)
           && get_seconds(c, o, &w, "at_seconds", &r->chosen.at_seconds)
           && get_seconds(c, o, &w, "duration_seconds",
                          &r->chosen.duration_seconds)
           && get_u64(c, o, &w, "objects_visited", true,
                      &r->chosen.objects_visited)
           && get_u64(c, o, &w, "rss_bytes", false, &r->chosen.rss_bytes);
}

static bool
load_peak(struct ctx *c, const struct sp_json *root, struct sp_report *r)
{
    const struct sp_json *o;
    struct where top = {""}, w;
    struct sp_session_info *ss = &r->session;

    switch (find(c, root, &top, "peak", false, &o)) {
    case MISSING:
        return true;
    case BAD:
        return false;
    case GOT:
        break;
    }
    if (o->type == SP_JSON_NULL) {
        return true;
    }
    if (o->type != SP_JSON_OBJECT) {
        return wrong(c, &top, "peak", "an object or null", o);
    }
    at_key(&w, &top, "peak");
    ss->has_peak = true;
    return get_word(c, o, &w, "trigger", true, true, &ss->peak.trigger)
           && get_seconds(c, o, &w, "at_seconds", &ss->peak.at_seconds)
           && get_u64(c, o, &w, "rss_bytes", true, &ss->peak.rss_bytes)
           && get_u64(c, o, &w, "total_savings_bytes", true,
                      &ss->peak_savings);
}

static bool
load_session(struct ctx *c, const struct sp_json *root, struct sp_report *r)
{
    const struct sp_json *o;
    struct where top = {""}, w;
    struct sp_session_info *ss = &r->session;
    const char *kind = "exit";

    if (!get_word(c, root, &top, "kind", false, false, &kind)) {
        return false;
    }
    ss->kind = kind;
    if (!get_fixed(c, root, &top, "session", false, true, ss->session,
                   sizeof(ss->session))
        || !get_u64(c, root, &top, "snapshot", false, &ss->snapshot)
        || !get_fixed(c, root, &top, "written_at", false, true,
                      ss->written_at, sizeof(ss->written_at))
        || !get_u64(c, root, &top, "censuses_aborted", false,
                    &ss->censuses_aborted)
        || !get_u64(c, root, &top, "censuses_skipped", false,
                    &ss->censuses_skipped)) {
        return false;
    }
    switch (find(c, root, &top, "sampling", false, &o)) {
    case MISSING:
        return true;
    case BAD:
        return false;
    case GOT:
        break;
    }
    if (o->type != SP_JSON_OBJECT) {
        return wrong(c, &top, "sampling", "an object", o);
    }
    at_key(&w, &top, "sampling");
    return get_us(c, o, &w, "interval_seconds", &ss->interval_us)
           && get_word(c, o, &w, "signal", false, true, &ss->signal)
           && get_bool(c, o, &w, "dormant", false, &ss->dormant)
           && get_us(c, o, &w, "max_pause_seconds", &ss->max_pause_us);
}

static bool
load_root(struct ctx *c, const struct sp_json *root, struct sp_report *r)
{
    const struct sp_json *v;
    struct where top = {""};
    uint64_t version;
    int pid;

    if (root->type != SP_JSON_OBJECT) {
        return fail(c, "not a slotprof report (the JSON is %s, not an "
                    "object)", sp_json_type_name(root->type));
    }
    v = member(c, root, &top, "format", false);
    if (v == NULL || v->type != SP_JSON_STRING
        || strcmp(v->text, "slotprof-report") != 0) {
        if (c->failed) {
            return false;
        }
        return fail(c, "not a slotprof report (\"format\" is %s%s%s, "
                    "expected \"slotprof-report\")",
                    v == NULL ? "missing"
                    : v->type == SP_JSON_STRING ? "\""
                    : sp_json_type_name(v->type),
                    v != NULL && v->type == SP_JSON_STRING ? v->text : "",
                    v != NULL && v->type == SP_JSON_STRING ? "\"" : "");
    }
    v = member(c, root, &top, "version", true);
    if (v == NULL) {
        return false;
    }
    if (!sp_json_u64(v, &version) || version != 1) {
        return fail(c, "report version %s is not supported (this slotprof "
                    "reads version 1)",
                    v->type == SP_JSON_NUMBER ? v->text
                                              : sp_json_type_name(v->type));
    }
    if (!get_fixed(c, root, &top, "python", true, false, r->python,
                   sizeof(r->python))
        || !get_fixed(c, root, &top, "allocator", false, true, r->allocator,
                      sizeof(r->allocator))
        || !get_int(c, root, &top, "pid", false, 0, &pid)
        || !get_u64(c, root, &top, "min_instances", true, &r->min_instances)
        || !get_u64(c, root, &top, "profiler_bytes", true,
                    &r->profiler_bytes)
        || !get_u64(c, root, &top, "censuses", true, &r->censuses)
        || !get_seconds(c, root, &top, "census_seconds_total",
                        &r->census_seconds_total)
        || !load_session(c, root, r)
        || !load_census(c, root, r)
        || !load_peak(c, root, r)
        || !check_number(c, root, &top, "total_savings_bytes")
        || !load_classes(c, root, r)
        || !load_slotted(c, root, r)
        || !load_series(c, root, r)
        || !load_allocs(c, root, r)) {
        return false;
    }
    r->pid = pid;
    return true;
}

/* ------------------------------------------------------------ entry */

struct sp_report *
sp_report_load_mem(const char *data, size_t len, const char *name, char *err,
                   size_t errlen)
{
    struct ctx c = {name != NULL ? name : "<report>", err, errlen, false,
                    NULL};
    struct sp_json root;
    char jerr[200];

    if (errlen > 0) {
        err[0] = '\0';
    }
    if (!sp_json_parse(data, len, &root, jerr, sizeof(jerr))) {
        fail(&c, "not valid JSON: %s", jerr);
        return NULL;
    }
    c.L = sp_calloc(1, sizeof(*c.L));
    if (c.L == NULL) {
        sp_json_free(&root);
        fail(&c, "out of memory");
        return NULL;
    }
    sp_series_init(&c.L->series);
    bool ok = load_root(&c, &root, &c.L->report);
    sp_json_free(&root);
    if (!ok) {
        sp_report_load_free(&c.L->report);
        return NULL;
    }
    return &c.L->report;
}

struct sp_report *
sp_report_load(const char *path, char *err, size_t errlen)
{
    bool is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    char *data = NULL;
    size_t len = 0, cap = 0;

    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", name, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (cap - len < 65536) {
            cap = cap ? cap * 2 : 65536;
            char *d = sp_realloc(data, cap);
            if (d == NULL) {
                snprintf(err, errlen, "%s: out of memory", name);
                goto fail_read;
            }
            data = d;
        }
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                snprintf(err, errlen, "%s: cannot read: %s", name,
                         strerror(errno));
                goto fail_read;
            }
            break;
        }
    }
    if (!is_stdin) {
        fclose(f);
    }
    if (len == 0) {
        snprintf(err, errlen, "%s: empty file, not a report", name);
        sp_free(data);
        return NULL;
    }
    struct sp_report *r = sp_report_load_mem(data, len, name, err, errlen);
    sp_free(data);
    return r;

fail_read:
    if (!is_stdin) {
        fclose(f);
    }
    sp_free(data);
    return NULL;
}

void
sp_report_load_free(struct sp_report *r)
{
    struct loaded *L = (struct loaded *)r;   /* report is the first member */

    if (r == NULL) {
        return;
    }
    if (L->has_series) {
        sp_series_free(&L->series);
    }
    for (size_t i = 0; i < L->nowned; i++) {
        sp_free(L->owned[i]);
    }
    sp_free(L->owned);
    /* sp_report_free frees the classes, allocations, slotted classes and
     * r itself, which is L. */
    r->session.series = NULL;
    sp_report_free(r);
}
