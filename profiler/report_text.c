/*
 * report_text.c -- the report a person reads at the end of a run
 * (layout in docs/report-format.md).
 *
 * This file owns the human layout: a three-line summary, a table of the
 * recommended classes, a one-line account of the others, and for each
 * class in the table the edit to make, class by class, with the warnings
 * and blockers behind its verdict.  It is a pure function of the report:
 * no I/O, no clock, no allocation but the buffer's, so the same report
 * always reads the same and tests compare whole texts.
 *
 * Two rules follow from where the text goes (a terminal, a log):
 * every string from the program is shown with control bytes replaced by
 * '?', so a class named "a\033[2J" cannot drive the terminal or break a
 * line; and numbers are formatted in integers or by hand, never with %f,
 * whose decimal point follows the host's locale.
 */
#include "internal.h"

#include <inttypes.h>           /* PRIu64 */
#include <math.h>               /* round */
#include <stdio.h>              /* snprintf */
#include <string.h>             /* strlen, strrchr, strnlen, memcpy */

/* Table cells: a class name is at most 40 characters of up to 4 bytes;
 * a file basename is at most NAME_MAX (255) bytes plus ":line". */
#define CELL_MAX 320
#define CLASS_COLUMN_MAX 40

/* ------------------------------------------------------------ numbers */

/* total / n with one decimal, rounded half up; "0.0" when n is 0. */
void
sp_fmt_ratio1(char *out, size_t outlen, uint64_t total, uint64_t n)
{
    uint64_t tenths = 0;

    if (n > 0) {
        tenths = total / n * 10 + ((total % n) * 10 + n / 2) / n;
    }
    snprintf(out, outlen, "%" PRIu64 ".%" PRIu64, tenths / 10, tenths % 10);
}

/* Sizes: "512 B", then KiB, MiB, GiB with one decimal.  A value that
 * rounds up to 1024.0 of a unit is shown in the next one. */
void
sp_fmt_bytes(char *out, size_t outlen, uint64_t x)
{
    static const char *const units[] = {"KiB", "MiB", "GiB"};
    uint64_t div = 1024;
    size_t u = 0;

    if (x < 1024) {
        snprintf(out, outlen, "%" PRIu64 " B", x);
        return;
    }
    while (u + 1 < SP_ARRAY_LEN(units) && x >= div * 1024) {
        div *= 1024;
        u++;
    }
    uint64_t tenths = x / div * 10 + ((x % div) * 10 + div / 2) / div;
    if (tenths >= 10240 && u + 1 < SP_ARRAY_LEN(units)) {
        div *= 1024;
        u++;
        tenths = x / div * 10 + ((x % div) * 10 + div / 2) / div;
    }
    snprintf(out, outlen, "%" PRIu64 ".%" PRIu64 " %s", tenths / 10,
             tenths % 10, units[u]);
}

/* As sp_fmt_bytes, with a leading '-' for a negative amount. */
void
sp_fmt_signed_bytes(char *out, size_t outlen, int64_t x)
{
    if (x >= 0) {
        sp_fmt_bytes(out, outlen, (uint64_t)x);
        return;
    }
    if (outlen < 2) {
        if (outlen == 1) {
            out[0] = '\0';     /* no room for a sign and a digit */
        }
        return;
    }
    out[0] = '-';
    /* Negate in unsigned arithmetic: -INT64_MIN does not exist. */
    sp_fmt_bytes(out + 1, outlen - 1, (uint64_t)0 - (uint64_t)x);
}

/* "48.8 MiB (51,200,000 B)", or just "512 B" below 1 KiB where the
 * exact figure adds nothing. */
static void
put_bytes_exact(struct sp_buf *b, uint64_t x)
{
    char human[32], exact[32];

    sp_fmt_bytes(human, sizeof(human), x);
    if (x < 1024) {
        sp_buf_puts(b, human);
        return;
    }
    sp_fmt_count(exact, sizeof(exact), x);
    sp_buf_printf(b, "%s (%s B)", human, exact);
}

/* A number of seconds as the JSON report holds it, six decimals: the
 * text is rendered from that value, so `slotprof report` shows the same
 * text from the JSON as the library did (1.04965 ms is 1.0 ms, but the
 * 0.001050 s the JSON says would be 1.1).  Values past the fixed format
 * stay as they are. */
static double
as_in_json(double x)
{
    if (!(x > -9e12 && x < 9e12)) {
        return x;
    }
    return round(x * 1e6) / 1e6;
}

/* ------------------------------------------------------------ strings */

