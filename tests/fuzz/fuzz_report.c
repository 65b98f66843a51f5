/*
 * fuzz_report.c -- libFuzzer target for the report loader of the
 * `slotprof` command (tools/load*.c: sp_report_load_mem, on jansson).
 *
 * The command reads reports that a truncated write, a hand edit or
 * another tool may have broken, so the loader must not crash, leak or
 * half-read on any input; and a report it accepts must render and load
 * again to the same bytes.  Each input is checked against these
 * invariants, any violation aborts (a finding, with the input saved by
 * libFuzzer):
 *
 *   - the verdict does not depend on the error buffer (none, 1 byte, a
 *     short one, a long one: exactly sized heap blocks, so ASan sees a
 *     one-byte overrun), and a short buffer gets a NUL-terminated prefix
 *     of the whole sentence;
 *   - on failure the sentence is one printable line beginning with the
 *     input's name and ": " (cli.h), and a second load gives the same;
 *   - on success the error buffer is "", the report renders as JSON and
 *     as text (the library's writers), the JSON loads again, and renders
 *     again to the same bytes: load . write is a fixpoint after one step;
 *   - everything loaded is freed (LeakSanitizer, detect_leaks=1).
 *
 * Input format: the bytes of a report, as the command would read them.
 * Seeds: corpus/report/; the format's words: report.dict.
 *
 * Built by mk/sanitize.mk with clang -fsanitize=fuzzer,address,undefined
 * against tools/load*.c and the profiler modules the tools link
 * (SLOTPROF_SYSTEM_ALLOC: libc's malloc), with -ljansson.
 */
#include "cli.h"                /* sp_report_load_mem, internal.h */

#include <stdint.h>             /* uint8_t */
#include <stdio.h>              /* fprintf */
#include <stdlib.h>             /* abort, malloc, free */
#include <string.h>             /* memcmp, strlen, strncmp */

#define NAME "fuzz.json"
#define FULL_ERRLEN 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
violation(const char *what, const char *detail)
    __attribute__((noreturn));

static void
violation(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_report: invariant violated: %s\n  %s\n", what,
            detail != NULL ? detail : "");
    abort();
}

#define REQUIRE(cond, detail) \
    do { \
        if (!(cond)) { \
            violation(#cond, (detail)); \
        } \
    } while (0)

/* A heap block of exactly n bytes: ASan reports any access past it. */
static char *
exact_block(size_t n)
{
    char *p = malloc(n ? n : 1);
    if (p == NULL) {
        abort();
    }
    return p;
}

/* One line of printable bytes (UTF-8 allowed), "NAME: ..." */
static bool
one_line(const char *s)
{
    if (strncmp(s, NAME ": ", strlen(NAME ": ")) != 0) {
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return false;
        }
    }
    return true;
}

/* Loaded with an error buffer of errlen bytes (0: none), the verdict
 * must be `ok`, and the sentence a prefix of `full`. */
static void
load_with_buffer(const char *data, size_t size, size_t errlen, bool ok,
                 const char *full)
{
    char *err = errlen ? exact_block(errlen) : NULL;
    struct sp_report *r = sp_report_load_mem(data, size, NAME, err, errlen);

    REQUIRE((r != NULL) == ok, full);
    if (errlen > 0) {
        size_t n = strlen(err);
        REQUIRE(n < errlen, full);
        REQUIRE(strncmp(err, full, n) == 0, full);
        REQUIRE(n == strlen(full) || n == errlen - 1, full);
    }
    sp_report_load_free(r);
    free(err);
}

static void
render(const struct sp_report *r, struct sp_buf *json)
{
    struct sp_buf text;

    sp_buf_init(json);
    sp_report_json(r, json);
    REQUIRE(sp_buf_ok(json), "JSON rendering failed");
    sp_buf_init(&text);
    sp_report_text(r, 0, &text);
    REQUIRE(sp_buf_ok(&text), "text rendering failed");
    sp_buf_free(&text);
}

/* write(load(x)) loads, and writes again to the same bytes. */
static void
round_trip(const struct sp_report *r)
{
    struct sp_buf once, twice;
    char err[FULL_ERRLEN];

    render(r, &once);
    struct sp_report *again = sp_report_load_mem(once.data, once.len, NAME,
                                                 err, sizeof(err));
    REQUIRE(again != NULL, err);
    render(again, &twice);
    REQUIRE(once.len == twice.len
            && memcmp(once.data, twice.data, once.len) == 0,
            "the written report reads back to other bytes");
    sp_report_load_free(again);
    sp_buf_free(&once);
    sp_buf_free(&twice);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t errlens[] = {0, 1, 17, 96};
    const char *in = (const char *)data;
    char full[FULL_ERRLEN], again[FULL_ERRLEN];

    struct sp_report *r = sp_report_load_mem(in, size, NAME, full,
                                             sizeof(full));
    bool ok = r != NULL;

    REQUIRE(strlen(full) < sizeof(full) - 1, full);
    if (!ok) {
        REQUIRE(one_line(full), full);
        REQUIRE(sp_report_load_mem(in, size, NAME, again, sizeof(again))
                == NULL, full);
        REQUIRE(strcmp(full, again) == 0, again);
    }
    else {
        REQUIRE(full[0] == '\0', full);
        round_trip(r);
        sp_report_load_free(r);
    }
    for (size_t i = 0; i < SP_ARRAY_LEN(errlens); i++) {
        load_with_buffer(in, size, errlens[i], ok, full);
    }
    return 0;
}
