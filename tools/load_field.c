/*
 * load_field.c -- the interpreter of the loader's tables (load.h): one
 * reader per kind of row, and the messages every key shares.
 *
 * A row says which key, what kind of value, whether it is required or
 * may be null, and where the value goes; this file does the rest, the
 * same way for every key: look the key up, apply the documented default
 * when an optional key is missing, check the JSON type and range, copy
 * strings into the report's heap, and when something is wrong record one
 * sentence naming the key by its path and what was found there
 * ("classes[0].instances: expected an integer from 0 to 2^63-1, found
 * -1").  The tables and the keys themselves live in load_schema.c.
 *
 * jansson holds integers as long long: an integer the document gives
 * beyond [-2^63, 2^63-1] was refused while parsing (load.c), so an
 * unsigned field reads from 0 to 2^63-1.
 */
#include "load.h"

#include <inttypes.h>           /* PRId64 */
#include <limits.h>             /* INT_MAX */
#include <math.h>               /* NAN */
#include <stdarg.h>             /* va_list */
#include <stdio.h>              /* snprintf, vsnprintf */
#include <stdlib.h>             /* strtod */
#include <string.h>             /* memcpy, strlen, strcmp, strpbrk */

/* ------------------------------------------------------------ messages */

bool
sp_load_fail(struct sp_load_ctx *c, const char *fmt, ...)
{
    char what[400];
    va_list ap;

    if (c->failed) {
        return false;           /* keep the first failure */
    }
    c->failed = true;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (c->errlen > 0) {
        snprintf(c->err, c->errlen, "%s: %s", c->name, what);
        /* One line (cli.h): names quoted from the document, decoded, may
         * hold any character. */
        for (char *p = c->err; *p != '\0'; p++) {
            if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                *p = '?';
            }
        }
    }
    return false;
}

/* Appends s to w, cut at the buffer's end (a path that long is only
 * shortened in the message). */
static void
append(struct sp_load_where *w, const char *s)
{
    size_t have = strlen(w->s), n = strlen(s);

    if (n > sizeof(w->s) - 1 - have) {
        n = sizeof(w->s) - 1 - have;
    }
    memcpy(w->s + have, s, n);
    w->s[have + n] = '\0';
}

void
sp_load_at_key(struct sp_load_where *out, const struct sp_load_where *in,
               const char *key)
{
    *out = *in;
    if (out->s[0] != '\0') {
        append(out, ".");
    }
    append(out, key);
}

void
sp_load_at_index(struct sp_load_where *out, const struct sp_load_where *in,
                 size_t i)
{
    char idx[32];

    *out = *in;
    snprintf(idx, sizeof(idx), "[%zu]", i);
    append(out, idx);
}

/* A real as short as it reads back exactly, with a ".0" when it would
 * look like an integer: what was found, as the document could have
 * written it ("1.0", "0.05", "1e+30"). */
static void
real_text(char *buf, size_t len, double x)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) {
            break;
        }
    }
    if (strpbrk(buf, ".e") == NULL && strlen(buf) + 2 < len) {
        strcat(buf, ".0");
    }
}

const char *
sp_load_describe(const json_t *v, char *buf, size_t len)
{
    switch (json_typeof(v)) {
    case JSON_INTEGER:
        snprintf(buf, len, "%" PRId64, (int64_t)json_integer_value(v));
        return buf;
    case JSON_REAL:
        real_text(buf, len, json_real_value(v));
        return buf;
    case JSON_NULL:
        return "null";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_STRING:
        return "a string";
    case JSON_ARRAY:
        return "an array";
    case JSON_OBJECT:
        return "an object";
    }
    return "?";
}

bool
sp_load_wrong(struct sp_load_ctx *c, const struct sp_load_where *w,
              const char *what, const json_t *v)
{
    char num[40];

    return sp_load_fail(c, "%s: expected %s, found %s", w->s, what,
                        sp_load_describe(v, num, sizeof(num)));
}

/* What a row's kind accepts, for "expected ..." (" or null" added by the
 * caller for a nullable row). */
