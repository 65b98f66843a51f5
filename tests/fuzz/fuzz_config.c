/*
 * fuzz_config.c -- libFuzzer target for the option parser and the path
 * expansion (profiler/config.c: sp_config_parse, sp_config_expand_path).
 *
 * Both run in the library constructor of every profiled process on a
 * string the user typed, so they must not crash on any input, and more:
 * what they accept must be what docs/sampling.md and the README promise.
 * Each input is checked against these invariants, any violation aborts
 * (a finding, with the input saved by libFuzzer):
 *
 *   parse   - deterministic: a second parse gives the same fields;
 *           - the verdict does not depend on the error buffer (NULL, 0
 *             bytes, a short one, a long one), and a short buffer gets a
 *             NUL-terminated prefix of the whole sentence, never a byte
 *             past its end (the buffers are exactly sized heap blocks:
 *             ASan sees a one-byte overrun);
 *           - on failure the configuration is untouched (byte for byte)
 *             and the sentence is one printable line that fits the
 *             library's 512-byte buffer (bootstrap.c);
 *           - on success the error buffer is "" and every field is in its
 *             documented range: counts <= 10^12, interval 0 or 10ms..24h,
 *             max_pause 0 or 1us..24h, a signal slotprof accepts with its
 *             canonical name, paths NUL-terminated, trimmed, non-empty
 *             when set, with no escape but %p %s %n %%;
 *           - the result round-trips: printed back as an option string
 *             and parsed again it gives the same configuration;
 *           - an accepted path expands (sp_config_expand_path succeeds
 *             given room for the result).
 *   expand  - the result equals an independent reference expansion, the
 *             call succeeds exactly when the template is valid and the
 *             result fits outlen with its NUL, and nothing is written
 *             past outlen (exactly sized heap block again).
 *
 * Input format: the option string, up to the first NUL byte, so a corpus
 * file is a plain SLOTPROF_OPTIONS value (corpus/config/).  Bytes after a
 * NUL, if any, choose the expansion's variables: outlen (1 byte, 0 means
 * SP_PATH_MAX), pid (4 bytes), snapshot (8 bytes), then the session id up
 * to the next NUL (absent: NULL).  The option string is also expanded as
 * a template.
 *
 * Built by mk/sanitize.mk (make fuzz, make fuzz-quick) with clang
 * -fsanitize=fuzzer,address,undefined against profiler/config.c alone:
 * config.c allocates nothing and logs nothing.
 */
#include "internal.h"

#include <signal.h>             /* SIGUSR1, SIGRTMIN, SIGRTMAX ... */
#include <stdint.h>             /* uint8_t, uint64_t */
#include <stdio.h>              /* fprintf, snprintf */
#include <stdlib.h>             /* abort, malloc, free */
#include <string.h>             /* memcmp, memcpy, memset, strlen ... */

/* bootstrap.c's buffer for the error sentence. */
#define LIBRARY_ERRLEN 512
/* Room for any sentence config.c can write (asserted below). */
#define FULL_ERRLEN 4096
#define COUNT_MAX 1000000000000ull
#define HOUR_US 3600000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A violated invariant: say which, with the input as a C string, and
 * abort so libFuzzer saves the input. */
static void
violation(const char *input, const char *what)
    __attribute__((noreturn));

static void
violation(const char *input, const char *what)
{
    fprintf(stderr, "fuzz_config: invariant violated: %s\n  input: \"",
            what);
    for (const unsigned char *p = (const unsigned char *)input; *p; p++) {
        if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\') {
            fprintf(stderr, "\\x%02x", *p);
        }
        else {
            fputc(*p, stderr);
        }
    }
    fprintf(stderr, "\"\n");
    abort();
}

#define REQUIRE(input, cond) \
    do { \
        if (!(cond)) { \
            violation((input), #cond); \
        } \
    } while (0)

/* A heap copy of exactly n bytes: ASan reports any access past it. */
static void *
exact_block(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        abort();
    }
    return p;
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'
           || c == '\f';
}

