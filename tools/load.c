/*
 * load.c -- a JSON report (docs/report-format.md) back into the
 * library's struct sp_report, so that the command renders it with the
 * library's own writers (cli.h: sp_report_load).
 *
 * The document is parsed by jansson (docs/design.md says why): strict
 * RFC 8259, UTF-8 checked, duplicate keys refused, every error with its
 * line, column and byte.  This file identifies the document ("format",
 * "version") and hands it to the field tables (load_schema.c, read by
 * load_field.c), which read every key report_json.c writes, in any
 * order, ignore keys they do not know and give each key "added within
 * version 1" its documented default, so an older report loads.
 *
 * For a report the library wrote, load + sp_report_json gives back the
 * same bytes.  What the JSON cannot carry is lost: the interleaving of a
 * class's blockers and warnings (they come back blockers first).
 *
 * Ownership: internal.h lets a few report fields point at static strings
 * (census triggers, session.kind, allocs.counting) and lets
 * session.series be borrowed.  A loaded report owns all of them: they
 * live in struct sp_loaded around the report (load.h), which
 * sp_report_load_free() releases.
 */
#include "load.h"

#include <errno.h>              /* errno */
#include <stdio.h>              /* FILE, fopen, fread, snprintf */
#include <string.h>             /* memcmp, strcmp, strerror, strlen */

/* ------------------------------------------------------------ words */

const char *
sp_load_intern(struct sp_load_ctx *c, const char *s)
{
    static const char *const known[] = {
        "exit", "_exit", "gc", "interval", "signal", "api", "snapshot",
        "tp_alloc", "reftracer",
    };
    struct sp_loaded *L = c->L;

    for (size_t i = 0; i < SP_ARRAY_LEN(known); i++) {
        if (strcmp(s, known[i]) == 0) {
            return known[i];
        }
    }
    if (L->nowned == L->owned_cap) {
        size_t ncap = L->owned_cap ? L->owned_cap * 2 : 8;
        char **n = sp_realloc(L->owned, ncap * sizeof(*n));
        if (n == NULL) {
            sp_load_fail(c, "out of memory");
            return NULL;
        }
        L->owned = n;
        L->owned_cap = ncap;
    }
    char *copy = sp_strdup(s);
    if (copy == NULL) {
        sp_load_fail(c, "out of memory");
        return NULL;
    }
    L->owned[L->nowned++] = copy;
    return copy;
}

/* ------------------------------------------------------------ parsing */

/* jansson's error as "line L, column C (byte N): what": line and column
 * (in characters) as jansson counts them, N the bytes read when the error
 * was seen. */
static void
syntax_error(struct sp_load_ctx *c, const json_error_t *je)
{
    if (json_error_code(je) == json_error_out_of_memory) {
        sp_load_fail(c, "out of memory");
        return;
    }
    sp_load_fail(c, "not valid JSON: line %d, column %d (byte %d): %s",
                 je->line, je->column, je->position, je->text);
}

/* The document, or NULL after recording why not. */
static json_t *
parse(struct sp_load_ctx *c, const char *data, size_t len)
{
    json_error_t je;
    json_t *root;

    /* jansson would say "invalid token near '<the invisible mark>'". */
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
        sp_load_fail(c, "not valid JSON: line 1, column 1 (byte 0): byte "
                     "order mark (not allowed in JSON)");
        return NULL;
    }
    /* Any value at the top, so that "[1, 2]" is "not a report"; NUL
     * characters reach the tables, which name the key; a key given twice
     * is refused: which one would count? */
    root = json_loadb(data, len, JSON_DECODE_ANY | JSON_ALLOW_NUL
                      | JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        syntax_error(c, &je);
    }
    return root;
}

