/*
 * diff.c -- `slotprof diff BEFORE AFTER`: what changed between two
 * reports, class by class, and was the prediction right.
 *
 * The usual pair is one program before and after adding the __slots__
 * a report recommended.  A class that still has a __dict__ is in the
 * report's classes[] (its bytes are bytes_now); once slotted it moves to
 * slotted_classes[] (its bytes are `bytes`), so each side of a row says
 * which list it came from ("dict" or "slots").  Next to the measured
 * change stands what BEFORE predicted for the class (minus its
 * savings_bytes): the library's figures are exact per-object
 * arithmetic, so for the same instances the two agree to the byte.
 *
 * A class is identified by (module, qualname) here: rows of the same
 * name (a class defined in a function called twice) are summed, as a
 * user sees one class in the code.
 *
 * Owns the diff's text and JSON forms (slotprof(1) documents both);
 * reads reports only through load.c.
 */
#include "cli.h"

#include <inttypes.h>           /* PRIu64, PRId64 */
#include <stdio.h>              /* printf, fprintf */
#include <stdlib.h>             /* qsort, strtoull */
#include <string.h>             /* strcmp, strlen */

#define DIFF_USAGE \
    "usage: slotprof diff BEFORE.json AFTER.json " \
    "[--census peak|shown]\n" \
    "                     [--fail-if-worse[=BYTES]] [--format text|json] " \
    "[-o OUT]\n"

/* One side of a row. */
struct side {
    bool present;
    bool dict;              /* from classes[] (else slotted_classes[]) */
    uint64_t instances;
    uint64_t bytes;
};

struct row {
    const char *module;     /* borrowed from a report */
    const char *qualname;
    struct side before, after;
    bool predicted;         /* BEFORE had the class in classes[] */
    int64_t savings;        /* BEFORE's savings_bytes, summed */
    int64_t change;         /* after.bytes - before.bytes */
};

struct rows {
    struct row *v;
    size_t n, cap;
    struct sp_strmap index;     /* (module, qualname) key -> row */
    char **keys;                /* owned keys of index, one per row */
};

struct totals {
    uint64_t instances_before, instances_after;
    uint64_t bytes_before, bytes_after;
    int64_t change;
    int64_t predicted_change;   /* over rows that went dict -> slots */
    size_t now_slotted;         /* those rows */
};

static int64_t
sub_u64(uint64_t a, uint64_t b)
{
    return a >= b ? (int64_t)(a - b) : -(int64_t)(b - a);
}

static const char *
nz(const char *s)
{
    return s != NULL ? s : "";
}

/* "LEN:module" "LEN:qualname": unambiguous whatever the names hold. */
static char *
row_key(const char *module, const char *qualname)
{
    size_t lm = strlen(module), lq = strlen(qualname);
    size_t n = lm + lq + 48;
    char *k = malloc(n);

    if (k != NULL) {
        snprintf(k, n, "%zu:%s%zu:%s", lm, module, lq, qualname);
    }
    return k;
}

static struct row *
row_get(struct rows *rs, const char *module, const char *qualname)
{
    int64_t at;
    char *k;

    module = nz(module);
    qualname = nz(qualname);
    if ((k = row_key(module, qualname)) == NULL) {
        return NULL;
    }
    if (sp_strmap_get(&rs->index, 0, k, &at)) {
        free(k);
        return &rs->v[at];
    }
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 64;
        struct row *v = realloc(rs->v, cap * sizeof(*v));
        char **keys = realloc(rs->keys, cap * sizeof(*keys));
        if (v != NULL) {
            rs->v = v;
        }
        if (keys != NULL) {
            rs->keys = keys;
        }
        if (v == NULL || keys == NULL) {
            free(k);
            return NULL;
        }
        rs->cap = cap;
    }
    if (sp_strmap_put(&rs->index, 0, k, (int64_t)rs->n) < 0) {
        free(k);
        return NULL;
    }
    rs->keys[rs->n] = k;
    struct row *r = &rs->v[rs->n++];
    memset(r, 0, sizeof(*r));
    r->module = module;
    r->qualname = qualname;
    return r;
}

static void
rows_free(struct rows *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        free(rs->keys[i]);
    }
    free(rs->keys);
    free(rs->v);
    sp_strmap_free(&rs->index);
}