/* Columns a UTF-8 string takes, counted as code points (continuation
 * bytes 10xxxxxx do not start one).  Wide CJK characters take two columns
 * on a terminal; names made of them misalign the table a little, which a
 * wcwidth() table would fix at a cost this report does not need. */
static size_t
text_width(const char *s)
{
    size_t w = 0;

    for (; *s != '\0'; s++) {
        if (((unsigned char)*s & 0xc0) != 0x80) {
            w++;
        }
    }
    return w;
}

/* The last `keep` characters of s (all of s if it is shorter). */
static const char *
tail(const char *s, size_t keep)
{
    size_t w = text_width(s);
    const char *p = s;

    while (w > keep) {
        p++;
        while (((unsigned char)*p & 0xc0) == 0x80) {
            p++;
        }
        w--;
    }
    return p;
}

/* "module.qualname" for the table, at most CLASS_COLUMN_MAX characters.
 * A longer name keeps its end -- the class's own name, the part a reader
 * scans for -- behind a "...": "...ders.models.Order".  The plan section
 * below the table shows the full name. */
static void
fmt_class_cell(char *out, size_t outlen, const struct sp_class *c)
{
    const char *mod = c->module ? c->module : "?";
    const char *qual = c->qualname ? c->qualname : "?";
    size_t wq = text_width(qual);
    size_t keep = CLASS_COLUMN_MAX - 3;
    char tmp[CLASS_COLUMN_MAX * 4 + 8];

    if (text_width(mod) + 1 + wq <= CLASS_COLUMN_MAX) {
        snprintf(tmp, sizeof(tmp), "%s.%s", mod, qual);
    }
    else if (wq >= keep) {
        snprintf(tmp, sizeof(tmp), "...%s", tail(qual, keep));
    }
    else {
        snprintf(tmp, sizeof(tmp), "...%s.%s", tail(mod, keep - wq - 1),
                 qual);
    }
    (void)sp_text_clean(out, outlen, tmp);
}

/* "shop.py:12" (basename only: the table is for scanning), "shop.py"
 * without a line, "?" without a file. */
static void
fmt_where_cell(char *out, size_t outlen, const struct sp_class *c)
{
    char base[CELL_MAX - 16];

    if (c->file == NULL) {
        snprintf(out, outlen, "?");
        return;
    }
    const char *slash = strrchr(c->file, '/');
    (void)sp_text_clean(base, sizeof(base), slash ? slash + 1 : c->file);
    if (c->line > 0) {
        snprintf(out, outlen, "%s:%d", base, c->line);
    }
    else {
        snprintf(out, outlen, "%s", base);
    }
}


/* ------------------------------------------------------------ table */

enum {
    COL_RANK,
    COL_CLASS,
    COL_WHERE,
    COL_INSTANCES,
    COL_NOW,
    COL_SLOTTED,
    COL_SAVING,
    COL_VERDICT,
    NCOLS
};

static const struct {
    const char *title;
    bool right;             /* numbers are right-aligned */
} columns[NCOLS] = {
    [COL_RANK] = {"rank", true},
    [COL_CLASS] = {"class", false},
    [COL_WHERE] = {"where", false},
    [COL_INSTANCES] = {"instances", true},
    [COL_NOW] = {"now", true},
    [COL_SLOTTED] = {"slotted", true},
    [COL_SAVING] = {"saving", true},
    [COL_VERDICT] = {"verdict", false},
};

struct row {
    char cell[NCOLS][CELL_MAX];
};

static void
make_row(struct row *row, size_t rank, const struct sp_class *c)
{
    snprintf(row->cell[COL_RANK], CELL_MAX, "%zu", rank);
    fmt_class_cell(row->cell[COL_CLASS], CELL_MAX, c);
    fmt_where_cell(row->cell[COL_WHERE], CELL_MAX, c);
    sp_fmt_count(row->cell[COL_INSTANCES], CELL_MAX, c->instances);
    sp_fmt_ratio1(row->cell[COL_NOW], CELL_MAX, c->bytes_now, c->instances);
    sp_fmt_ratio1(row->cell[COL_SLOTTED], CELL_MAX, c->bytes_slotted,
               c->instances);
    sp_fmt_signed_bytes(row->cell[COL_SAVING], CELL_MAX, c->savings_bytes);
    snprintf(row->cell[COL_VERDICT], CELL_MAX, "%s",
             sp_verdict_name(c->verdict));
}

static void
pad(struct sp_buf *b, size_t n)
{
    static const char spaces[] = "                                ";

    while (n > 0) {
        size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
        sp_buf_append(b, spaces, k);
        n -= k;
    }
}

