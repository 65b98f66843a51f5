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
 * Syntax: "key=value,key=value"; a flag (dormant) may stand alone.  Whitespace around keys and values is
 * dropped, empty items are ignored, a repeated key overrides the earlier
 * one.  A value cannot contain a comma; paths with commas are not
 * supported.  The options are a table (options[] below): an option that a
 * later version adds is one row there, and every key not in the table is
 * an error today, so a typo never silently does nothing.
 */
#include "internal.h"

#include <stdarg.h>             /* va_list */
#include <stdio.h>              /* snprintf, vsnprintf */
#include <signal.h>             /* SIGUSR1, SIGRTMIN ... */
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
#define SP_PATH_ACCEPTED "a file path, where %%p is the pid, %%s the " \
    "session, %%n the snapshot number and %%%% a %%"

void
sp_config_defaults(struct sp_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));   /* output = text_path = "" */
    cfg->text_mode = SP_TEXT_STDERR;
    cfg->min_instances = SP_DEFAULT_MIN_INSTANCES;
    cfg->top = SP_DEFAULT_TOP;
    cfg->allocs = true;
    cfg->sample_every = SP_DEFAULT_SAMPLE_EVERY;
    cfg->max_depth = SP_DEFAULT_MAX_DEPTH;
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

/* A DURATION: a decimal number (digits, at most one '.', at most six
 * decimals) and a unit: us, ms, s, m, h; no unit means seconds.  In
 * whole microseconds, within [lo_us, SP_DURATION_MAX_US]. */
static bool
parse_duration(const char *key, struct span v, uint64_t lo_us,
               uint64_t *out, char *err, size_t errlen)
{
    static const struct {
        const char *unit;
        uint64_t us;
    } units[] = {{"us", 1}, {"ms", 1000}, {"s", 1000000},
                 {"m", 60000000}, {"h", 3600000000u}, {"", 1000000}};
    char q[SP_QUOTE_MAX + 4];
    size_t n = 0;
    uint64_t whole = 0, frac = 0, scale = 1;
    int ndigits = 0, nfrac = 0;
    bool dot = false;

    quote(q, sizeof(q), v);
    while (n < v.n && ((v.p[n] >= '0' && v.p[n] <= '9')
                       || (v.p[n] == '.' && !dot))) {
        if (v.p[n] == '.') {
            dot = true;
        }
        else if (dot) {
            if (++nfrac > 6) {
                goto bad;
            }
            frac = frac * 10 + (uint64_t)(v.p[n] - '0');
            scale *= 10;
            ndigits++;
        }
        else {
            if (whole > SP_DURATION_MAX_US) {
                goto range;     /* keep going would overflow */
            }
            whole = whole * 10 + (uint64_t)(v.p[n] - '0');
            ndigits++;
        }
        n++;
    }
    if (ndigits == 0) {
        goto bad;
    }
    struct span unit = {v.p + n, v.n - n};
    for (size_t i = 0; i < SP_ARRAY_LEN(units); i++) {
        if (!span_is(unit, units[i].unit)) {
            continue;
        }
        /* whole <= 8.64e10 and us <= 3.6e9: the product needs a check
         * before it is formed. */
        if (whole > SP_DURATION_MAX_US / units[i].us) {
            goto range;
        }
        uint64_t us = whole * units[i].us + frac * units[i].us / scale;
        if (us < lo_us || us > SP_DURATION_MAX_US) {
            goto range;
        }
        *out = us;
        return true;
    }
bad:
    fail(err, errlen, "option %s: '%s' is not a duration (accepted: a "
         "number and a unit, us, ms, s, m or h, e.g. 500ms or 1.5s)",
         key, q);
    return false;
range:
    fail(err, errlen, "option %s: '%s' is out of range (accepted: %s to "
         "24h)", key, q, lo_us >= 1000 ? "10ms" : "1us");
    return false;
}

/* A signal to take snapshots on: USR1, USR2, HUP, WINCH or RTMIN+N, with
 * or without "SIG", any case.  Not the ones whose default action the
 * program or the runtime relies on (INT, TERM, CHLD, PIPE, ...), nor
 * those that mean a fault. */