/* Fill one side of the rows from report r.  classes[] first: a class
 * with a __dict__ takes its bytes from there even if slotted_classes[]
 * names it too. */
static bool
add_side(struct rows *rs, const struct sp_report *r, bool before)
{
    for (size_t i = 0; i < r->nclasses; i++) {
        const struct sp_class *c = &r->classes[i];
        struct row *row = row_get(rs, c->module, c->qualname);
        if (row == NULL) {
            return false;
        }
        struct side *s = before ? &row->before : &row->after;
        s->present = true;
        s->dict = true;
        s->instances += c->instances;
        s->bytes += c->bytes_now;
        if (before) {
            row->predicted = true;
            row->savings += c->savings_bytes;
        }
    }
    for (size_t i = 0; i < r->nslotted; i++) {
        const struct sp_slotted_class *c = &r->slotted[i];
        struct row *row = row_get(rs, c->module, c->qualname);
        if (row == NULL) {
            return false;
        }
        struct side *s = before ? &row->before : &row->after;
        if (s->dict) {
            continue;
        }
        s->present = true;
        s->instances += c->instances;
        s->bytes += c->bytes;
    }
    return true;
}

static uint64_t
magnitude(int64_t x)
{
    return x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
}

/* Largest absolute change first, then by name (byte-wise). */
static int
cmp_row(const void *pa, const void *pb)
{
    const struct row *a = pa, *b = pb;
    uint64_t ma = magnitude(a->change), mb = magnitude(b->change);
    int c;

    if (ma != mb) {
        return ma > mb ? -1 : 1;
    }
    if ((c = strcmp(a->module, b->module)) != 0) {
        return c;
    }
    return strcmp(a->qualname, b->qualname);
}

static void
compute(struct rows *rs, struct totals *t)
{
    memset(t, 0, sizeof(*t));
    for (size_t i = 0; i < rs->n; i++) {
        struct row *r = &rs->v[i];
        r->change = sub_u64(r->after.bytes, r->before.bytes);
        t->instances_before += r->before.instances;
        t->instances_after += r->after.instances;
        t->bytes_before += r->before.bytes;
        t->bytes_after += r->after.bytes;
        if (r->predicted && r->after.present && !r->after.dict) {
            t->predicted_change -= r->savings;
            t->now_slotted++;
        }
    }
    t->change = sub_u64(t->bytes_after, t->bytes_before);
    if (rs->n > 1) {
        qsort(rs->v, rs->n, sizeof(rs->v[0]), cmp_row);
    }
}

/* ------------------------------------------------------------ text */

/* A report written while its process ran shows that moment's census;
 * an exit (or merged) report shows the peak of the run. */
static bool
is_snapshot(const struct sp_report *r)
{
    return r->session.kind != NULL && strcmp(r->session.kind, "snapshot") == 0;
}

/* Names and paths come from the program: control characters become
 * '?', as in the library's text report. */
static void
put_clean(struct sp_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char c = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
        sp_buf_append(b, &c, 1);
    }
}

static void
fmt_signed(char *out, size_t outlen, int64_t x)
{
    char digits[32];

    sp_fmt_count(digits, sizeof(digits), magnitude(x));
    snprintf(out, outlen, "%s%s", x < 0 ? "-" : x > 0 ? "+" : "", digits);
}

/* 1536 -> "1.5 KiB"; below 1 KiB "N B".  Powers of 1024, one decimal. */
static void
fmt_size(char *out, size_t outlen, uint64_t x)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    double v = (double)x;
    size_t u = 0;
    char num[24];

    if (x < 1024) {
        snprintf(out, outlen, "%" PRIu64 " B", x);
        return;
    }
    v /= 1024.0;
    while (v >= 1024.0 && u + 1 < SP_ARRAY_LEN(units)) {
        v /= 1024.0;
        u++;
    }
    if (!sp_fmt_fixed(num, sizeof(num), v, 1)) {
        snprintf(num, sizeof(num), "?");
    }
    snprintf(out, outlen, "%s %s", num, units[u]);
}

