/*
 * config.c -- SLOTPROF_OPTIONS: from one string to a struct sp_config.
 *
 * This file owns the option syntax, the defaults, the error sentences a
 * user sees when an option is wrong, and the expansion of %p in paths.  It
 * does not read the environment (the caller passes the string, so tests
 * need no setenv and there is one getenv() in the library, in
 * bootstrap.c), does not log, and does not allocate: it runs in the
 * library constructor, before the profiler's own heap has done anything
 * else, and a bad option must cost the host nothing but one log line.
 *
 * Syntax: "key=value,key=value".  Whitespace around keys and values is
 * dropped, empty items are ignored, a repeated key overrides the earlier
 * one.  A value cannot contain a comma; paths with commas are not
 * supported.  The options are a table (options[] below): an option that a
 * later version adds is one row there, and every key not in the table is
 * an error today, so a typo never silently does nothing.
 */
#include "internal.h"

#include <stdarg.h>             /* va_list */
#include <stdio.h>              /* snprintf, vsnprintf */
#include <string.h>             /* memchr, memcmp, memcpy, memset, strchr */

#define SP_DEFAULT_MIN_INSTANCES 100u
#define SP_DEFAULT_TOP 20u
/* Above any real count of objects; the bound makes a slip such as
 * top=99999999999999999999 an error instead of a wrapped-around number. */
#define SP_NUMBER_MAX 1000000000000u
#define SP_NUMBER_MAX_STR "1000000000000"

/* How much of a user's key or value an error sentence quotes: enough to
 * recognise it, short enough to keep the log line one line. */
#define SP_QUOTE_MAX 64

/* Part of printf formats, hence the doubled '%': it reads "a file path,
 * where %p is the pid and %% is a %". */
#define SP_PATH_ACCEPTED "a file path, where %%p is the pid and %%%% is a %%"

void
sp_config_defaults(struct sp_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));   /* output = text_path = "" */
    cfg->text_mode = SP_TEXT_STDERR;
    cfg->min_instances = SP_DEFAULT_MIN_INSTANCES;
    cfg->top = SP_DEFAULT_TOP;
}

/* A piece of the option string: not NUL-terminated. */
struct span {
    const char *p;
    size_t n;
};

static bool
is_space(char c)
{
    /* Not isspace(): the host may have called setlocale(). */
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'
           || c == '\f';
}

static struct span
trim(const char *p, size_t n)
{
    while (n > 0 && is_space(p[0])) {
        p++;
        n--;
    }
    while (n > 0 && is_space(p[n - 1])) {
        n--;
    }
    return (struct span){p, n};
}

static bool
span_is(struct span s, const char *word)
{
    size_t n = strlen(word);
    return s.n == n && memcmp(s.p, word, n) == 0;
}

/* Copy s into out for quoting in an error sentence: at most SP_QUOTE_MAX
 * bytes (then "..."), control bytes shown as '?' so the sentence stays one
 * printable line in the log. */
static void
quote(char *out, size_t outlen, struct span s)
{
    size_t n = s.n > SP_QUOTE_MAX ? SP_QUOTE_MAX : s.n;
    size_t k = 0;

    for (size_t i = 0; i < n && k + 1 < outlen; i++) {
        unsigned char c = (unsigned char)s.p[i];
        out[k++] = s.p[i];
        if (c < 0x20 || c == 0x7f) {
            out[k - 1] = '?';
        }
    }
    if (n < s.n) {
        for (int i = 0; i < 3 && k + 1 < outlen; i++) {
            out[k++] = '.';
        }
    }
    if (outlen > 0) {
        out[k] = '\0';
    }
}

/* Error sentences go into the caller's buffer; errlen 0 is allowed. */
static void
fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------ values */

/* A decimal count, 0..SP_NUMBER_MAX: digits only -- no sign, no spaces
 * inside, no 0x, no suffix -- so "1e6" or "-1" are errors, not surprises. */