static bool
parse_signal(struct span v, struct sp_config *cfg, char *err,
             size_t errlen)
{
    static const struct {
        const char *name;
        int sig;
    } sigs[] = {{"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"HUP", SIGHUP},
                {"WINCH", SIGWINCH}};
    char q[SP_QUOTE_MAX + 4];
    char up[16];
    struct span s = v;

    quote(q, sizeof(q), v);
    if (s.n > 3 && (s.p[0] | 0x20) == 's' && (s.p[1] | 0x20) == 'i'
        && (s.p[2] | 0x20) == 'g') {
        s.p += 3;
        s.n -= 3;
    }
    if (s.n == 0 || s.n >= sizeof(up)) {
        goto bad;
    }
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        up[i] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
    }
    up[s.n] = '\0';
    for (size_t i = 0; i < SP_ARRAY_LEN(sigs); i++) {
        if (strcmp(up, sigs[i].name) == 0) {
            cfg->signal = sigs[i].sig;
            snprintf(cfg->signal_name, sizeof(cfg->signal_name), "SIG%s",
                     sigs[i].name);
            return true;
        }
    }
    if (strncmp(up, "RTMIN", 5) == 0) {
        int k = 0;
        if (up[5] == '+' && up[6] >= '0' && up[6] <= '9'
            && (up[7] == '\0' || (up[7] >= '0' && up[7] <= '9'
                                  && up[8] == '\0'))) {
            k = up[6] - '0';
            if (up[7] != '\0') {
                k = k * 10 + (up[7] - '0');
            }
        }
        else if (up[5] != '\0') {
            goto bad;
        }
        if (SIGRTMIN + k > SIGRTMAX) {
            goto bad;
        }
        cfg->signal = SIGRTMIN + k;
        snprintf(cfg->signal_name, sizeof(cfg->signal_name),
                 k ? "SIGRTMIN+%d" : "SIGRTMIN", k);
        return true;
    }
bad:
    fail(err, errlen, "option signal: '%s' is not a signal slotprof can "
         "use (accepted: USR1, USR2, HUP, WINCH or RTMIN+N, with or "
         "without SIG)", q);
    return false;
}

/* A path template: non-empty, fits SP_PATH_MAX with its NUL, and uses no
 * escape but %p, %s, %n and %%.  Unknown escapes are rejected now rather than
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
        if (strchr("psn%", v.p[i + 1]) == NULL || v.p[i + 1] == '\0') {
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

/* mine=PATH[:PATH...]: directories (or files) whose classes count as
 * the user's own, in addition to the program's own code (classinfo.c).
 * Taken literally: no % escapes, no empty component. */
static bool
set_mine(struct sp_config *cfg, struct span v, char *err, size_t errlen)
{
    if (v.n == 0) {
        fail(err, errlen, "option mine: no path given (accepted: one or "
             "more paths separated by ':')");
        return false;
    }
    if (v.n > SP_PATH_MAX - 1) {
        fail(err, errlen, "option mine: the paths are %zu bytes long "
             "(accepted: at most %d bytes)", v.n, SP_PATH_MAX - 1);
        return false;
    }
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] == ':' && (i == 0 || i + 1 == v.n || v.p[i + 1] == ':')) {
            fail(err, errlen, "option mine: an empty path between ':' "
                 "(accepted: one or more paths separated by ':')");
            return false;
        }
    }
    memcpy(cfg->mine, v.p, v.n);
    cfg->mine[v.n] = '\0';
    return true;
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

static bool
set_interval(struct sp_config *cfg, struct span v, char *err, size_t errlen)
{
    return parse_duration("interval", v, SP_INTERVAL_MIN_US,
                          &cfg->interval_us, err, errlen);
}

static bool
set_max_pause(struct sp_config *cfg, struct span v, char *err,
              size_t errlen)
{
    return parse_duration("max_pause", v, 1, &cfg->max_pause_us, err,
                          errlen);
}

static bool
set_signal(struct sp_config *cfg, struct span v, char *err, size_t errlen)
{
    return parse_signal(v, cfg, err, errlen);
}

/* A flag: alone ("dormant": v.p is NULL) or with a boolean word.
 * "dormant=" with nothing after it is a mistake, not a yes. */