static void
fmt_signed_size(char *out, size_t outlen, int64_t x)
{
    char s[32];

    fmt_size(s, sizeof(s), magnitude(x));
    snprintf(out, outlen, "%s%s", x < 0 ? "-" : x > 0 ? "+" : "", s);
}

static void
put_report_line(struct sp_buf *b, const char *label, const char *path,
                const struct sp_report *r)
{
    char python[sizeof(r->python)];
    size_t n = strnlen(r->python, sizeof(r->python) - 1);

    memcpy(python, r->python, n);
    python[n] = '\0';
    sp_buf_puts(b, label);
    put_clean(b, path);
    sp_buf_puts(b, "  (CPython ");
    put_clean(b, python);
    sp_buf_printf(b, ", pid %d)\n", r->pid);
}

enum { NCOLS = 8, CELL = 96 };

static void
fmt_side(char *out, size_t outlen, const struct side *s)
{
    char n[32];

    if (!s->present) {
        snprintf(out, outlen, "-");
        return;
    }
    sp_fmt_count(n, sizeof(n), s->bytes);
    snprintf(out, outlen, "%s %s", n, s->dict ? "dict" : "slots");
}

/* Bytes per instance of one side, one decimal: what compares when the
 * two runs had different numbers of instances. */
static void
fmt_per(char *out, size_t outlen, const struct side *s)
{
    if (!s->present || s->instances == 0) {
        snprintf(out, outlen, "-");
        return;
    }
    sp_fmt_ratio1(out, outlen, s->bytes, s->instances);
}

/* The cells of a row but its name (cell 0 stays empty). */
static void
fill_cells(char cells[NCOLS][CELL], const struct row *r)
{
    char a[32] = "-", c[32] = "-";

    if (r->before.present) {
        sp_fmt_count(a, sizeof(a), r->before.instances);
    }
    if (r->after.present) {
        sp_fmt_count(c, sizeof(c), r->after.instances);
    }
    cells[0][0] = '\0';
    snprintf(cells[1], CELL, "%s -> %s", a, c);
    fmt_side(cells[2], CELL, &r->before);
    fmt_side(cells[3], CELL, &r->after);
    fmt_per(cells[4], CELL, &r->before);
    fmt_per(cells[5], CELL, &r->after);
    fmt_signed(cells[6], CELL, r->change);
    if (r->predicted) {
        fmt_signed(cells[7], CELL, -r->savings);
    }
    else {
        snprintf(cells[7], CELL, "-");
    }
}

/* Characters, not bytes, of UTF-8 text: what a terminal shows. */
static size_t
text_width(const char *s)
{
    size_t n = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        n += (*p & 0xc0) != 0x80;
    }
    return n;
}

/* The first column, left-aligned to width w; `shown` is what it takes. */
static void
pad(struct sp_buf *b, size_t shown, size_t w)
{
    for (size_t p = shown; p < w; p++) {
        sp_buf_puts(b, " ");
    }
}

/* Cells 1.. right-aligned (numbers), two spaces apart. */
static void
put_cells(struct sp_buf *b, char cells[NCOLS][CELL], const size_t *w)
{
    for (int k = 1; k < NCOLS; k++) {
        sp_buf_puts(b, "  ");
        pad(b, strlen(cells[k]), w[k]);
        sp_buf_puts(b, cells[k]);
    }
    sp_buf_puts(b, "\n");
}

/* A class whose instance count changed by more than 10%: the two runs
 * did different work there, and only its bytes per instance compare. */
static bool
count_differs(const struct row *r)
{
    if (!r->before.present || !r->after.present) {
        return false;
    }
    uint64_t a = r->before.instances, c = r->after.instances;
    uint64_t d = a > c ? a - c : c - a;
    return d * 10 > a;
}

/* The warnings of a diff, as lines (without the "warning: "): the
 * censuses compared are not the same kind of moment, instance counts
 * differ. */