static bool
parse_number(const char *key, struct span v, uint64_t *out, char *err,
             size_t errlen)
{
    char q[SP_QUOTE_MAX + 4];
    uint64_t x = 0;
    bool big = false;

    quote(q, sizeof(q), v);
    if (v.n == 0) {
        fail(err, errlen, "option %s: '' is not a whole number "
             "(accepted: 0 to " SP_NUMBER_MAX_STR ")", key);
        return false;
    }
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] < '0' || v.p[i] > '9') {
            fail(err, errlen, "option %s: '%s' is not a whole number "
                 "(accepted: 0 to " SP_NUMBER_MAX_STR ")", key, q);
            return false;
        }
        /* Stop accumulating once past the limit: no uint64 overflow, and
         * the rest of the digits are still checked for junk. */
        if (!big) {
            x = x * 10 + (uint64_t)(v.p[i] - '0');
            big = x > SP_NUMBER_MAX;
        }
    }
    if (big) {
        fail(err, errlen, "option %s: '%s' is too large "
             "(accepted: 0 to " SP_NUMBER_MAX_STR ")", key, q);
        return false;
    }
    *out = x;
    return true;
}

/* A path template: non-empty, fits SP_PATH_MAX with its NUL, and uses no
 * escape but %p and %%.  Unknown escapes are rejected now rather than
 * copied literally, so that adding one later (%h for the host name, say)
 * cannot change the meaning of a path that works today. */
static bool
parse_path(const char *key, struct span v, char *out, char *err,
           size_t errlen)
{
    char q[SP_QUOTE_MAX + 4];

    if (v.n == 0) {
        fail(err, errlen, "option %s: the path is empty "
             "(accepted: " SP_PATH_ACCEPTED ")", key);
        return false;
    }
    if (v.n > SP_PATH_MAX - 1) {
        fail(err, errlen, "option %s: the path is %zu bytes long "
             "(accepted: at most %d bytes)", key, v.n, SP_PATH_MAX - 1);
        return false;
    }
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] != '%') {
            continue;
        }
        if (i + 1 == v.n) {
            quote(q, sizeof(q), v);
            fail(err, errlen, "option %s: '%s' ends with a lone '%%' "
                 "(accepted: " SP_PATH_ACCEPTED ")", key, q);
            return false;
        }
        if (v.p[i + 1] != 'p' && v.p[i + 1] != '%') {
            char esc = v.p[i + 1];
            quote(q, sizeof(q), v);
            fail(err, errlen, "option %s: '%%%c' in '%s' is not a known "
                 "escape (accepted: " SP_PATH_ACCEPTED ")", key,
                 (esc < 0x20 || esc == 0x7f) ? '?' : esc, q);
            return false;
        }
        i++;
    }
    memcpy(out, v.p, v.n);
    out[v.n] = '\0';
    return true;
}

/* ------------------------------------------------------------ options */

static bool
set_output(struct sp_config *cfg, struct span v, char *err, size_t errlen)
{
    return parse_path("output", v, cfg->output, err, errlen);
}

static bool
set_text(struct sp_config *cfg, struct span v, char *err, size_t errlen)
{
    if (span_is(v, "stderr")) {
        cfg->text_mode = SP_TEXT_STDERR;
        cfg->text_path[0] = '\0';
        return true;
    }
    if (span_is(v, "none")) {
        cfg->text_mode = SP_TEXT_NONE;
        cfg->text_path[0] = '\0';
        return true;
    }
    if (v.n == 0) {
        fail(err, errlen, "option text: '' is not accepted "
             "(accepted: stderr, none, or " SP_PATH_ACCEPTED ")");
        return false;
    }
    if (!parse_path("text", v, cfg->text_path, err, errlen)) {
        return false;
    }
    cfg->text_mode = SP_TEXT_FILE;
    return true;
}

static bool
set_min_instances(struct sp_config *cfg, struct span v, char *err,
                  size_t errlen)
{
    return parse_number("min_instances", v, &cfg->min_instances, err,
                        errlen);
}