/* "format" and "version": is this a report this slotprof reads? */
static bool
identify(struct sp_load_ctx *c, const json_t *root)
{
    static const char *const type_names[] = {
        [JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array",
        [JSON_STRING] = "a string", [JSON_INTEGER] = "a number",
        [JSON_REAL] = "a number", [JSON_TRUE] = "a boolean",
        [JSON_FALSE] = "a boolean", [JSON_NULL] = "null",
    };
    struct sp_load_where top = {""};
    const json_t *v;

    if (!json_is_object(root)) {
        return sp_load_fail(c, "not a slotprof report (the JSON is %s, not "
                            "an object)", type_names[json_typeof(root)]);
    }
    v = json_object_get(root, "format");
    if (v == NULL || !json_is_string(v)
        || strcmp(json_string_value(v), "slotprof-report") != 0
        || json_string_length(v) != strlen("slotprof-report")) {
        bool str = v != NULL && json_is_string(v);
        return sp_load_fail(c, "not a slotprof report (\"format\" is %s%s%s, "
                            "expected \"slotprof-report\")",
                            v == NULL ? "missing"
                            : str ? "\"" : type_names[json_typeof(v)],
                            str ? json_string_value(v) : "", str ? "\"" : "");
    }
    if ((v = sp_load_member(c, root, &top, "version", true)) == NULL) {
        return false;
    }
    if (!json_is_integer(v) || json_integer_value(v) != 1) {
        char num[40];
        return sp_load_fail(c, "report version %s is not supported (this "
                            "slotprof reads version 1)",
                            json_is_number(v)
                            ? sp_load_describe(v, num, sizeof(num))
                            : type_names[json_typeof(v)]);
    }
    return true;
}

/* A report from before the maxima of the run existed ("max_instances",
 * added within version 1): the most it knew of is what its census
 * shows. */
static void
fill_maxima(struct sp_report *r)
{
    for (size_t i = 0; i < r->nclasses; i++) {
        struct sp_class *c = &r->classes[i];
        if (c->max_instances < c->instances) {
            c->max_instances = c->instances;
            c->max_at_seconds = r->chosen.at_seconds;
        }
        for (size_t a = 0; a < c->nattrs; a++) {
            if (c->attrs[a].max_instances < c->attrs[a].instances) {
                c->attrs[a].max_instances = c->attrs[a].instances;
            }
        }
    }
}

/* ------------------------------------------------------------ entry */

struct sp_report *
sp_report_load_mem(const char *data, size_t len, const char *name, char *err,
                   size_t errlen)
{
    struct sp_load_ctx c = {name != NULL ? name : "<report>", err, errlen,
                            false, NULL};
    struct sp_load_where top = {""};
    json_t *root;

    if (errlen > 0) {
        err[0] = '\0';
    }
    if ((root = parse(&c, data, len)) == NULL) {
        return NULL;
    }
    c.L = sp_calloc(1, sizeof(*c.L));
    if (c.L == NULL) {
        json_decref(root);
        sp_load_fail(&c, "out of memory");
        return NULL;
    }
    sp_series_init(&c.L->series);
    bool ok = identify(&c, root)
              && sp_load_object(&c, root, &top, &sp_load_report_v1,
                                &c.L->report);
    json_decref(root);
    if (!ok) {
        sp_report_load_free(&c.L->report);
        return NULL;
    }
    fill_maxima(&c.L->report);
    return &c.L->report;
}

/* The whole of f into a fresh buffer (*data, *len), or false with the
 * sentence in err. */
static bool
read_all(FILE *f, const char *name, char **data, size_t *len, char *err,
         size_t errlen)
{
    size_t cap = 0;

    *data = NULL;
    *len = 0;
    for (;;) {
        if (cap - *len < 65536) {
            cap = cap ? cap * 2 : 65536;
            char *d = sp_realloc(*data, cap);
            if (d == NULL) {
                snprintf(err, errlen, "%s: out of memory", name);
                return false;
            }
            *data = d;
        }
        size_t got = fread(*data + *len, 1, cap - *len, f);
        *len += got;
        if (got == 0) {
            if (ferror(f)) {
                snprintf(err, errlen, "%s: cannot read: %s", name,
                         strerror(errno));
                return false;
            }
            return true;
        }
    }
}

struct sp_report *
sp_report_load(const char *path, char *err, size_t errlen)
{
    bool is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    struct sp_report *r = NULL;
    char *data;
    size_t len;

    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", name, strerror(errno));
        return NULL;
    }
    bool ok = read_all(f, name, &data, &len, err, errlen);
    if (!is_stdin) {
        fclose(f);
    }
    if (ok && len == 0) {
        snprintf(err, errlen, "%s: empty file, not a report", name);
    }
    else if (ok) {
        r = sp_report_load_mem(data, len, name, err, errlen);
    }
    sp_free(data);
    return r;
}

void
sp_report_load_free(struct sp_report *r)
{
    struct sp_loaded *L = (struct sp_loaded *)r;   /* report comes first */

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