/* One line of the table; the last column is not padded, so no line ends
 * in spaces. */
static void
put_cells(struct sp_buf *b, const char *const cells[NCOLS],
          const size_t width[NCOLS])
{
    for (int i = 0; i < NCOLS; i++) {
        size_t w = text_width(cells[i]);
        if (i > 0) {
            sp_buf_puts(b, "  ");
        }
        if (columns[i].right) {
            pad(b, width[i] - w);
        }
        sp_buf_puts(b, cells[i]);
        if (!columns[i].right && i + 1 < NCOLS) {
            pad(b, width[i] - w);
        }
    }
    sp_buf_puts(b, "\n");
}

/* Rows are formatted twice (once to measure, once to print) rather than
 * kept: top=0 can mean thousands of rows, and a row is a few KiB. */
/* A row of the table: the user's own classes that are recommended, and
 * those blocked that would qualify but for their blockers, ranked with
 * the others, so the biggest class shows up with the reason it cannot
 * take slots.  Only the recommended ones count in the potential saving.
 * Classes of the standard library, installed packages and builtins are
 * summed up below the table instead (put_not_yours). */
bool
sp_report_listed(const struct sp_report *r, const struct sp_class *c)
{
    return c->origin == SP_ORIGIN_YOURS
           && (c->recommended
               || (c->verdict == SP_VERDICT_BLOCKED
                   && c->instances >= r->min_instances
                   && c->savings_bytes > 0));
}

static void
put_table(struct sp_buf *b, const struct sp_report *r, size_t shown)
{
    size_t width[NCOLS];
    const char *cells[NCOLS];
    struct row row;
    size_t rank;

    for (int i = 0; i < NCOLS; i++) {
        width[i] = text_width(columns[i].title);
        cells[i] = columns[i].title;
    }
    rank = 0;
    for (size_t i = 0; i < r->nclasses && rank < shown; i++) {
        if (!sp_report_listed(r, &r->classes[i])) {
            continue;
        }
        make_row(&row, ++rank, &r->classes[i]);
        for (int j = 0; j < NCOLS; j++) {
            size_t w = text_width(row.cell[j]);
            width[j] = w > width[j] ? w : width[j];
        }
    }
    put_cells(b, cells, width);
    rank = 0;
    for (size_t i = 0; i < r->nclasses && rank < shown; i++) {
        if (!sp_report_listed(r, &r->classes[i])) {
            continue;
        }
        make_row(&row, ++rank, &r->classes[i]);
        for (int j = 0; j < NCOLS; j++) {
            cells[j] = row.cell[j];
        }
        put_cells(b, cells, width);
    }
}

/* ------------------------------------------------------------ plans */

/* A slot name as a Python string literal: 'name'.  Real slot names are
 * identifiers; the escaping keeps the line valid Python if one is not. */
static void
put_py_str(struct sp_buf *b, const char *s)
{
    sp_buf_puts(b, "'");
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t bad = sp_text_unsafe((const char *)p);
        if (*p == '\'' || *p == '\\') {
            sp_buf_printf(b, "\\%c", *p);
        }
        else if (bad != 0) {
            /* C0, DEL: the byte is the code point; a C1 control
             * (0xc2 0x80..0x9f) is U+0080..U+009F; a stray byte is
             * shown by its value. */
            sp_buf_printf(b, "\\x%02x", bad == 2 ? p[1] : p[0]);
            p += bad;
            continue;
        }
        else {
            sp_buf_append(b, (const char *)p, 1);
        }
        p++;
    }
    sp_buf_puts(b, "'");
}

void
sp_plan_step_code(struct sp_buf *b, const struct sp_plan_step *s)
{
    switch (s->form) {
    case SP_FORM_DATACLASS:
        for (size_t i = 0; i < s->nnames; i++) {
            if (s->names[i] != NULL && strcmp(s->names[i], "__weakref__") == 0) {
                sp_buf_puts(b, "@dataclass(slots=True, weakref_slot=True)");
                return;
            }
        }
        sp_buf_puts(b, "@dataclass(slots=True)");
        return;
    case SP_FORM_EMPTY_SLOTS:
        sp_buf_puts(b, "__slots__ = ()");
        return;
    case SP_FORM_INIT_ONLY:
        sp_buf_puts(b, "# no __slots__: its __init__ only, as below");
        return;
    case SP_FORM_SLOTS:
        break;
    default:
        (void)SP_NEVER(true);
        break;
    }
    sp_buf_puts(b, "__slots__ = (");
    for (size_t i = 0; i < s->nnames; i++) {
        if (i > 0) {
            sp_buf_puts(b, ", ");
        }
        put_py_str(b, s->names[i] ? s->names[i] : "");
    }
    /* ('a') is a string, not a tuple. */
    sp_buf_puts(b, s->nnames == 1 ? ",)" : ")");
}