static const char *
expected(const struct sp_load_field *f)
{
    static const char *const what[] = {
        [SP_LOAD_U64] = "an integer from 0 to 2^63-1",
        [SP_LOAD_I64] = "an integer from -2^63 to 2^63-1",
        [SP_LOAD_INT] = "an integer from 0 to 2147483647",
        [SP_LOAD_BOOL] = "true or false",
        [SP_LOAD_SECONDS] = "a number of seconds",
        [SP_LOAD_MICROS] = "a number of seconds",
        [SP_LOAD_STR] = "a string",
        [SP_LOAD_CHARS] = "a string",
        [SP_LOAD_WORD] = "a string",
        [SP_LOAD_ENUM] = "a string",
        [SP_LOAD_NAMES] = "an array",
        [SP_LOAD_NUMBER] = "a number",
        [SP_LOAD_OBJECT] = "an object",
        [SP_LOAD_ARRAY] = "an array",
        [SP_LOAD_CUSTOM] = "?",
    };
    return what[f->kind];
}

static bool
wrong_row(struct sp_load_ctx *c, const struct sp_load_where *w,
          const struct sp_load_field *f, const json_t *v)
{
    char what[80];

    snprintf(what, sizeof(what), "%s%s", expected(f),
             f->flags & SP_LOAD_NULLABLE ? " or null" : "");
    return sp_load_wrong(c, w, what, v);
}

/* ------------------------------------------------------------ lookups */

const json_t *
sp_load_member(struct sp_load_ctx *c, const json_t *o,
               const struct sp_load_where *w, const char *key, bool required)
{
    const json_t *v = json_object_get(o, key);

    if (v == NULL && required) {
        struct sp_load_where k;
        sp_load_at_key(&k, w, key);
        sp_load_fail(c, "%s: missing", k.s);
    }
    return v;
}

const char *
sp_load_cstr(struct sp_load_ctx *c, const json_t *v,
             const struct sp_load_where *w, bool nullable)
{
    if (nullable && json_is_null(v)) {
        return NULL;
    }
    if (!json_is_string(v)) {
        sp_load_wrong(c, w, nullable ? "a string or null" : "a string", v);
        return NULL;
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) {
        sp_load_fail(c, "%s: a string with a NUL character (\\u0000) is not "
                     "supported", w->s);
        return NULL;
    }
    return s;
}

/* ------------------------------------------------------------ readers */

/* Each reader gets a value that is present and not a null the row
 * accepts, w its path, and base: the struct whose field (at f->at) it
 * fills. */
typedef bool (*reader)(struct sp_load_ctx *c, const json_t *v,
                       const struct sp_load_where *w,
                       const struct sp_load_field *f, char *base);

static bool
read_u64(struct sp_load_ctx *c, const json_t *v,
         const struct sp_load_where *w, const struct sp_load_field *f,
         char *base)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        return wrong_row(c, w, f, v);
    }
    uint64_t x = (uint64_t)json_integer_value(v);
    memcpy(base + f->at, &x, sizeof(x));
    return true;
}

static bool
read_i64(struct sp_load_ctx *c, const json_t *v,
         const struct sp_load_where *w, const struct sp_load_field *f,
         char *base)
{
    if (!json_is_integer(v)) {
        return wrong_row(c, w, f, v);
    }
    int64_t x = (int64_t)json_integer_value(v);
    memcpy(base + f->at, &x, sizeof(x));
    return true;
}

static bool
read_int(struct sp_load_ctx *c, const json_t *v,
         const struct sp_load_where *w, const struct sp_load_field *f,
         char *base)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0
        || json_integer_value(v) > INT_MAX) {
        return wrong_row(c, w, f, v);
    }
    int x = (int)json_integer_value(v);
    memcpy(base + f->at, &x, sizeof(x));
    return true;
}

static bool
read_bool(struct sp_load_ctx *c, const json_t *v,
          const struct sp_load_where *w, const struct sp_load_field *f,
          char *base)
{
    if (!json_is_boolean(v)) {
        return wrong_row(c, w, f, v);
    }
    bool x = json_is_true(v);
    memcpy(base + f->at, &x, sizeof(x));
    return true;
}

static bool
read_seconds(struct sp_load_ctx *c, const json_t *v,
             const struct sp_load_where *w, const struct sp_load_field *f,
             char *base)
{
    if (!json_is_number(v)) {
        return wrong_row(c, w, f, v);
    }
    double x = json_number_value(v);
    memcpy(base + f->at, &x, sizeof(x));
    return true;
}

/* Seconds to whole microseconds, to the nearest.  The writer prints
 * microseconds exactly with six decimals; up to 2e9 s (2e15 us, well
 * inside a double's 2^53) the double read back rounds to the same
 * integer.  The library's own limit is one day (SP_DURATION_MAX_US). */
