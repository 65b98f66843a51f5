/*
 * json.c -- a strict RFC 8259 parser into a tree (json.h).
 *
 * A recursive-descent parser over a byte range: it never reads past len
 * and needs no NUL terminator.  Strictness is the point -- a report that
 * a truncated write or a hand edit broke must be refused with the byte
 * where it went wrong, not half-read -- so every rule of the RFC's
 * grammar is checked, and UTF-8 too (RFC 8259 section 8.1).
 *
 * Memory: each container owns an array of its children, grown by
 * doubling; a string or number owns its text.  Freeing is recursive,
 * bounded by SP_JSON_MAX_DEPTH like parsing.
 */
#include "json.h"

#include <errno.h>              /* errno, ERANGE */
#include <stdarg.h>             /* va_list */
#include <stdio.h>              /* vsnprintf */
#include <stdlib.h>             /* malloc, realloc, free, strtod */
#include <string.h>             /* memcpy, memset, strcmp */

struct parser {
    const unsigned char *p;
    size_t len;
    size_t pos;
    char *err;
    size_t errlen;
    bool failed;
};

static bool parse_value(struct parser *ps, struct sp_json *v, int depth);

static bool
fail(struct parser *ps, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool
fail(struct parser *ps, size_t at, const char *fmt, ...)
{
    char what[160];
    va_list ap;

    if (ps->failed) {
        return false;           /* keep the first, innermost error */
    }
    ps->failed = true;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (ps->errlen > 0) {
        snprintf(ps->err, ps->errlen, "byte %zu: %s", at, what);
    }
    return false;
}

/* "'x'", "byte 0x1f", "end of input": what was found, for messages. */
static const char *
found(struct parser *ps, char *buf, size_t buflen)
{
    if (ps->pos >= ps->len) {
        return "end of input";
    }
    unsigned char c = ps->p[ps->pos];
    if (c > 0x20 && c < 0x7f) {
        snprintf(buf, buflen, "'%c'", c);
    }
    else {
        snprintf(buf, buflen, "byte 0x%02x", c);
    }
    return buf;
}

static void
skip_ws(struct parser *ps)
{
    while (ps->pos < ps->len) {
        unsigned char c = ps->p[ps->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            return;
        }
        ps->pos++;
    }
}

/* ------------------------------------------------------------ strings */

/* A growable byte string for decoding. */
struct chars {
    char *data;
    size_t len;
    size_t cap;
};

static bool
chars_put(struct chars *s, const void *src, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 32;
        while (cap < s->len + n + 1) {
            cap *= 2;
        }
        char *d = realloc(s->data, cap);
        if (d == NULL) {
            return false;
        }
        s->data = d;
        s->cap = cap;
    }
    memcpy(s->data + s->len, src, n);
    s->len += n;
    s->data[s->len] = '\0';
    return true;
}

/* Length of the valid UTF-8 sequence at p[0..avail), or 0 (Unicode 15,
 * table 3-7: no overlong forms, no surrogates, at most U+10FFFF). */
static size_t
utf8_len(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf;

    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    }
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;
    }
    else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;
    }
    else {
        return 0;
    }
    if (avail < n || p[1] < lo || p[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < n; i++) {
        if (p[i] < 0x80 || p[i] > 0xbf) {
            return 0;
        }
    }
    return n;
}

static int
hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Four hex digits at pos (after "\u"); -1 when they are not. */
static long
hex4(struct parser *ps)
{
    long v = 0;

    if (ps->len - ps->pos < 4) {
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        int h = hexval(ps->p[ps->pos + i]);
        if (h < 0) {
            return -1;
        }
        v = v * 16 + h;
    }
    ps->pos += 4;
    return v;
}