bool
sp_plan_step_note(struct sp_buf *b, const struct sp_plan_step *st, int which)
{
    if (which == 0 && st->nmoved > 0) {
        sp_buf_puts(b, "# take out of its body: ");
        for (size_t m = 0; m < st->nmoved; m++) {
            sp_buf_puts(b, m ? ", " : "");
            sp_buf_put_clean(b, st->moved[m].name);
            if (st->moved[m].line > 0) {
                sp_buf_printf(b, " (line %d)", st->moved[m].line);
            }
        }
        return true;
    }
    if (which == 1 && st->ninits > 0) {
        sp_buf_puts(b, st->add_init ? "# give it an __init__ that sets first, "
                                      "unless set: "
                                    : "# its __init__ sets first, unless set: ");
        for (size_t m = 0; m < st->ninits; m++) {
            sp_buf_puts(b, m ? ", " : "");
            sp_buf_put_clean(b, st->inits[m].name);
            sp_buf_puts(b, " = ");
            sp_buf_put_clean(b, st->inits[m].from_qualname);
            sp_buf_puts(b, "'s value");
        }
        sp_buf_puts(b, !st->add_init ? ""
                       : st->init_args ? ", then calls super().__init__("
                                         "*args, **kwargs)"
                                       : ", then calls super().__init__()");
        return true;
    }
    return false;
}

/* A step's notes under its code, aligned with it. */
static void
put_moved(struct sp_buf *b, const struct sp_plan_step *st, size_t indent)
{
    for (int which = 0; which < 2; which++) {
        struct sp_buf line;
        sp_buf_init(&line);
        if (sp_plan_step_note(&line, st, which)) {
            sp_buf_puts(b, "   ");
            pad(b, indent + 2);
            sp_buf_append(b, line.data != NULL ? line.data : "", line.len);
            sp_buf_puts(b, "\n");
        }
        sp_buf_free(&line);
    }
}

/* The class a step changes, as the user finds it: its qualname when it
 * lives in the same module as the profiled class, else module.qualname. */
static void
fmt_step_label(char *out, size_t outlen, const struct sp_class *c,
               const struct sp_plan_step *s)
{
    char mod[CELL_MAX], qual[CELL_MAX];

    (void)sp_text_clean(qual, sizeof(qual), s->qualname ? s->qualname : "?");
    if (s->module != NULL && c->module != NULL
        && strcmp(s->module, c->module) == 0) {
        snprintf(out, outlen, "add to class %s:", qual);
        return;
    }
    (void)sp_text_clean(mod, sizeof(mod), s->module ? s->module : "?");
    snprintf(out, outlen, "add to class %s.%s:", mod, qual);
}

static void
put_plan(struct sp_buf *b, const struct sp_class *c, size_t rank)
{
    char n[32], now[32], slotted[32];
    char label[CELL_MAX * 2 + 32];
    size_t label_width = 0;

    sp_buf_printf(b, "#%zu ", rank);
    sp_buf_put_clean(b, c->module);
    sp_buf_puts(b, ".");
    sp_buf_put_clean(b, c->qualname);
    sp_buf_puts(b, "  (");
    if (c->file == NULL) {
        sp_buf_puts(b, "?");
    }
    else {
        sp_buf_put_clean(b, c->file);
        if (c->line > 0) {
            sp_buf_printf(b, ":%d", c->line);
        }
    }
    sp_buf_printf(b, ")  %s\n", sp_verdict_name(c->verdict));

    sp_fmt_count(n, sizeof(n), c->instances);
    sp_fmt_ratio1(now, sizeof(now), c->bytes_now, c->instances);
    sp_fmt_ratio1(slotted, sizeof(slotted), c->bytes_slotted, c->instances);
    sp_buf_printf(b, "   %s instance%s, %s -> %s B each, saves ", n,
                  c->instances == 1 ? "" : "s", now, slotted);
    if (c->savings_bytes < 0) {
        char neg[32];
        sp_fmt_signed_bytes(neg, sizeof(neg), c->savings_bytes);
        sp_buf_puts(b, neg);
    }
    else {
        put_bytes_exact(b, (uint64_t)c->savings_bytes);
    }
    sp_buf_puts(b, "\n");
    if (c->max_instances > c->instances) {
        char most[32], at[32];
        sp_fmt_count(most, sizeof(most), c->max_instances);
        if (!sp_fmt_fixed(at, sizeof(at), c->max_at_seconds, 1)) {
            snprintf(at, sizeof(at), "?");
        }
        sp_buf_printf(b, "   (the most at one census: %s, at %s s)\n", most,
                      at);
    }

    /* The edits, their code aligned in one column. */
    for (size_t i = 0; i < c->nplan; i++) {
        fmt_step_label(label, sizeof(label), c, &c->plan[i]);
        size_t w = text_width(label);
        label_width = w > label_width ? w : label_width;
    }
    for (size_t i = 0; i < c->nplan; i++) {
        const struct sp_plan_step *st = &c->plan[i];
        fmt_step_label(label, sizeof(label), c, st);
        sp_buf_printf(b, "   %s", label);
        pad(b, label_width - text_width(label) + 2);
        sp_plan_step_code(b, st);
        sp_buf_puts(b, "\n");
        put_moved(b, st, label_width);
    }

    /* In the order the planner found them: it puts the cause first. */
    for (size_t i = 0; i < c->nissues; i++) {
        const struct sp_issue *is = &c->issues[i];
        sp_buf_puts(b, is->blocks ? "   BLOCKER  " : "   warning  ");
        sp_buf_put_clean(b, is->code);
        sp_buf_puts(b, ": ");
        sp_buf_put_clean(b, is->detail);
        sp_buf_puts(b, "\n");
    }
}