/* NUL-terminated within n bytes. */
static bool
terminated(const char *s, size_t n)
{
    return memchr(s, '\0', n) != NULL;
}

/* A path field: "" (unset), or trimmed, comma-free, and only the escapes
 * the documentation lists, none dangling. */
static bool
path_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0) {
        return true;
    }
    if (is_space(s[0]) || is_space(s[n - 1]) || strchr(s, ',') != NULL) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (strchr("psn%", s[i + 1]) == NULL || s[i + 1] == '\0') {
                return false;
            }
            i++;
        }
    }
    return true;
}

/* The signal and its name: the four named ones or SIGRTMIN[+N]. */
static bool
signal_ok(const struct sp_config *c)
{
    static const struct {
        int sig;
        const char *name;
    } named[] = {{SIGUSR1, "SIGUSR1"}, {SIGUSR2, "SIGUSR2"},
                 {SIGHUP, "SIGHUP"}, {SIGWINCH, "SIGWINCH"}};
    char want[32];

    if (!terminated(c->signal_name, sizeof(c->signal_name))) {
        return false;
    }
    if (c->signal == 0) {
        return c->signal_name[0] == '\0';
    }
    for (size_t i = 0; i < SP_ARRAY_LEN(named); i++) {
        if (c->signal == named[i].sig) {
            return strcmp(c->signal_name, named[i].name) == 0;
        }
    }
    if (c->signal < SIGRTMIN || c->signal > SIGRTMAX) {
        return false;
    }
    if (c->signal == SIGRTMIN) {
        snprintf(want, sizeof(want), "SIGRTMIN");
    }
    else {
        snprintf(want, sizeof(want), "SIGRTMIN+%d", c->signal - SIGRTMIN);
    }
    return strcmp(c->signal_name, want) == 0;
}

static void
check_ranges(const char *in, const struct sp_config *c)
{
    unsigned char dormant;

    REQUIRE(in, terminated(c->output, sizeof(c->output)));
    REQUIRE(in, terminated(c->text_path, sizeof(c->text_path)));
    REQUIRE(in, path_ok(c->output));
    REQUIRE(in, path_ok(c->text_path));
    REQUIRE(in, c->text_mode == SP_TEXT_STDERR || c->text_mode == SP_TEXT_NONE
                || c->text_mode == SP_TEXT_FILE);
    REQUIRE(in, (c->text_mode == SP_TEXT_FILE) == (c->text_path[0] != 0));
    REQUIRE(in, c->min_instances <= COUNT_MAX);
    REQUIRE(in, c->top <= COUNT_MAX);
    REQUIRE(in, c->interval_us == 0 || (c->interval_us >= 10000
                                        && c->interval_us <= 24 * HOUR_US));
    REQUIRE(in, c->max_pause_us <= 24 * HOUR_US);
    REQUIRE(in, signal_ok(c));
    memcpy(&dormant, &c->dormant, 1);
    REQUIRE(in, dormant == 0 || dormant == 1);
}

/* Field by field: struct padding is not part of the result. */
static bool
same_config(const struct sp_config *a, const struct sp_config *b)
{
    return strcmp(a->output, b->output) == 0
           && a->text_mode == b->text_mode
           && strcmp(a->text_path, b->text_path) == 0
           && a->min_instances == b->min_instances && a->top == b->top
           && a->interval_us == b->interval_us && a->signal == b->signal
           && strcmp(a->signal_name, b->signal_name) == 0
           && a->dormant == b->dormant
           && a->max_pause_us == b->max_pause_us
           && strcmp(a->mine, b->mine) == 0;
}