static void
warnings(struct sp_buf *b, const struct rows *rs, const struct sp_report *ra,
         const struct sp_report *rb, bool peak)
{
    const struct sp_report *r2[2] = {ra, rb};
    const char *which[2] = {"before", "after"};
    for (int k = 0; k < 2; k++) {
        char at[32];
        if (!sp_fmt_fixed(at, sizeof(at), r2[k]->chosen.at_seconds, 1)) {
            snprintf(at, sizeof(at), "?");
        }
        if (!peak && is_snapshot(r2[k]) != is_snapshot(r2[1 - k]) && k == 0) {
            sp_buf_printf(b, "%s shows a %s census (at %s s), %s a%s: not "
                          "the same moment of the program\n", which[0],
                          is_snapshot(ra) ? "snapshot" : "peak", at,
                          which[1], is_snapshot(rb) ? " snapshot"
                                                    : "n exit (peak) one");
        }
    }
    size_t n = 0;
    for (size_t i = 0; i < rs->n; i++) {
        n += count_differs(&rs->v[i]);
    }
    if (n == 0) {
        return;
    }
    sp_buf_printf(b, "instance counts differ by more than 10%% for %zu "
                  "class%s (compare bytes per instance):", n,
                  n == 1 ? "" : "es");
    size_t shown = 0;
    for (size_t i = 0; i < rs->n && shown < 5; i++) {
        const struct row *r = &rs->v[i];
        char a[32], c[32];
        if (!count_differs(r)) {
            continue;
        }
        sp_fmt_count(a, sizeof(a), r->before.instances);
        sp_fmt_count(c, sizeof(c), r->after.instances);
        sp_buf_puts(b, shown++ ? ", " : " ");
        put_clean(b, r->qualname);
        sp_buf_printf(b, " %s -> %s", a, c);
    }
    sp_buf_puts(b, n > shown ? ", ...\n" : "\n");
}

static void
render_text(struct sp_buf *b, const struct rows *rs, const struct totals *t,
            const char *pa, const struct sp_report *ra, const char *pb,
            const struct sp_report *rb, bool peak)
{
    char x[40], y[40], z[40], h[40];

    put_report_line(b, "before: ", pa, ra);
    put_report_line(b, "after:  ", pb, rb);
    sp_buf_printf(b, "censuses compared: %s\n",
                  peak ? "the peak of each run (--census peak)"
                       : "the ones the reports show (--census shown)");

    sp_fmt_count(x, sizeof(x), t->bytes_before);
    sp_fmt_count(y, sizeof(y), t->bytes_after);
    fmt_signed(z, sizeof(z), t->change);
    fmt_signed_size(h, sizeof(h), t->change);
    sp_buf_printf(b, "all classes: %s -> %s B, change %s B (%s)\n", x, y, z,
                  h);
    fmt_signed(z, sizeof(z), t->predicted_change);
    sp_buf_printf(b, "predicted by before for the %zu class%s now slotted: "
                  "%s B\n", t->now_slotted,
                  t->now_slotted == 1 ? "" : "es", z);

    uint64_t r0 = ra->chosen.rss_bytes, r1 = rb->chosen.rss_bytes;
    if (r0 != 0) {
        sp_fmt_count(x, sizeof(x), r0);
    }
    if (r1 != 0) {
        sp_fmt_count(y, sizeof(y), r1);
    }
    sp_buf_printf(b, "RSS at census: %s%s -> %s%s", r0 ? x : "unknown",
                  r0 ? " B" : "", r1 ? y : "unknown", r1 ? " B" : "");
    if (r0 != 0 && r1 != 0) {
        fmt_signed(z, sizeof(z), sub_u64(r1, r0));
        fmt_signed_size(h, sizeof(h), sub_u64(r1, r0));
        sp_buf_printf(b, ", change %s B (%s)", z, h);
    }
    sp_buf_puts(b, "\n");

    struct sp_buf wb;
    sp_buf_init(&wb);
    warnings(&wb, rs, ra, rb, peak);
    for (const char *p = wb.data; p != NULL && p < wb.data + wb.len;) {
        const char *e = strchr(p, '\n');
        sp_buf_puts(b, "warning: ");
        sp_buf_append(b, p, (size_t)(e - p) + 1);
        p = e + 1;
    }
    sp_buf_free(&wb);

    if (rs->n == 0) {
        sp_buf_puts(b, "\nno classes in either report\n");
        return;
    }

    /* Column widths: the header or the widest cell.  The class column
     * is as wide as the longest name: a diff must name classes whole. */
    static const char *const head[NCOLS] = {
        "class", "instances", "bytes before", "bytes after",
        "B/inst before", "B/inst after", "change", "predicted"};
    size_t w[NCOLS];
    char cells[NCOLS][CELL];
    for (int k = 0; k < NCOLS; k++) {
        w[k] = strlen(head[k]);
    }
    for (size_t i = 0; i < rs->n; i++) {
        const struct row *r = &rs->v[i];
        size_t nl = text_width(r->module) + 1 + text_width(r->qualname);
        if (nl > w[0]) {
            w[0] = nl;
        }
        fill_cells(cells, r);
        for (int k = 1; k < NCOLS; k++) {
            if (strlen(cells[k]) > w[k]) {
                w[k] = strlen(cells[k]);
            }
        }
    }

    sp_buf_puts(b, "\n");
    for (int k = 0; k < NCOLS; k++) {
        snprintf(cells[k], CELL, "%s", head[k]);
    }
    sp_buf_puts(b, head[0]);
    pad(b, strlen(head[0]), w[0]);
    put_cells(b, cells, w);
    for (size_t i = 0; i < rs->n; i++) {
        const struct row *r = &rs->v[i];

        put_clean(b, r->module);
        sp_buf_puts(b, ".");
        put_clean(b, r->qualname);
        pad(b, text_width(r->module) + 1 + text_width(r->qualname), w[0]);
        fill_cells(cells, r);
        put_cells(b, cells, w);
    }
}