/* ------------------------------------------------------------ report */

static const char *
plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* Where the report stands in a sampling session; nothing for the exit
 * report of a plain run. */
static void
put_session(struct sp_buf *b, const struct sp_report *r)
{
    const struct sp_session_info *ss = &r->session;
    bool snapshot = ss->kind != NULL && strcmp(ss->kind, "snapshot") == 0;
    bool merged = ss->kind != NULL && strcmp(ss->kind, "merged") == 0;

    if (ss->session[0] != '\0' || snapshot || merged) {
        sp_buf_puts(b, snapshot ? "snapshot"
                       : merged ? "merged report (slotprof merge)"
                                : "exit report");
        if (ss->snapshot != 0) {
            sp_buf_printf(b, " %" PRIu64, ss->snapshot);
        }
        if (ss->session[0] != '\0') {
            sp_buf_puts(b, " of session ");
            sp_buf_put_clean(b, ss->session);
        }
        if (ss->written_at[0] != '\0') {
            sp_buf_puts(b, ", written ");
            sp_buf_put_clean(b, ss->written_at);
        }
        sp_buf_puts(b, "\n");
    }
    if (snapshot && ss->has_peak) {
        char at[32];
        if (!sp_fmt_fixed(at, sizeof(at), as_in_json(ss->peak.at_seconds),
                          3)) {
            strcpy(at, "?");
        }
        sp_buf_puts(b, "peak so far: ");
        put_bytes_exact(b, ss->peak_savings);
        sp_buf_printf(b, " potential saving, %s s after start\n", at);
    }
    if (ss->censuses_aborted != 0 || ss->censuses_skipped != 0) {
        char mp[32];
        sp_fmt_fixed(mp, sizeof(mp), (double)ss->max_pause_us / 1000.0, 1);
        sp_buf_printf(b, "max_pause=%s ms: %" PRIu64 " %s stopped, %"
                      PRIu64 " skipped by back-off\n", mp,
                      ss->censuses_aborted,
                      plural(ss->censuses_aborted, "census", "censuses"),
                      ss->censuses_skipped);
    }
}

/* Growth over the session: for each class of the table, its instances
 * at up to SHOW points of the series, evenly spaced, first and last
 * included.  Nothing with fewer than two censuses. */