static size_t
utf8_encode(unsigned long cp, unsigned char out[4])
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xc0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xe0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (unsigned char)(0xf0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

/* The string whose opening quote is at pos; decoded into *text. */
static bool
parse_string(struct parser *ps, char **text, size_t *len)
{
    struct chars s = {NULL, 0, 0};
    size_t start = ps->pos;

    ps->pos++;                  /* the opening quote */
    if (!chars_put(&s, "", 0)) {
        return fail(ps, start, "out of memory");
    }
    for (;;) {
        if (ps->pos >= ps->len) {
            free(s.data);
            return fail(ps, start, "string not terminated");
        }
        unsigned char c = ps->p[ps->pos];
        if (c == '"') {
            ps->pos++;
            *text = s.data;
            *len = s.len;
            return true;
        }
        if (c < 0x20) {
            free(s.data);
            return fail(ps, ps->pos, "control character 0x%02x in a string "
                        "(must be escaped)", c);
        }
        if (c == '\\') {
            size_t esc = ps->pos;
            unsigned char enc[4];
            size_t n = 1;
            if (ps->pos + 1 >= ps->len) {
                free(s.data);
                return fail(ps, start, "string not terminated");
            }
            c = ps->p[ps->pos + 1];
            ps->pos += 2;
            switch (c) {
            case '"': case '\\': case '/':
                enc[0] = c;
                break;
            case 'b':
                enc[0] = '\b';
                break;
            case 'f':
                enc[0] = '\f';
                break;
            case 'n':
                enc[0] = '\n';
                break;
            case 'r':
                enc[0] = '\r';
                break;
            case 't':
                enc[0] = '\t';
                break;
            case 'u': {
                long cp = hex4(ps);
                if (cp < 0) {
                    free(s.data);
                    return fail(ps, esc, "\\u needs four hex digits");
                }
                if (cp >= 0xdc00 && cp <= 0xdfff) {
                    free(s.data);
                    return fail(ps, esc, "lone low surrogate \\u%04lx", cp);
                }
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    long lo = -1;
                    if (ps->len - ps->pos >= 2 && ps->p[ps->pos] == '\\'
                        && ps->p[ps->pos + 1] == 'u') {
                        ps->pos += 2;
                        lo = hex4(ps);
                    }
                    if (lo < 0xdc00 || lo > 0xdfff) {
                        free(s.data);
                        return fail(ps, esc, "high surrogate \\u%04lx not "
                                    "followed by a low surrogate", cp);
                    }
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                }
                n = utf8_encode((unsigned long)cp, enc);
                break;
            }
            default:
                free(s.data);
                return fail(ps, esc, "invalid escape \\%c",
                            c >= 0x20 && c < 0x7f ? c : '?');
            }
            if (!chars_put(&s, enc, n)) {
                free(s.data);
                return fail(ps, start, "out of memory");
            }
            continue;
        }
        /* A run of plain bytes, UTF-8 checked. */
        size_t run = ps->pos;
        while (ps->pos < ps->len) {
            c = ps->p[ps->pos];
            if (c == '"' || c == '\\' || c < 0x20) {
                break;
            }
            size_t n = utf8_len(ps->p + ps->pos, ps->len - ps->pos);
            if (n == 0) {
                free(s.data);
                return fail(ps, ps->pos, "invalid UTF-8 (byte 0x%02x)", c);
            }
            ps->pos += n;
        }
        if (!chars_put(&s, ps->p + run, ps->pos - run)) {
            free(s.data);
            return fail(ps, start, "out of memory");
        }
    }
}

/* ------------------------------------------------------------ numbers */

static bool
is_digit(struct parser *ps)
{
    return ps->pos < ps->len && ps->p[ps->pos] >= '0'
           && ps->p[ps->pos] <= '9';
}

static bool
parse_number(struct parser *ps, struct sp_json *v)
{
    size_t start = ps->pos;
    char buf[16];

    if (ps->p[ps->pos] == '-') {
        ps->pos++;
    }
    if (!is_digit(ps)) {
        return fail(ps, ps->pos, "expected a digit, found %s",
                    found(ps, buf, sizeof(buf)));
    }
    if (ps->p[ps->pos] == '0') {
        ps->pos++;
        if (is_digit(ps)) {
            return fail(ps, start, "number with a leading zero");
        }
    }
    else {
        while (is_digit(ps)) {
            ps->pos++;
        }
    }
    if (ps->pos < ps->len && ps->p[ps->pos] == '.') {
        ps->pos++;
        if (!is_digit(ps)) {
            return fail(ps, ps->pos, "expected a digit after '.', found %s",
                        found(ps, buf, sizeof(buf)));
        }
        while (is_digit(ps)) {
            ps->pos++;
        }
    }
    if (ps->pos < ps->len
        && (ps->p[ps->pos] == 'e' || ps->p[ps->pos] == 'E')) {
        ps->pos++;
        if (ps->pos < ps->len
            && (ps->p[ps->pos] == '+' || ps->p[ps->pos] == '-')) {
            ps->pos++;
        }
        if (!is_digit(ps)) {
            return fail(ps, ps->pos, "expected a digit in the exponent, "
                        "found %s", found(ps, buf, sizeof(buf)));
        }
        while (is_digit(ps)) {
            ps->pos++;
        }
    }
    v->type = SP_JSON_NUMBER;
    v->len = ps->pos - start;
    v->text = malloc(v->len + 1);
    if (v->text == NULL) {
        return fail(ps, start, "out of memory");
    }
    memcpy(v->text, ps->p + start, v->len);
    v->text[v->len] = '\0';
    return true;
}