/* ------------------------------------------------------------ JSON */

static void
put_layout(struct sp_buf *b, const struct side *s)
{
    sp_buf_puts(b, !s->present ? "null" : s->dict ? "\"dict\"" : "\"slots\"");
}

static void
put_side_report(struct sp_buf *b, const char *key, const char *path,
                const struct sp_report *r)
{
    char python[sizeof(r->python)];
    size_t n = strnlen(r->python, sizeof(r->python) - 1);

    memcpy(python, r->python, n);
    python[n] = '\0';
    sp_buf_printf(b, "  \"%s\": {\"path\": ", key);
    sp_buf_json_str(b, path);
    sp_buf_puts(b, ", \"python\": ");
    sp_buf_json_str(b, python);
    sp_buf_printf(b, ", \"pid\": %d, \"rss_bytes\": %" PRIu64 "},\n", r->pid,
                  r->chosen.rss_bytes);
}

static void
render_json(struct sp_buf *b, const struct rows *rs, const struct totals *t,
            const char *pa, const struct sp_report *ra, const char *pb,
            const struct sp_report *rb, bool peak)
{
    sp_buf_puts(b, "{\n  \"format\": \"slotprof-diff\",\n"
                   "  \"version\": 1,\n");
    put_side_report(b, "before", pa, ra);
    put_side_report(b, "after", pb, rb);
    sp_buf_printf(b, "  \"census\": \"%s\",\n", peak ? "peak" : "shown");
    struct sp_buf w;
    sp_buf_init(&w);
    warnings(&w, rs, ra, rb, peak);
    sp_buf_puts(b, "  \"warnings\": [");
    size_t nw = 0;
    for (const char *p = w.data; p != NULL && p < w.data + w.len;) {
        const char *e = strchr(p, '\n');
        char *line = sp_strndup(p, (size_t)(e - p));
        sp_buf_puts(b, nw++ ? ", " : "");
        sp_buf_json_str(b, line != NULL ? line : "");
        sp_free(line);
        p = e + 1;
    }
    sp_buf_puts(b, "],\n");
    sp_buf_free(&w);
    sp_buf_printf(b,
                  "  \"totals\": {\"instances_before\": %" PRIu64
                  ", \"instances_after\": %" PRIu64
                  ", \"bytes_before\": %" PRIu64
                  ", \"bytes_after\": %" PRIu64
                  ", \"change_bytes\": %" PRId64
                  ", \"predicted_change_bytes\": %" PRId64 "},\n",
                  t->instances_before, t->instances_after, t->bytes_before,
                  t->bytes_after, t->change, t->predicted_change);
    sp_buf_puts(b, "  \"rss_change_bytes\": ");
    if (ra->chosen.rss_bytes != 0 && rb->chosen.rss_bytes != 0) {
        sp_buf_printf(b, "%" PRId64,
                      sub_u64(rb->chosen.rss_bytes, ra->chosen.rss_bytes));
    }
    else {
        sp_buf_puts(b, "null");
    }
    sp_buf_puts(b, ",\n  \"classes\": [");
    for (size_t i = 0; i < rs->n; i++) {
        const struct row *r = &rs->v[i];
        sp_buf_puts(b, i ? ",\n    " : "\n    ");
        sp_buf_puts(b, "{\"module\": ");
        sp_buf_json_str(b, r->module);
        sp_buf_puts(b, ", \"qualname\": ");
        sp_buf_json_str(b, r->qualname);
        sp_buf_puts(b, ", \"layout_before\": ");
        put_layout(b, &r->before);
        sp_buf_puts(b, ", \"layout_after\": ");
        put_layout(b, &r->after);
        sp_buf_printf(b,
                      ", \"instances_before\": %" PRIu64
                      ", \"instances_after\": %" PRIu64
                      ", \"bytes_before\": %" PRIu64
                      ", \"bytes_after\": %" PRIu64
                      ", \"change_bytes\": %" PRId64,
                      r->before.instances, r->after.instances,
                      r->before.bytes, r->after.bytes, r->change);
        char pa1[32], pb1[32];
        fmt_per(pa1, sizeof(pa1), &r->before);
        fmt_per(pb1, sizeof(pb1), &r->after);
        sp_buf_printf(b, ", \"bytes_per_instance_before\": %s"
                      ", \"bytes_per_instance_after\": %s",
                      strcmp(pa1, "-") == 0 ? "null" : pa1,
                      strcmp(pb1, "-") == 0 ? "null" : pb1);
        if (r->predicted) {
            sp_buf_printf(b,
                          ", \"predicted_savings_bytes\": %" PRId64
                          ", \"predicted_change_bytes\": %" PRId64 "}",
                          r->savings, -r->savings);
        }
        else {
            sp_buf_puts(b, ", \"predicted_savings_bytes\": null"
                           ", \"predicted_change_bytes\": null}");
        }
    }
    sp_buf_puts(b, rs->n ? "\n  ]\n}\n" : "]\n}\n");
}