/* The configuration as an option string that must parse back to it. */
static size_t
print_config(const struct sp_config *c, char *out, size_t outlen)
{
    int n = snprintf(out, outlen,
                     "min_instances=%llu,top=%llu,dormant=%s",
                     (unsigned long long)c->min_instances,
                     (unsigned long long)c->top, c->dormant ? "on" : "off");
    size_t k = (size_t)n;

#define APPEND(...) \
    do { \
        n = snprintf(out + k, outlen - k, __VA_ARGS__); \
        k += (size_t)n; \
    } while (0)
    if (c->output[0]) {
        APPEND(",output=%s", c->output);
    }
    if (c->text_mode == SP_TEXT_FILE) {
        APPEND(", text = %s ", c->text_path);
    }
    else {
        APPEND(",text=%s", c->text_mode == SP_TEXT_NONE ? "none" : "stderr");
    }
    if (c->interval_us) {
        APPEND(",interval=%lluus", (unsigned long long)c->interval_us);
    }
    if (c->max_pause_us) {
        APPEND(",max_pause=%llu.%06llus",
               (unsigned long long)(c->max_pause_us / 1000000),
               (unsigned long long)(c->max_pause_us % 1000000));
    }
    if (c->signal) {
        APPEND(",signal=%s", c->signal_name);
    }
    if (c->mine[0]) {
        APPEND(",mine=%s", c->mine);
    }
#undef APPEND
    return k;
}

/* ------------------------------------------------------------ expand */

/* The documented expansion, written independently of config.c: the
 * whole result into a buffer big enough for any template of n bytes (a
 * %s session is at most `cap` bytes here).  False for an unknown or
 * dangling escape. */
static bool
reference_expand(const char *t, const struct sp_path_vars *v, char *out,
                 size_t *len)
{
    size_t k = 0;

    for (size_t i = 0; t[i] != '\0'; i++) {
        if (t[i] != '%') {
            out[k++] = t[i];
            continue;
        }
        switch (t[i + 1]) {
        case 'p':
            k += (size_t)sprintf(out + k, "%d", v->pid);
            break;
        case 'n':
            k += (size_t)sprintf(out + k, "%llu",
                                 (unsigned long long)v->snapshot);
            break;
        case 's':
            if (v->session != NULL) {
                size_t n = strlen(v->session);
                memcpy(out + k, v->session, n);
                k += n;
            }
            break;
        case '%':
            out[k++] = '%';
            break;
        default:
            return false;
        }
        i++;
    }
    out[k] = '\0';
    *len = k;
    return true;
}

/* Room for the reference result of template t with session s: each
 * '%' starts an escape of at most 20 digits or strlen(s) bytes. */
static size_t
reference_room(const char *t, const char *s)
{
    size_t per = 20 + (s ? strlen(s) : 0), room = strlen(t) + 1;

    for (const char *p = strchr(t, '%'); p != NULL; p = strchr(p + 1, '%')) {
        room += per;
    }
    return room;
}

static void
check_expand(const char *in, const char *tmpl, const struct sp_path_vars *v,
             size_t outlen)
{
    size_t room = reference_room(tmpl, v->session);
    char *want = exact_block(room);
    size_t wantlen = 0;
    bool valid = reference_expand(tmpl, v, want, &wantlen);
    char *out = exact_block(outlen);
    bool ok;

    memset(out, 0xa5, outlen);
    ok = sp_config_expand_path(tmpl, v, out, outlen);
    REQUIRE(in, ok == (valid && wantlen < outlen));
    if (ok) {
        REQUIRE(in, strcmp(out, want) == 0);
    }
    free(out);
    /* With exactly enough room a valid template always expands. */
    if (valid) {
        out = exact_block(wantlen + 1);
        REQUIRE(in, sp_config_expand_path(tmpl, v, out, wantlen + 1));
        REQUIRE(in, memcmp(out, want, wantlen + 1) == 0);
        free(out);
    }
    free(want);
}

/* ------------------------------------------------------------ parse */