/* ------------------------------------------------------------ containers */

static bool
grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) {
        return true;
    }
    size_t ncap = *cap ? *cap * 2 : 4;
    void *a = realloc(*arr, ncap * size);
    if (a == NULL) {
        return false;
    }
    *arr = a;
    *cap = ncap;
    return true;
}

static bool
parse_array(struct parser *ps, struct sp_json *v, int depth)
{
    size_t cap = 0;
    char buf[16];

    v->type = SP_JSON_ARRAY;
    ps->pos++;                  /* '[' */
    skip_ws(ps);
    if (ps->pos < ps->len && ps->p[ps->pos] == ']') {
        ps->pos++;
        return true;
    }
    for (;;) {
        if (!grow((void **)&v->items, &cap, v->n, sizeof(*v->items))) {
            return fail(ps, ps->pos, "out of memory");
        }
        memset(&v->items[v->n], 0, sizeof(*v->items));
        v->n++;
        skip_ws(ps);
        if (!parse_value(ps, &v->items[v->n - 1], depth + 1)) {
            return false;
        }
        skip_ws(ps);
        if (ps->pos < ps->len && ps->p[ps->pos] == ',') {
            ps->pos++;
            continue;
        }
        if (ps->pos < ps->len && ps->p[ps->pos] == ']') {
            ps->pos++;
            return true;
        }
        return fail(ps, ps->pos, "expected ',' or ']' in an array, found %s",
                    found(ps, buf, sizeof(buf)));
    }
}

static bool
parse_object(struct parser *ps, struct sp_json *v, int depth)
{
    size_t cap = 0;
    char buf[16];

    v->type = SP_JSON_OBJECT;
    ps->pos++;                  /* '{' */
    skip_ws(ps);
    if (ps->pos < ps->len && ps->p[ps->pos] == '}') {
        ps->pos++;
        return true;
    }
    for (;;) {
        struct sp_json_member *m;

        skip_ws(ps);
        if (ps->pos >= ps->len || ps->p[ps->pos] != '"') {
            return fail(ps, ps->pos, "expected a string key in an object, "
                        "found %s", found(ps, buf, sizeof(buf)));
        }
        if (!grow((void **)&v->members, &cap, v->n, sizeof(*v->members))) {
            return fail(ps, ps->pos, "out of memory");
        }
        m = &v->members[v->n++];
        memset(m, 0, sizeof(*m));
        m->offset = ps->pos;
        if (!parse_string(ps, &m->key, &m->keylen)) {
            return false;
        }
        skip_ws(ps);
        if (ps->pos >= ps->len || ps->p[ps->pos] != ':') {
            return fail(ps, ps->pos, "expected ':' after an object key, "
                        "found %s", found(ps, buf, sizeof(buf)));
        }
        ps->pos++;
        skip_ws(ps);
        if (!parse_value(ps, &m->value, depth + 1)) {
            return false;
        }
        skip_ws(ps);
        if (ps->pos < ps->len && ps->p[ps->pos] == ',') {
            ps->pos++;
            continue;
        }
        if (ps->pos < ps->len && ps->p[ps->pos] == '}') {
            ps->pos++;
            return true;
        }
        return fail(ps, ps->pos, "expected ',' or '}' in an object, "
                    "found %s", found(ps, buf, sizeof(buf)));
    }
}

static bool
literal(struct parser *ps, const char *word, enum sp_json_type t,
        struct sp_json *v)
{
    size_t n = strlen(word);

    if (ps->len - ps->pos < n || memcmp(ps->p + ps->pos, word, n) != 0) {
        return fail(ps, ps->pos, "invalid literal (expected %s)", word);
    }
    ps->pos += n;
    v->type = t;
    return true;
}

/* The value at pos (whitespace skipped by the caller). */
static bool
parse_value(struct parser *ps, struct sp_json *v, int depth)
{
    char buf[16];

    v->offset = ps->pos;
    if (depth > SP_JSON_MAX_DEPTH) {
        return fail(ps, ps->pos, "nested deeper than %d levels",
                    SP_JSON_MAX_DEPTH);
    }
    if (ps->pos >= ps->len) {
        return fail(ps, ps->pos, "expected a value, found end of input");
    }
    switch (ps->p[ps->pos]) {
    case '{':
        return parse_object(ps, v, depth);
    case '[':
        return parse_array(ps, v, depth);
    case '"':
        v->type = SP_JSON_STRING;
        return parse_string(ps, &v->text, &v->len);
    case 't':
        return literal(ps, "true", SP_JSON_TRUE, v);
    case 'f':
        return literal(ps, "false", SP_JSON_FALSE, v);
    case 'n':
        return literal(ps, "null", SP_JSON_NULL, v);
    default:
        if (ps->p[ps->pos] == '-'
            || (ps->p[ps->pos] >= '0' && ps->p[ps->pos] <= '9')) {
            return parse_number(ps, v);
        }
        return fail(ps, ps->pos, "expected a value, found %s",
                    found(ps, buf, sizeof(buf)));
    }
}