/* ------------------------------------------------------------ command */

static int
usage(const char *fmt, const char *what)
{
    fprintf(stderr, "slotprof: ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\n" DIFF_USAGE "Try 'slotprof diff --help'.\n");
    return SP_EXIT_USAGE;
}

static void
print_help(void)
{
    printf(DIFF_USAGE
"\n"
"Compare two slotprof JSON reports class by class: live instances and\n"
"bytes in each (\"dict\": the class has a __dict__; \"slots\": it has none),\n"
"the change, and the change BEFORE predicted (minus its savings_bytes).\n"
"\n"
"  --census peak|shown      peak (the default): compare the peak census of\n"
"                           each run, what exit reports show, and refuse a\n"
"                           snapshot report; shown: compare the censuses the\n"
"                           reports show, whatever they are (a warning says\n"
"                           when they differ in kind)\n"
"  --fail-if-worse[=BYTES]  exit 1 if the bytes of all classes grew (by more\n"
"                           than BYTES)\n"
"  --format text|json       text (the default) or JSON (see slotprof(1))\n"
"  -o OUT                   write to OUT instead of standard output\n"
"\n"
"Exit status: 0 ok, 1 worse (--fail-if-worse), 2 usage or unreadable\n"
"input.\n");
}

/* A byte count: decimal digits only, no sign, fits in int64. */
static bool
parse_bytes(const char *s, int64_t *out)
{
    uint64_t v = 0;

    if (*s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > (uint64_t)INT64_MAX / 10) {
            return false;
        }
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > (uint64_t)INT64_MAX) {
            return false;
        }
    }
    *out = (int64_t)v;
    return true;
}