static void
put_growth(struct sp_buf *b, const struct sp_report *r, size_t shown)
{
    enum { SHOW = 6 };
    const struct sp_series *s = r->session.series;
    size_t pick[SHOW], npick, rank = 0;
    bool any = false;

    if (s == NULL || s->npoints < 2) {
        return;
    }
    npick = s->npoints < SHOW ? s->npoints : SHOW;
    for (size_t k = 0; k < npick; k++) {
        pick[k] = k * (s->npoints - 1) / (npick - 1);
    }
    for (size_t i = 0; i < r->nclasses && rank < shown; i++) {
        const struct sp_class *c = &r->classes[i];
        char label[128];

        if (!sp_report_listed(r, c)) {
            continue;
        }
        rank++;
        if (!any) {
            sp_buf_printf(b, "\ngrowth over %zu censuses (instances at "
                          "seconds after start; - = not in that census's "
                          "top %d):\n", s->npoints, SP_SERIES_TOP);
            any = true;
        }
        fmt_class_cell(label, sizeof(label), c);
        sp_buf_printf(b, "  %zu. %s:", rank, label);
        for (size_t k = 0; k < npick; k++) {
            const struct sp_series_point *p = &s->points[pick[k]];
            char at[32], cnt[32] = "-";
            for (uint32_t e = 0; e < p->n; e++) {
                const struct sp_series_class *sc =
                    &s->classes[p->top[e].cls];
                if (c->module != NULL && c->qualname != NULL
                    && strlen(c->module) == sc->module_len
                    && strncmp(sc->key, c->module, sc->module_len) == 0
                    && strcmp(sc->key + sc->module_len + 1, c->qualname)
                           == 0) {
                    sp_fmt_count(cnt, sizeof(cnt), p->top[e].instances);
                    break;
                }
            }
            if (!sp_fmt_fixed(at, sizeof(at), as_in_json(p->at_seconds),
                              1)) {
                strcpy(at, "?");
            }
            sp_buf_printf(b, "%s %s @%ss", k ? " ->" : "", cnt, at);
        }
        sp_buf_puts(b, "\n");
    }
}

static void
put_header(struct sp_buf *b, const struct sp_report *r)
{
    char python[sizeof(r->python)];
    char at[32], dur[32], visited[32];

    size_t n = strnlen(r->python, sizeof(r->python) - 1);
    memcpy(python, r->python, n);
    python[n] = '\0';
    sp_buf_puts(b, "slotprof report -- CPython ");
    sp_buf_put_clean(b, python);
    sp_buf_printf(b, ", pid %d\n", r->pid);

    /* The census's trigger in words; an unknown one is shown as it is. */
    static const struct {
        const char *trigger;
        const char *words;
    } triggers[] = {
        {"exit", "at exit"},
        {"gc", "after a garbage collection"},
        {"interval", "periodic snapshot"},
        {"signal", "snapshot on signal"},
        {"api", "snapshot by slotprof.snapshot()"},
        {"_exit", "at _exit()"},
        {"merged", "merged from several processes"},
    };
    const char *t = r->chosen.trigger != NULL ? r->chosen.trigger : "?";
    for (size_t i = 0; i < SP_ARRAY_LEN(triggers); i++) {
        if (strcmp(t, triggers[i].trigger) == 0) {
            t = triggers[i].words;
            break;
        }
    }
    if (!sp_fmt_fixed(at, sizeof(at), as_in_json(r->chosen.at_seconds), 3)) {
        strcpy(at, "?");
    }
    if (!sp_fmt_fixed(dur, sizeof(dur),
                      as_in_json(r->chosen.duration_seconds) * 1000.0,
                      1)) {
        strcpy(dur, "?");
    }
    sp_fmt_count(visited, sizeof(visited), r->chosen.objects_visited);
    sp_buf_puts(b, "census: ");
    sp_buf_put_clean(b, t);
    sp_buf_printf(b, ", %s s after start, %s object%s visited in %s ms; ",
                  at, visited, r->chosen.objects_visited == 1 ? "" : "s",
                  dur);
    if (r->profiler_bytes == 0) {
        /* sp_alloc_footprint() says 0 when jemalloc cannot tell. */
        sp_buf_puts(b, "profiler memory unknown\n");
    }
    else {
        char mem[32];
        sp_fmt_bytes(mem, sizeof(mem), r->profiler_bytes);
        sp_buf_printf(b, "profiler memory %s\n", mem);
    }
    put_session(b, r);
    /* The costs are pymalloc's size classes and pools; under another
     * allocator (PYTHONMALLOC=malloc, debug hooks) they are wrong, and
     * the reader must know. */
    if (r->allocator[0] != '\0' && strcmp(r->allocator, "pymalloc") != 0) {
        sp_buf_puts(b, "warning: this process allocates with ");
        sp_buf_put_clean(b, r->allocator);
        sp_buf_puts(b, ", not pymalloc: the bytes below assume pymalloc "
                       "and are not what this process uses\n");
    }
}

/* One frame, short: "function (file.py:12)", basename only. */
static void
put_frame_short(struct sp_buf *b, const struct sp_frame *f)
{
    sp_buf_put_clean(b, f->function);
    if (f->native) {
        const char *base = f->file != NULL ? strrchr(f->file, '/') : NULL;
        sp_buf_puts(b, " [");
        sp_buf_put_clean(b, base != NULL ? base + 1 : (f->file ? f->file : "native"));
        sp_buf_puts(b, "]");
        return;
    }
    if (f->file != NULL) {
        const char *base = strrchr(f->file, '/');
        sp_buf_puts(b, " (");
        sp_buf_put_clean(b, base != NULL ? base + 1 : f->file);
        if (f->line > 0) {
            sp_buf_printf(b, ":%d", f->line);
        }
        sp_buf_puts(b, ")");
    }
}