static bool
read_micros(struct sp_load_ctx *c, const json_t *v,
            const struct sp_load_where *w, const struct sp_load_field *f,
            char *base)
{
    if (!json_is_number(v)) {
        return wrong_row(c, w, f, v);
    }
    double x = json_number_value(v);
    if (!(x >= 0 && x <= 2e9)) {
        return sp_load_wrong(c, w, "a number of seconds from 0 or null", v);
    }
    uint64_t us = (uint64_t)(x * 1e6 + 0.5);
    memcpy(base + f->at, &us, sizeof(us));
    return true;
}

static bool
read_str(struct sp_load_ctx *c, const json_t *v,
         const struct sp_load_where *w, const struct sp_load_field *f,
         char *base)
{
    const char *s = sp_load_cstr(c, v, w, f->flags & SP_LOAD_NULLABLE);
    char *copy;

    if (s == NULL) {
        return false;
    }
    if ((copy = sp_strdup(s)) == NULL) {
        return sp_load_fail(c, "out of memory");
    }
    memcpy(base + f->at, &copy, sizeof(copy));
    return true;
}

static bool
read_chars(struct sp_load_ctx *c, const json_t *v,
           const struct sp_load_where *w, const struct sp_load_field *f,
           char *base)
{
    const char *s = sp_load_cstr(c, v, w, f->flags & SP_LOAD_NULLABLE);

    if (s == NULL) {
        return false;
    }
    size_t n = json_string_length(v);
    if (n >= f->aux) {
        return sp_load_fail(c, "%s: longer than %zu bytes", w->s, f->aux - 1);
    }
    memcpy(base + f->at, s, n + 1);
    return true;
}

static bool
read_word(struct sp_load_ctx *c, const json_t *v,
          const struct sp_load_where *w, const struct sp_load_field *f,
          char *base)
{
    const char *s = sp_load_cstr(c, v, w, f->flags & SP_LOAD_NULLABLE);

    if (s == NULL || (s = sp_load_intern(c, s)) == NULL) {
        return false;
    }
    memcpy(base + f->at, &s, sizeof(s));
    return true;
}

/* The index of the string in f->words, stored as the enum it numbers:
 * '"x" is not "a", "b" or "c"' otherwise. */
static bool
read_enum(struct sp_load_ctx *c, const json_t *v,
          const struct sp_load_where *w, const struct sp_load_field *f,
          char *base)
{
    const char *s = sp_load_cstr(c, v, w, false);
    char list[200] = "";
    int k;

    if (s == NULL) {
        return false;
    }
    for (k = 0; f->words[k] != NULL; k++) {
        if (strcmp(s, f->words[k]) == 0) {
            memcpy(base + f->at, &k, sizeof(k));
            return true;
        }
    }
    for (k = 0; f->words[k] != NULL; k++) {
        size_t have = strlen(list);
        snprintf(list + have, sizeof(list) - have, "%s\"%s\"",
                 k == 0 ? "" : f->words[k + 1] == NULL ? " or " : ", ",
                 f->words[k]);
    }
    return sp_load_fail(c, "%s: \"%s\" is not %s", w->s, s, list);
}

static bool
read_names(struct sp_load_ctx *c, const json_t *v,
           const struct sp_load_where *w, const struct sp_load_field *f,
           char *base)
{
    struct sp_load_where ew;

    if (!json_is_array(v)) {
        return wrong_row(c, w, f, v);
    }
    size_t n = json_array_size(v);
    char **names = sp_calloc(n, sizeof(*names));
    if (names == NULL) {
        return sp_load_fail(c, "out of memory");
    }
    memcpy(base + f->at, &names, sizeof(names));
    memcpy(base + f->aux, &n, sizeof(n));
    for (size_t i = 0; i < n; i++) {
        sp_load_at_index(&ew, w, i);
        const char *s = sp_load_cstr(c, json_array_get(v, i), &ew, false);
        if (s == NULL) {
            return false;
        }
        if ((names[i] = sp_strdup(s)) == NULL) {
            return sp_load_fail(c, "out of memory");
        }
    }
    return true;
}

static bool
read_number(struct sp_load_ctx *c, const json_t *v,
            const struct sp_load_where *w, const struct sp_load_field *f,
            char *base)
{
    (void)base;
    return json_is_number(v) || wrong_row(c, w, f, v);
}