bool
sp_json_parse(const char *data, size_t len, struct sp_json *out, char *err,
              size_t errlen)
{
    struct parser ps = {(const unsigned char *)data, len, 0, err, errlen,
                        false};
    char buf[16];

    memset(out, 0, sizeof(*out));
    if (errlen > 0) {
        err[0] = '\0';
    }
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
        return fail(&ps, 0, "byte order mark (not allowed in JSON)");
    }
    skip_ws(&ps);
    if (!parse_value(&ps, out, 1)) {
        sp_json_free(out);
        return false;
    }
    skip_ws(&ps);
    if (ps.pos != len) {
        fail(&ps, ps.pos, "%s after the JSON value",
             found(&ps, buf, sizeof(buf)));
        sp_json_free(out);
        return false;
    }
    return true;
}

void
sp_json_free(struct sp_json *v)
{
    if (v == NULL) {
        return;
    }
    free(v->text);
    if (v->items != NULL) {
        for (size_t i = 0; i < v->n; i++) {
            sp_json_free(&v->items[i]);
        }
        free(v->items);
    }
    if (v->members != NULL) {
        for (size_t i = 0; i < v->n; i++) {
            free(v->members[i].key);
            sp_json_free(&v->members[i].value);
        }
        free(v->members);
    }
    memset(v, 0, sizeof(*v));
}

/* ------------------------------------------------------------ access */

const struct sp_json *
sp_json_get(const struct sp_json *v, const char *key, bool *dup)
{
    const struct sp_json *hit = NULL;
    size_t n = strlen(key);

    if (dup != NULL) {
        *dup = false;
    }
    if (v == NULL || v->type != SP_JSON_OBJECT) {
        return NULL;
    }
    for (size_t i = 0; i < v->n; i++) {
        const struct sp_json_member *m = &v->members[i];
        if (m->keylen != n || memcmp(m->key, key, n) != 0) {
            continue;
        }
        if (hit != NULL) {
            if (dup != NULL) {
                *dup = true;
            }
            break;
        }
        hit = &m->value;
        if (dup == NULL) {
            break;
        }
    }
    return hit;
}

/* Digits only, no sign, fraction or exponent: the integer's magnitude. */
static bool
magnitude(const char *s, uint64_t *out)
{
    uint64_t x = 0;

    if (*s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9') {
            return false;
        }
        unsigned d = (unsigned)(*s - '0');
        if (x > (UINT64_MAX - d) / 10) {
            return false;
        }
        x = x * 10 + d;
    }
    *out = x;
    return true;
}

bool
sp_json_u64(const struct sp_json *v, uint64_t *out)
{
    if (v == NULL || v->type != SP_JSON_NUMBER) {
        return false;
    }
    return magnitude(v->text, out);
}

bool
sp_json_i64(const struct sp_json *v, int64_t *out)
{
    uint64_t m;

    if (v == NULL || v->type != SP_JSON_NUMBER) {
        return false;
    }
    if (v->text[0] == '-') {
        if (!magnitude(v->text + 1, &m) || m > (uint64_t)INT64_MAX + 1) {
            return false;
        }
        /* -2^63 has no positive counterpart: negate in unsigned. */
        *out = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
        return true;
    }
    if (!magnitude(v->text, &m) || m > (uint64_t)INT64_MAX) {
        return false;
    }
    *out = (int64_t)m;
    return true;
}

bool
sp_json_double(const struct sp_json *v, double *out)
{
    char *end;

    if (v == NULL || v->type != SP_JSON_NUMBER) {
        return false;
    }
    errno = 0;
    double x = strtod(v->text, &end);
    if (*end != '\0' || (errno == ERANGE && (x > 1.0 || x < -1.0))) {
        return false;           /* overflow; underflow to ~0 is fine */
    }
    *out = x;
    return true;
}

const char *
sp_json_type_name(enum sp_json_type t)
{
    switch (t) {
    case SP_JSON_NULL:
        return "null";
    case SP_JSON_FALSE:
    case SP_JSON_TRUE:
        return "a boolean";
    case SP_JSON_NUMBER:
        return "a number";
    case SP_JSON_STRING:
        return "a string";
    case SP_JSON_ARRAY:
        return "an array";
    case SP_JSON_OBJECT:
        return "an object";
    }
    return "?";
}
