/*
 * strbuf.c -- a growable string in the profiler's own heap, used to build
 * reports before they are written out in one piece.  Allocation failure
 * is sticky (sp_buf.failed) instead of reported at every call, so writers
 * stay readable and check once at the end.
 */
#include "internal.h"

#include <inttypes.h>           /* PRIu64 */
#include <stdarg.h>             /* va_list */
#include <stdio.h>              /* vsnprintf */
#include <string.h>             /* memcpy, strlen */

void
sp_buf_init(struct sp_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = false;
}

void
sp_buf_free(struct sp_buf *b)
{
    sp_free(b->data);
    sp_buf_init(b);
}

static bool
reserve(struct sp_buf *b, size_t extra)
{
    if (b->failed) {
        return false;
    }
    if (b->len + extra + 1 <= b->cap) {
        return true;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        cap *= 2;
    }
    char *p = sp_realloc(b->data, cap);
    if (p == NULL) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void
sp_buf_append(struct sp_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n)) {
        return;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void
sp_buf_puts(struct sp_buf *b, const char *s)
{
    sp_buf_append(b, s, strlen(s));
}

void
sp_buf_printf(struct sp_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        sp_buf_append(b, small, (size_t)n);
        return;
    }
    if (!reserve(b, (size_t)n)) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void
sp_buf_json_str(struct sp_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";

    sp_buf_append(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            sp_buf_append(b, "\\\"", 2);
            break;
        case '\\':
            sp_buf_append(b, "\\\\", 2);
            break;
        case '\n':
            sp_buf_append(b, "\\n", 2);
            break;
        case '\r':
            sp_buf_append(b, "\\r", 2);
            break;
        case '\t':
            sp_buf_append(b, "\\t", 2);
            break;
        default:
            if (*p < 0x20) {
                char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4],
                               hex[*p & 15]};
                sp_buf_append(b, esc, sizeof(esc));
            }
            else {
                sp_buf_append(b, (const char *)p, 1);
            }
        }
    }
    sp_buf_append(b, "\"", 1);
}

bool
sp_buf_ok(const struct sp_buf *b)
{
    return !b->failed && b->data != NULL;
}

/* 1234567 -> "1,234,567" */
void
sp_fmt_count(char *out, size_t outlen, uint64_t x)
{
    char digits[24];
    int n = snprintf(digits, sizeof(digits), "%" PRIu64, x);
    size_t k = 0;

    for (int i = 0; i < n && k + 2 < outlen; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            out[k++] = ',';
        }
        out[k++] = digits[i];
    }
    out[k] = '\0';
}

bool
sp_fmt_fixed(char *out, size_t outlen, double x, int decimals)
{
    uint64_t scale = 1;

    if (decimals < 0 || decimals > 18) {
        return false;               /* 10^19 does not fit the scale */
    }
    for (int i = 0; i < decimals; i++) {
        scale *= 10;
    }
    /* NaN, infinities and what the integer arithmetic cannot hold. */
    if (x != x || x > 9e18 / (double)scale || x < -9e18 / (double)scale) {
        return false;
    }
    bool neg = x < 0;
    uint64_t v = (uint64_t)((neg ? -x : x) * (double)scale + 0.5);
    const char *sign = neg && v != 0 ? "-" : "";
    if (decimals > 0) {
        snprintf(out, outlen, "%s%" PRIu64 ".%0*" PRIu64, sign, v / scale,
                 decimals, v % scale);
    }
    else {
        snprintf(out, outlen, "%s%" PRIu64, sign, v);
    }
    return true;
}

/* ------------------------------------------------------------ terminal */

size_t
sp_text_unsafe(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char c = u[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xbf;

    if (c < 0x20 || c == 0x7f) {
        return 1;                       /* C0 control, DEL */
    }
    if (c < 0x80) {
        return 0;
    }
    if (c == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f) {
        return 2;                       /* C1 control, U+0080..U+009F */
    }
    if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
    }
    else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        lo = c == 0xe0 ? 0xa0 : 0x80;   /* no overlong forms */
        hi = c == 0xed ? 0x9f : 0xbf;   /* no surrogates */
    }
    else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;   /* nothing past U+10FFFF */
    }
    else {
        return 1;                       /* not a lead byte */
    }
    if (u[1] < lo || u[1] > hi) {
        return 1;
    }
    for (size_t i = 2; i <= need; i++) {
        if ((u[i] & 0xc0) != 0x80) {
            return 1;
        }
    }
    return 0;
}

/* The length of the character at s, which sp_text_unsafe() passed. */
static size_t
char_len(const char *s)
{
    unsigned char c = (unsigned char)*s;
    return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

void
sp_buf_put_clean(struct sp_buf *b, const char *s)
{
    if (s == NULL) {
        sp_buf_puts(b, "?");
        return;
    }
    while (*s != '\0') {
        size_t n = 0, bad;
        while (s[n] != '\0' && (bad = sp_text_unsafe(s + n)) == 0) {
            n += char_len(s + n);
        }
        sp_buf_append(b, s, n);
        s += n;
        if (*s != '\0') {
            sp_buf_puts(b, "?");
            s += sp_text_unsafe(s);
        }
    }
}

size_t
sp_text_clean(char *out, size_t outlen, const char *s)
{
    size_t k = 0;

    if (outlen == 0) {
        return 0;
    }
    while (*s != '\0') {
        size_t bad = sp_text_unsafe(s);
        size_t n = bad ? 1 : char_len(s);
        if (k + n + 1 > outlen) {
            break;                      /* never half a character */
        }
        if (bad) {
            out[k++] = '?';
            s += bad;
        }
        else {
            memcpy(out + k, s, n);
            k += n;
            s += n;
        }
    }
    out[k] = '\0';
    return k;
}