static bool
parse_flag(const char *key, struct span v, bool *out, char *err,
           size_t errlen)
{
    static const char *const yes[] = {"1", "yes", "true", "on"};
    static const char *const no[] = {"0", "no", "false", "off"};
    char q[SP_QUOTE_MAX + 4];

    if (v.p == NULL) {
        *out = true;
        return true;
    }
    for (size_t i = 0; i < SP_ARRAY_LEN(yes); i++) {
        if (span_is(v, yes[i])) {
            *out = true;
            return true;
        }
    }
    for (size_t i = 0; i < SP_ARRAY_LEN(no); i++) {
        if (span_is(v, no[i])) {
            *out = false;
            return true;
        }
    }
    quote(q, sizeof(q), v);
    fail(err, errlen, "option %s: '%s' is not accepted (accepted: "
         "%s alone, or %s=yes/no/1/0/true/false/on/off)", key, q, key, key);
    return false;
}

static bool
set_dormant(struct sp_config *cfg, struct span v, char *err, size_t errlen)
{
    return parse_flag("dormant", v, &cfg->dormant, err, errlen);
}

static bool
set_allocs(struct sp_config *cfg, struct span v, char *err, size_t errlen)
{
    return parse_flag("allocs", v, &cfg->allocs, err, errlen);
}

static bool
set_native(struct sp_config *cfg, struct span v, char *err, size_t errlen)
{
    return parse_flag("native", v, &cfg->native, err, errlen);
}

static bool
set_sample_every(struct sp_config *cfg, struct span v, char *err,
                 size_t errlen)
{
    return parse_number("sample_every", v, &cfg->sample_every, err, errlen);
}

static bool
set_max_depth(struct sp_config *cfg, struct span v, char *err,
              size_t errlen)
{
    char q[SP_QUOTE_MAX + 4];
    uint64_t d;

    if (!parse_number("max_depth", v, &d, err, errlen)) {
        return false;
    }
    if (d < 1 || d > SP_MAX_DEPTH_MAX) {
        quote(q, sizeof(q), v);
        fail(err, errlen, "option max_depth: '%s' is out of range "
             "(accepted: 1 to %u)", q, (unsigned)SP_MAX_DEPTH_MAX);
        return false;
    }
    cfg->max_depth = d;
    return true;
}

/* Every accepted key.  The "accepted:" list in the unknown-key sentence
 * is built from this table, so it cannot go stale. */
static const struct {
    const char *key;
    bool (*set)(struct sp_config *cfg, struct span v, char *err,
                size_t errlen);
    bool flag;              /* may be given without "=VALUE" */
} options[] = {
    {"output", set_output, false},
    {"text", set_text, false},
    {"min_instances", set_min_instances, false},
    {"top", set_top, false},
    {"interval", set_interval, false},
    {"signal", set_signal, false},
    {"dormant", set_dormant, true},
    {"max_pause", set_max_pause, false},
    {"allocs", set_allocs, true},
    {"sample_every", set_sample_every, false},
    {"native", set_native, true},
    {"max_depth", set_max_depth, false},
    {"mine", set_mine, false},
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
        if (eq == NULL && options[i].flag) {
            return options[i].set(cfg, (struct span){NULL, 0}, err, errlen);
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
sp_config_sampling(const struct sp_config *cfg)
{
    return cfg->interval_us != 0 || cfg->signal != 0 || cfg->dormant;
}

bool
sp_config_expand_path(const char *tmpl, const struct sp_path_vars *v,
                      char *out, size_t outlen)
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
            int w = 0;
            if (p[1] == 'p') {
                w = snprintf(num, sizeof(num), "%d", v->pid);
                piece = num;
            }
            else if (p[1] == 'n') {
                w = snprintf(num, sizeof(num), "%llu",
                             (unsigned long long)v->snapshot);
                piece = num;
            }
            else if (p[1] == 's') {
                piece = v->session != NULL ? v->session : "";
                w = (int)strlen(piece);
            }
            else if (p[1] == '%') {
                w = 1;
            }
            else {
                /* sp_config_parse rejects these; a template from
                 * elsewhere gets the same rule. */
                return false;
            }
            if (w < 0) {
                return false;
            }
            n = (size_t)w;
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