static bool
read_object(struct sp_load_ctx *c, const json_t *v,
            const struct sp_load_where *w, const struct sp_load_field *f,
            char *base)
{
    if (!json_is_object(v)) {
        return wrong_row(c, w, f, v);
    }
    if (f->flags & SP_LOAD_PRESENT) {
        bool yes = true;
        memcpy(base + f->aux, &yes, sizeof(yes));
    }
    return sp_load_object(c, v, w, f->sub, base + f->at);
}

/* A fresh array of n elements of f->sub->size, zeroed, its pointer and
 * count stored first so that a failure half-way frees what was read. */
static bool
read_array(struct sp_load_ctx *c, const json_t *v,
           const struct sp_load_where *w, const struct sp_load_field *f,
           char *base)
{
    struct sp_load_where ew;

    if (!json_is_array(v)) {
        return wrong_row(c, w, f, v);
    }
    size_t n = json_array_size(v);
    char *items = sp_calloc(n, f->sub->size);
    if (items == NULL) {
        return sp_load_fail(c, "out of memory");
    }
    memcpy(base + f->at, &items, sizeof(items));
    memcpy(base + f->aux, &n, sizeof(n));
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(v, i);
        sp_load_at_index(&ew, w, i);
        if (!json_is_object(e)) {
            return sp_load_wrong(c, &ew, "an object", e);
        }
        if (!sp_load_object(c, e, &ew, f->sub, items + i * f->sub->size)) {
            return false;
        }
    }
    return true;
}

static const reader readers[] = {
    [SP_LOAD_U64] = read_u64,
    [SP_LOAD_I64] = read_i64,
    [SP_LOAD_INT] = read_int,
    [SP_LOAD_BOOL] = read_bool,
    [SP_LOAD_SECONDS] = read_seconds,
    [SP_LOAD_MICROS] = read_micros,
    [SP_LOAD_STR] = read_str,
    [SP_LOAD_CHARS] = read_chars,
    [SP_LOAD_WORD] = read_word,
    [SP_LOAD_ENUM] = read_enum,
    [SP_LOAD_NAMES] = read_names,
    [SP_LOAD_NUMBER] = read_number,
    [SP_LOAD_OBJECT] = read_object,
    [SP_LOAD_ARRAY] = read_array,
};

/* ------------------------------------------------------------ rows */

/* A null the row accepts: the kind's "none" (internal.h's conventions:
 * NULL, "", 0, NaN for a duration that is not a real one). */
static void
store_null(const struct sp_load_field *f, char *base)
{
    const char *none = NULL;
    double nan = NAN;

    switch (f->kind) {
    case SP_LOAD_STR:
    case SP_LOAD_WORD:
        memcpy(base + f->at, &none, sizeof(none));
        break;
    case SP_LOAD_CHARS:
        base[f->at] = '\0';
        break;
    case SP_LOAD_INT:
        memset(base + f->at, 0, sizeof(int));
        break;
    case SP_LOAD_MICROS:
        memset(base + f->at, 0, sizeof(uint64_t));
        break;
    case SP_LOAD_SECONDS:
        memcpy(base + f->at, &nan, sizeof(nan));
        break;
    default:
        break;                  /* an object left out, a derived number */
    }
}

static bool
read_row(struct sp_load_ctx *c, const json_t *o,
         const struct sp_load_where *w, const struct sp_load_field *f,
         char *base)
{
    struct sp_load_where k;
    const json_t *v;

    if (f->kind == SP_LOAD_CUSTOM) {
        return f->fn(c, o, w, base);
    }
    v = sp_load_member(c, o, w, f->key, f->flags & SP_LOAD_REQUIRED);
    if (v == NULL) {
        if (c->failed) {
            return false;
        }
        if (f->kind == SP_LOAD_WORD && f->dflt != NULL) {
            const char *d = sp_load_intern(c, f->dflt);
            memcpy(base + f->at, &d, sizeof(d));
            return d != NULL;
        }
        return true;            /* added within version 1: zero */
    }
    if (json_is_null(v) && (f->flags & SP_LOAD_NULLABLE)) {
        store_null(f, base);
        return true;
    }
    sp_load_at_key(&k, w, f->key);
    return readers[f->kind](c, v, &k, f, base);
}

bool
sp_load_object(struct sp_load_ctx *c, const json_t *o,
               const struct sp_load_where *w, const struct sp_load_table *t,
               void *base)
{
    for (size_t i = 0; i < t->nrows; i++) {
        if (!read_row(c, o, w, &t->rows[i], base)) {
            return false;
        }
    }
    return true;
}