/* Allocation counts of the busiest classes, and for each class of the
 * table where its saving is created: its top sites, innermost frames
 * first.  Nothing when counting was off. */
static void
put_allocations(struct sp_buf *b, const struct sp_report *r, size_t shown)
{
    enum { CLASSES = 10, SITES = 3, FRAMES = 3 };
    const struct sp_allocs *a = &r->allocs;
    char n1[32], n2[32], n3[32], n4[32];

    if (!a->present || a->nclasses == 0) {
        return;
    }
    sp_buf_puts(b, "\nallocations since start (exact");
    if (a->sample_every != 0) {
        sp_fmt_count(n1, sizeof(n1), a->sample_every);
        sp_fmt_count(n2, sizeof(n2), a->samples);
        sp_buf_printf(b, "; stacks sampled every ~%s allocations, %s in all",
                      n1, n2);
    }
    sp_buf_puts(b, "):\n");
    if (!a->frees_exact) {
        sp_buf_puts(b, "warning: some frees were not seen (another tool "
                       "replaced the allocator or the tracer); freed, live "
                       "and peak live are lower bounds\n");
    }
    sp_buf_printf(b, "  %-40s %12s %12s %12s %12s\n", "class", "allocated",
                  "freed", "peak live", "live now");
    for (size_t i = 0; i < a->nclasses && i < CLASSES; i++) {
        const struct sp_alloc_class *c = &a->classes[i];
        struct sp_class tmp;
        char label[CLASS_COLUMN_MAX * 4 + 8];
        memset(&tmp, 0, sizeof(tmp));
        tmp.module = c->module;
        tmp.qualname = c->qualname;
        fmt_class_cell(label, sizeof(label), &tmp);
        sp_fmt_count(n1, sizeof(n1), c->allocated);
        sp_fmt_count(n2, sizeof(n2), c->freed);
        sp_fmt_count(n3, sizeof(n3), c->peak_live);
        sp_fmt_count(n4, sizeof(n4), c->live);
        sp_buf_puts(b, "  ");
        sp_buf_puts(b, label);
        for (size_t w = text_width(label); w < 40; w++) {
            sp_buf_puts(b, " ");
        }
        sp_buf_printf(b, " %12s %12s %12s %12s\n", n1, n2, n3, n4);
    }
    if (a->nclasses > CLASSES) {
        sp_buf_printf(b, "  (%zu more in the JSON report)\n",
                      a->nclasses - CLASSES);
    }
    if (a->sample_every == 0 || a->nsites == 0) {
        return;
    }

    size_t rank = 0;
    bool any = false;
    for (size_t i = 0; i < r->nclasses && rank < shown; i++) {
        const struct sp_class *c = &r->classes[i];
        size_t nshown = 0;
        if (!sp_report_listed(r, c)) {
            continue;
        }
        rank++;
        for (size_t k = 0; k < a->nsites && nshown < SITES; k++) {
            const struct sp_site *st = &a->sites[k];
            if (st->module == NULL || st->qualname == NULL
                || c->module == NULL || c->qualname == NULL
                || strcmp(st->module, c->module) != 0
                || strcmp(st->qualname, c->qualname) != 0
                || st->savable_bytes <= 0) {
                continue;
            }
            if (!any) {
                sp_buf_puts(b, "\nwhere the savings are created (sampled; "
                               "innermost frame first):\n");
                any = true;
            }
            if (nshown == 0) {
                char label[CLASS_COLUMN_MAX * 4 + 8];
                fmt_class_cell(label, sizeof(label), c);
                sp_buf_printf(b, "  %zu. %s\n", rank, label);
            }
            nshown++;
            /* Share of the class's saving, one decimal, in integers. */
            uint64_t tot = c->savings_bytes > 0 ? (uint64_t)c->savings_bytes
                                                : 1;
            char pct[32];
            sp_fmt_ratio1(pct, sizeof(pct), (uint64_t)st->savable_bytes * 100,
                       tot);
            sp_fmt_bytes(n1, sizeof(n1), (uint64_t)st->savable_bytes);
            sp_buf_printf(b, "     %5s%%  %9s  ", pct, n1);
            if (st->nframes == 0) {
                sp_buf_puts(b, "[unsampled]");
            }
            for (size_t f = 0; f < st->nframes && f < FRAMES; f++) {
                uint32_t fi = st->frames[st->nframes - 1 - f];
                if (f > 0) {
                    sp_buf_puts(b, " <- ");
                }
                if (fi < a->nframes) {
                    put_frame_short(b, &a->frames[fi]);
                }
            }
            if (st->nframes > FRAMES) {
                sp_buf_puts(b, " <- ...");
            }
            sp_buf_puts(b, "\n");
        }
    }
}