int
sp_cmd_diff(int argc, char **argv)
{
    const char *paths[2] = {NULL, NULL}, *out = NULL;
    size_t npaths = 0;
    bool fail_if_worse = false, json = false, opts_done = false;
    bool peak = true;
    int64_t allowed = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (opts_done || a[0] != '-' || a[1] == '\0') {
            if (npaths == 2) {
                return usage("unexpected argument '%s'", a);
            }
            paths[npaths++] = a;
        }
        else if (strcmp(a, "--") == 0) {
            opts_done = true;
        }
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            print_help();
            return SP_EXIT_OK;
        }
        else if (strcmp(a, "--fail-if-worse") == 0) {
            fail_if_worse = true;
            allowed = 0;
        }
        else if (strncmp(a, "--fail-if-worse=", 16) == 0) {
            if (!parse_bytes(a + 16, &allowed)) {
                return usage("--fail-if-worse=BYTES: '%s' is not a number "
                             "of bytes", a + 16);
            }
            fail_if_worse = true;
        }
        else if (strcmp(a, "--format") == 0 || strncmp(a, "--format=", 9)
                 == 0) {
            const char *v = a[8] == '=' ? a + 9 : NULL;
            if (v == NULL) {
                if (i + 1 >= argc) {
                    return usage("%s needs a value (text or json)", a);
                }
                v = argv[++i];
            }
            if (strcmp(v, "text") == 0) {
                json = false;
            }
            else if (strcmp(v, "json") == 0) {
                json = true;
            }
            else {
                return usage("--format: '%s' is not text or json", v);
            }
        }
        else if (strcmp(a, "--census") == 0
                 || strncmp(a, "--census=", 9) == 0) {
            const char *v = a[8] == '=' ? a + 9 : NULL;
            if (v == NULL) {
                if (i + 1 >= argc) {
                    return usage("%s needs a value (peak or shown)", a);
                }
                v = argv[++i];
            }
            if (strcmp(v, "peak") == 0 || strcmp(v, "shown") == 0) {
                peak = strcmp(v, "peak") == 0;
            }
            else {
                return usage("--census: '%s' is not peak or shown", v);
            }
        }
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (i + 1 >= argc) {
                return usage("%s needs a path", a);
            }
            out = argv[++i];
        }
        else if (strncmp(a, "--output=", 9) == 0) {
            out = a + 9;
        }
        else {
            return usage("unknown option '%s'", a);
        }
    }
    if (npaths != 2) {
        return usage("%s", "diff needs two reports, BEFORE and AFTER");
    }

    struct sp_report *r[2] = {NULL, NULL};
    char err[512];
    int rc = SP_EXIT_USAGE;
    struct rows rs = {0};
    struct totals t;
    struct sp_buf b;

    sp_strmap_init(&rs.index);
    sp_buf_init(&b);
    for (int k = 0; k < 2; k++) {
        r[k] = sp_report_load(paths[k], err, sizeof(err));
        if (r[k] == NULL) {
            sp_cli_error("%s", err);
            goto done;
        }
    }
    for (int k = 0; k < 2 && peak; k++) {
        if (is_snapshot(r[k])) {
            char at[32];
            if (!sp_fmt_fixed(at, sizeof(at), r[k]->chosen.at_seconds, 1)) {
                snprintf(at, sizeof(at), "?");
            }
            sp_cli_error("%s shows a snapshot census (at %s s), not the peak "
                         "of its run: compare two exit reports, or pass "
                         "--census shown to compare what the reports show",
                         paths[k], at);
            goto done;
        }
    }
    if (!add_side(&rs, r[0], true) || !add_side(&rs, r[1], false)) {
        sp_cli_error("out of memory");
        goto done;
    }
    compute(&rs, &t);
    if (json) {
        render_json(&b, &rs, &t, paths[0], r[0], paths[1], r[1], peak);
    }
    else {
        render_text(&b, &rs, &t, paths[0], r[0], paths[1], r[1], peak);
    }
    if (!sp_cli_write_out(out, &b)) {
        goto done;
    }
    rc = SP_EXIT_OK;
    if (fail_if_worse && t.change > allowed) {
        char grew[32], lim[32];
        sp_fmt_count(grew, sizeof(grew), (uint64_t)t.change);
        sp_fmt_count(lim, sizeof(lim), (uint64_t)allowed);
        sp_cli_error("worse: the bytes of all classes grew by %s B "
                     "(allowed: %s B)", grew, lim);
        rc = SP_EXIT_WORSE;
    }

done:
    sp_buf_free(&b);
    rows_free(&rs);
    sp_report_load_free(r[0]);
    sp_report_load_free(r[1]);
    return rc;
}