static void
check_parse(const char *in, const struct sp_path_vars *v)
{
    static struct sp_config first, again, untouched, round;
    static char full[FULL_ERRLEN], printed[4 * SP_PATH_MAX];
    bool ok;

    /* Failure leaves *cfg exactly as it was: fill it with a pattern. */
    memset(&first, 0x5a, sizeof(first));
    memcpy(&untouched, &first, sizeof(first));
    memset(full, 'x', sizeof(full));
    ok = sp_config_parse(in, &first, full, sizeof(full));
    REQUIRE(in, terminated(full, sizeof(full)));

    if (!ok) {
        size_t n = strlen(full);
        REQUIRE(in, memcmp(&first, &untouched, sizeof(first)) == 0);
        REQUIRE(in, n > 0);
        REQUIRE(in, n < LIBRARY_ERRLEN);
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)full[i];
            REQUIRE(in, c >= 0x20 && c != 0x7f);
        }
    }
    else {
        REQUIRE(in, full[0] == '\0');
        check_ranges(in, &first);
    }

    /* The same verdict and the same result whatever the error buffer;
     * a short buffer holds a prefix of the sentence. */
    for (size_t errlen = 0; errlen <= 80; errlen += 7) {
        char *err = errlen ? exact_block(errlen) : NULL;
        memset(&again, 0, sizeof(again));
        REQUIRE(in, sp_config_parse(in, &again, err, errlen) == ok);
        if (ok) {
            REQUIRE(in, same_config(&first, &again));
        }
        if (err != NULL) {
            REQUIRE(in, terminated(err, errlen));
            REQUIRE(in, ok ? err[0] == '\0' : true);
            REQUIRE(in, strncmp(err, full, strlen(err)) == 0);
            REQUIRE(in, strlen(err) == (strlen(full) < errlen
                                        ? strlen(full) : errlen - 1));
        }
        free(err);
    }
    if (!ok) {
        return;
    }

    /* Round trip. */
    size_t n = print_config(&first, printed, sizeof(printed));
    REQUIRE(in, n < sizeof(printed));
    memset(&round, 0, sizeof(round));
    REQUIRE(in, sp_config_parse(printed, &round, full, sizeof(full)));
    REQUIRE(in, same_config(&first, &round));

    /* Accepted paths expand. */
    if (first.output[0]) {
        check_expand(in, first.output, v, SP_PATH_MAX);
    }
    if (first.text_path[0]) {
        check_expand(in, first.text_path, v, SP_PATH_MAX);
    }
}

/* ------------------------------------------------------------ entry */

static uint64_t
take(const uint8_t **p, const uint8_t *end, size_t n, uint64_t dflt)
{
    uint64_t x = 0;

    if ((size_t)(end - *p) < n) {
        *p = end;
        return dflt;
    }
    for (size_t i = 0; i < n; i++) {
        x |= (uint64_t)(*p)[i] << (8 * i);
    }
    *p += n;
    return x;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t n = nul ? (size_t)(nul - data) : size;
    char *in = exact_block(n + 1);
    char *session = NULL;
    struct sp_path_vars v = {4242, "20260101T000000-4242", 1};
    size_t outlen = SP_PATH_MAX;

    memcpy(in, data, n);
    in[n] = '\0';
    if (nul != NULL) {
        const uint8_t *p = nul + 1, *end = data + size;
        outlen = (size_t)take(&p, end, 1, 0);
        if (outlen == 0) {
            outlen = SP_PATH_MAX;
        }
        v.pid = (int)(uint32_t)take(&p, end, 4, (uint64_t)v.pid);
        v.snapshot = take(&p, end, 8, v.snapshot);
        if (p < end) {
            const uint8_t *q = memchr(p, 0, (size_t)(end - p));
            size_t sn = q ? (size_t)(q - p) : (size_t)(end - p);
            session = exact_block(sn + 1);
            memcpy(session, p, sn);
            session[sn] = '\0';
            v.session = session;
        }
        else {
            v.session = NULL;
        }
    }

    check_parse(in, &v);
    check_expand(in, in, &v, outlen);
    free(session);
    free(in);
    return 0;
}