/* Classes that are not the user's code, summed up by origin: what slots
 * there would save, for the record (mine=PATH makes a package yours). */
static void
put_not_yours(struct sp_buf *b, const struct sp_report *r)
{
    static const struct {
        enum sp_origin origin;
        const char *label;
    } kinds[] = {
        {SP_ORIGIN_STDLIB, "standard library"},
        {SP_ORIGIN_INSTALLED, "installed packages"},
        {SP_ORIGIN_BUILTIN, "builtin or C"},
    };
    bool any = false;
    for (size_t k = 0; k < SP_ARRAY_LEN(kinds); k++) {
        uint64_t n = 0, inst = 0, potential = 0;
        for (size_t i = 0; i < r->nclasses; i++) {
            const struct sp_class *c = &r->classes[i];
            if (c->origin == kinds[k].origin) {
                n++;
                inst += c->instances;
                potential += c->savings_bytes > 0 ? (uint64_t)c->savings_bytes
                                                  : 0;
            }
        }
        if (n == 0) {
            continue;
        }
        if (!any) {
            sp_buf_puts(b, "\nnot your code, not ranked (mine=PATH makes a "
                           "package yours):\n");
            any = true;
        }
        char cn[32], ci[32], cp[32];
        sp_fmt_count(cn, sizeof(cn), n);
        sp_fmt_count(ci, sizeof(ci), inst);
        sp_fmt_bytes(cp, sizeof(cp), potential);
        sp_buf_printf(b, "  %-18s  %s %s, %s %s, %s if they had slots\n",
                      kinds[k].label, cn, plural(n, "class", "classes"), ci,
                      plural(inst, "instance", "instances"), cp);
    }
}

void
sp_report_text(const struct sp_report *r, uint64_t top, struct sp_buf *b)
{
    uint64_t nrec = 0, nlisted = 0, below = 0, nosave = 0, blocked = 0;

    put_header(b, r);
    if (r->nclasses == 0) {
        sp_buf_puts(b, "no instances of classes with a __dict__ were "
                       "alive at the census\n");
        return;
    }
    for (size_t i = 0; i < r->nclasses; i++) {
        const struct sp_class *c = &r->classes[i];
        nlisted += sp_report_listed(r, c);
        if (c->origin != SP_ORIGIN_YOURS) {
            continue;               /* summed up by put_not_yours */
        }
        if (c->recommended) {
            nrec++;
        }
        else if (c->instances < r->min_instances) {
            below++;
        }
        else if (c->savings_bytes <= 0) {
            nosave++;
        }
        else {
            blocked++;
        }
    }

    sp_buf_puts(b, "potential saving: ");
    put_bytes_exact(b, sp_report_total_savings(r));
    sp_buf_printf(b, " across %" PRIu64 " recommended %s\n", nrec,
                  plural(nrec, "class", "classes"));

    size_t shown =
        (top == 0 || top > nlisted) ? (size_t)nlisted : (size_t)top;
    if (shown > 0) {
        sp_buf_puts(b, "\n");
        put_table(b, r, shown);
        if (shown < nlisted) {
            uint64_t more = nlisted - shown;
            sp_buf_printf(b, "(%" PRIu64 " more %s with a saving not shown; "
                          "top=0 shows all)\n", more,
                          plural(more, "class", "classes"));
        }
    }

    put_not_yours(b, r);
    sp_buf_printf(b, "\nnot recommended: %" PRIu64 " %s below "
                  "min_instances=%" PRIu64 ", %" PRIu64 " with no saving",
                  below, plural(below, "class", "classes"),
                  r->min_instances, nosave);
    if (blocked > 0) {
        sp_buf_printf(b, ", %" PRIu64 " blocked", blocked);
    }
    sp_buf_puts(b, "\n");

    size_t rank = 0;
    for (size_t i = 0; i < r->nclasses && rank < shown; i++) {
        if (!sp_report_listed(r, &r->classes[i])) {
            continue;
        }
        sp_buf_puts(b, "\n");
        put_plan(b, &r->classes[i], ++rank);
    }
    put_growth(b, r, shown);
    put_allocations(b, r, shown);
}