static bool
set_top(struct sp_config *cfg, struct span v, char *err, size_t errlen)
{
    return parse_number("top", v, &cfg->top, err, errlen);
}

/* Every accepted key.  The "accepted:" list in the unknown-key sentence
 * is built from this table, so it cannot go stale. */
static const struct {
    const char *key;
    bool (*set)(struct sp_config *cfg, struct span v, char *err,
                size_t errlen);
} options[] = {
    {"output", set_output},
    {"text", set_text},
    {"min_instances", set_min_instances},
    {"top", set_top},
};

static void
fail_unknown(struct span key, char *err, size_t errlen)
{
    char q[SP_QUOTE_MAX + 4];
    char list[256];
    size_t k = 0;

    list[0] = '\0';
    for (size_t i = 0; i < SP_ARRAY_LEN(options); i++) {
        int w = snprintf(list + k, sizeof(list) - k, "%s%s",
                         i ? ", " : "", options[i].key);
        if (w < 0 || (size_t)w >= sizeof(list) - k) {
            break;
        }
        k += (size_t)w;
    }
    quote(q, sizeof(q), key);
    fail(err, errlen, "unknown option '%s' in SLOTPROF_OPTIONS "
         "(accepted: %s)", q, list);
}

/* One "key=value" item, already trimmed and non-empty. */
static bool
apply_item(struct sp_config *cfg, struct span item, char *err,
           size_t errlen)
{
    const char *eq = memchr(item.p, '=', item.n);
    struct span key = trim(item.p, eq ? (size_t)(eq - item.p) : item.n);

    for (size_t i = 0; i < SP_ARRAY_LEN(options); i++) {
        if (!span_is(key, options[i].key)) {
            continue;
        }
        if (eq == NULL) {
            fail(err, errlen, "option %s has no value "
                 "(write %s=VALUE in SLOTPROF_OPTIONS)", options[i].key,
                 options[i].key);
            return false;
        }
        struct span v = trim(eq + 1, item.n - (size_t)(eq + 1 - item.p));
        return options[i].set(cfg, v, err, errlen);
    }
    fail_unknown(key, err, errlen);
    return false;
}

/* On failure *cfg is left as it was: the caller either runs with what it
 * had or not at all, never with half of a bad option string.  The parse
 * works on a copy for that reason (two 4 KiB paths on the constructor's
 * stack, once). */
bool
sp_config_parse(const char *s, struct sp_config *cfg, char *err,
                size_t errlen)
{
    struct sp_config tmp;

    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    sp_config_defaults(&tmp);
    if (s != NULL) {
        const char *p = s;
        for (;;) {
            const char *comma = strchr(p, ',');
            size_t n = comma ? (size_t)(comma - p) : strlen(p);
            struct span item = trim(p, n);
            if (item.n > 0 && !apply_item(&tmp, item, err, errlen)) {
                return false;
            }
            if (comma == NULL) {
                break;
            }
            p = comma + 1;
        }
    }
    *cfg = tmp;
    return true;
}

bool
sp_config_expand_path(const char *tmpl, int pid, char *out, size_t outlen)
{
    size_t k = 0;

    if (outlen == 0) {
        return false;
    }
    for (const char *p = tmpl; *p != '\0'; p++) {
        char num[24];
        const char *piece = p;
        size_t n = 1;

        if (*p == '%') {
            if (p[1] == 'p') {
                int w = snprintf(num, sizeof(num), "%d", pid);
                if (w < 0) {
                    return false;
                }
                piece = num;
                n = (size_t)w;
            }
            else if (p[1] != '%') {
                /* sp_config_parse rejects these; a template from
                 * elsewhere gets the same rule. */
                return false;
            }
            p++;
        }
        if (n >= outlen - k) {
            return false;
        }
        memcpy(out + k, piece, n);
        k += n;
    }
    out[k] = '\0';
    return true;
}
