/*
 * report_json.c -- the machine-readable report (docs/report-format.md).
 *
 * This file owns the JSON layout: the keys, their order, their types.
 * The format is versioned ("version": 1) and within a version fields are
 * only ever added, so a key here is never renamed or retyped; a change of
 * meaning needs a new version.  Output is deterministic: the same report
 * gives the same bytes, which lets tests compare whole documents.
 *
 * It renders a finished report and nothing else: no I/O (output.c writes
 * the bytes), no sorting (the report arrives sorted), no allocation but
 * the buffer's.  Numbers are formatted without printf's %f, whose decimal
 * point follows LC_NUMERIC -- a host that calls setlocale() would
 * otherwise get "1,5" and an invalid document.
 */
#include "internal.h"

#include <inttypes.h>           /* PRIu64, PRId64 */
#include <string.h>             /* memcpy, strnlen */

/* ------------------------------------------------------------ scalars */

static void
put_str(struct sp_buf *b, const char *s)
{
    if (s == NULL) {
        sp_buf_puts(b, "null");
    }
    else {
        sp_buf_json_str(b, s);
    }
}

static void
put_u64(struct sp_buf *b, uint64_t x)
{
    sp_buf_printf(b, "%" PRIu64, x);
}

static void
put_bool(struct sp_buf *b, bool x)
{
    sp_buf_puts(b, x ? "true" : "false");
}

/* x with exactly `decimals` digits after a '.', rounded half away from
 * zero, whatever the locale.  JSON has no NaN or infinity, and a double
 * that does not fit the integer arithmetic is not a real duration: both
 * become null rather than an invalid document. */
static void
put_fixed(struct sp_buf *b, double x, int decimals)
{
    char num[48];
    sp_buf_puts(b, sp_fmt_fixed(num, sizeof(num), x, decimals) ? num
                                                               : "null");
}

/* total / n with one decimal, rounded half up, in integers (exact, and no
 * locale); "0.0" when n is 0. */
static void
put_ratio1(struct sp_buf *b, uint64_t total, uint64_t n)
{
    if (n == 0) {
        sp_buf_puts(b, "0.0");
        return;
    }
    uint64_t tenths = total / n * 10 + ((total % n) * 10 + n / 2) / n;
    sp_buf_printf(b, "%" PRIu64 ".%" PRIu64, tenths / 10, tenths % 10);
}

static void
put_str_array(struct sp_buf *b, char *const *names, size_t n)
{
    sp_buf_puts(b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            sp_buf_puts(b, ", ");
        }
        put_str(b, names[i]);
    }
    sp_buf_puts(b, "]");
}

/* ------------------------------------------------------------ layout */

/* An object with one key per line, indented 2 spaces per depth. */
struct obj {
    struct sp_buf *b;
    int depth;          /* of the object's keys */
    bool first;
};

static void
indent(struct sp_buf *b, int depth)
{
    for (int i = 0; i < depth; i++) {
        sp_buf_puts(b, "  ");
    }
}

static void
obj_open(struct obj *o, struct sp_buf *b, int depth)
{
    o->b = b;
    o->depth = depth;
    o->first = true;
    sp_buf_puts(b, "{");
}

/* Starts the next member: separator, newline, indent, "key": */
static void
obj_key(struct obj *o, const char *key)
{
    sp_buf_puts(o->b, o->first ? "\n" : ",\n");
    o->first = false;
    indent(o->b, o->depth);
    sp_buf_json_str(o->b, key);
    sp_buf_puts(o->b, ": ");
}

static void
obj_close(struct obj *o)
{
    sp_buf_puts(o->b, "\n");
    indent(o->b, o->depth - 1);
    sp_buf_puts(o->b, "}");
}

/* Array elements go one per line; an empty array is "[]". */
static void
elem_sep(struct sp_buf *b, size_t i, int depth)
{
    sp_buf_puts(b, i == 0 ? "\n" : ",\n");
    indent(b, depth);
}

static void
array_close(struct sp_buf *b, size_t n, int depth)
{
    if (n > 0) {
        sp_buf_puts(b, "\n");
        indent(b, depth - 1);
    }
    sp_buf_puts(b, "]");
}

/* ------------------------------------------------------------ enums */


static const char *
form_name(enum sp_form f)
{
    switch (f) {
    case SP_FORM_SLOTS:
        return "slots";
    case SP_FORM_DATACLASS:
        return "dataclass";
    case SP_FORM_EMPTY_SLOTS:
        return "empty_slots";
    case SP_FORM_INIT_ONLY:
        return "init_only";
    }
    (void)SP_NEVER(true);
    return "slots";
}

/* ------------------------------------------------------------ classes */

/* A plan step's moved class attributes, on one line:
 * [{"name": ..., "line": ...}], with "from_module"/"from_qualname" for
 * the ones an __init__ sets. */
static void
put_moved(struct sp_buf *b, const struct sp_moved_default *v, size_t n)
{
    sp_buf_puts(b, "[");
    for (size_t m = 0; m < n; m++) {
        sp_buf_puts(b, m ? ", {\"name\": " : "{\"name\": ");
        put_str(b, v[m].name);
        if (v[m].from_qualname != NULL) {
            sp_buf_puts(b, ", \"from_module\": ");
            put_str(b, v[m].from_module);
            sp_buf_puts(b, ", \"from_qualname\": ");
            put_str(b, v[m].from_qualname);
        }
        sp_buf_puts(b, ", \"line\": ");
        if (v[m].line > 0) {
            sp_buf_printf(b, "%d}", v[m].line);
        }
        else {
            sp_buf_puts(b, "null}");
        }
    }
    sp_buf_puts(b, "]");
}

/* The issues whose blocks flag equals `blocks`, as leaf objects. */
static void
put_issues(struct sp_buf *b, const struct sp_class *c, bool blocks,
           int depth)
{
    size_t n = 0;

    sp_buf_puts(b, "[");
    for (size_t i = 0; i < c->nissues; i++) {
        const struct sp_issue *is = &c->issues[i];
        if (is->blocks != blocks) {
            continue;
        }
        elem_sep(b, n++, depth);
        sp_buf_puts(b, "{\"code\": ");
        put_str(b, is->code);
        sp_buf_puts(b, ", \"detail\": ");
        put_str(b, is->detail);
        sp_buf_puts(b, "}");
    }
    array_close(b, n, depth);
}

static void
put_class(struct sp_buf *b, const struct sp_class *c, int depth)
{
    struct obj o;

    obj_open(&o, b, depth);
    obj_key(&o, "module");
    put_str(b, c->module);
    obj_key(&o, "qualname");
    put_str(b, c->qualname);
    obj_key(&o, "file");
    put_str(b, c->file);
    obj_key(&o, "line");
    if (c->line == 0) {
        sp_buf_puts(b, "null");
    }
    else {
        sp_buf_printf(b, "%d", c->line);
    }
    obj_key(&o, "instances");
    put_u64(b, c->instances);
    obj_key(&o, "bytes_now");
    put_u64(b, c->bytes_now);
    obj_key(&o, "bytes_slotted");
    put_u64(b, c->bytes_slotted);
    obj_key(&o, "savings_bytes");
    sp_buf_printf(b, "%" PRId64, c->savings_bytes);
    obj_key(&o, "bytes_per_instance_now");
    put_ratio1(b, c->bytes_now, c->instances);
    obj_key(&o, "bytes_per_instance_slotted");
    put_ratio1(b, c->bytes_slotted, c->instances);
    obj_key(&o, "recommended");
    put_bool(b, c->recommended);
    obj_key(&o, "verdict");
    put_str(b, sp_verdict_name(c->verdict));
    obj_key(&o, "suggested_slots");
    put_str_array(b, c->suggested_slots, c->nsuggested);

    obj_key(&o, "attributes");
    sp_buf_puts(b, "[");
    for (size_t i = 0; i < c->nattrs; i++) {
        elem_sep(b, i, depth + 1);
        sp_buf_puts(b, "{\"name\": ");
        put_str(b, c->attrs[i].name);
        sp_buf_puts(b, ", \"instances\": ");
        put_u64(b, c->attrs[i].instances);
        sp_buf_puts(b, ", \"max_instances\": ");
        put_u64(b, c->attrs[i].max_instances);
        sp_buf_puts(b, ", \"in_code\": ");
        put_bool(b, c->attrs[i].in_code);
        sp_buf_puts(b, "}");
    }
    array_close(b, c->nattrs, depth + 1);

    obj_key(&o, "dicts_materialized");
    put_u64(b, c->dicts_materialized);
    obj_key(&o, "dicts_unshared");
    put_u64(b, c->dicts_unshared);
    obj_key(&o, "keys_sharing_lost");
    put_bool(b, c->keys_sharing_lost);
    obj_key(&o, "weakrefs");
    put_u64(b, c->weakrefs);
    obj_key(&o, "non_str_keys");
    put_u64(b, c->non_str_keys);

    obj_key(&o, "plan");
    sp_buf_puts(b, "[");
    for (size_t i = 0; i < c->nplan; i++) {
        const struct sp_plan_step *s = &c->plan[i];
        elem_sep(b, i, depth + 1);
        sp_buf_puts(b, "{\"module\": ");
        put_str(b, s->module);
        sp_buf_puts(b, ", \"qualname\": ");
        put_str(b, s->qualname);
        sp_buf_puts(b, ", \"form\": ");
        put_str(b, form_name(s->form));
        sp_buf_puts(b, ", \"names\": ");
        put_str_array(b, s->names, s->nnames);
        sp_buf_puts(b, ", \"moved_defaults\": ");
        put_moved(b, s->moved, s->nmoved);
        sp_buf_puts(b, ", \"init_defaults\": ");
        put_moved(b, s->inits, s->ninits);
        sp_buf_puts(b, ", \"add_init\": ");
        put_bool(b, s->add_init);
        sp_buf_puts(b, ", \"init_args\": ");
        put_bool(b, s->init_args);
        sp_buf_puts(b, "}");
    }
    array_close(b, c->nplan, depth + 1);

    obj_key(&o, "blockers");
    put_issues(b, c, true, depth + 1);
    obj_key(&o, "warnings");
    put_issues(b, c, false, depth + 1);
    obj_key(&o, "origin");
    put_str(b, sp_origin_name(c->origin));
    obj_key(&o, "max_instances");
    put_u64(b, c->max_instances);
    obj_key(&o, "max_instances_at_seconds");
    put_fixed(b, c->max_at_seconds, 6);
    obj_close(&o);
}

/* ------------------------------------------------------------ report */

static void
put_census(struct sp_buf *b, const struct sp_census_info *ci, int depth)
{
    struct obj o;
    obj_open(&o, b, depth);
    obj_key(&o, "trigger");
    put_str(b, ci->trigger);
    obj_key(&o, "at_seconds");
    put_fixed(b, ci->at_seconds, 6);
    obj_key(&o, "duration_seconds");
    put_fixed(b, ci->duration_seconds, 6);
    obj_key(&o, "objects_visited");
    put_u64(b, ci->objects_visited);
    obj_key(&o, "rss_bytes");
    put_u64(b, ci->rss_bytes);
    obj_close(&o);
}

/* Microseconds as seconds with six decimals, exact (no double); null
 * for 0 (the option is off). */
static void
put_us(struct sp_buf *b, uint64_t us)
{
    if (us == 0) {
        sp_buf_puts(b, "null");
        return;
    }
    sp_buf_printf(b, "%" PRIu64 ".%06" PRIu64, us / 1000000, us % 1000000);
}

static void
put_sampling(struct sp_buf *b, const struct sp_session_info *ss)
{
    sp_buf_puts(b, "{\"interval_seconds\": ");
    put_us(b, ss->interval_us);
    sp_buf_puts(b, ", \"signal\": ");
    put_str(b, ss->signal);
    sp_buf_puts(b, ", \"dormant\": ");
    put_bool(b, ss->dormant);
    sp_buf_puts(b, ", \"max_pause_seconds\": ");
    put_us(b, ss->max_pause_us);
    sp_buf_puts(b, "}");
}

/* One line per array: the series is long and regular. */
static void
put_series(struct sp_buf *b, const struct sp_series *s)
{
    struct obj o;
    size_t np;

    if (s == NULL || s->npoints == 0) {
        sp_buf_puts(b, "null");
        return;
    }
    np = s->npoints;
    obj_open(&o, b, 2);
    static const char *const columns[] = {"at_seconds", "trigger",
                                          "rss_bytes",
                                          "total_savings_bytes"};
    for (int col = 0; col < 4; col++) {
        obj_key(&o, columns[col]);
        sp_buf_puts(b, "[");
        for (size_t i = 0; i < np; i++) {
            const struct sp_series_point *p = &s->points[i];
            sp_buf_puts(b, i ? ", " : "");
            switch (col) {
            case 0:
                put_fixed(b, p->at_seconds, 6);
                break;
            case 1:
                put_str(b, p->trigger);
                break;
            case 2:
                put_u64(b, p->rss_bytes);
                break;
            default:
                put_u64(b, p->total_savings);
                break;
            }
        }
        sp_buf_puts(b, "]");
    }

    /* For each class, its entry in each point (position + 1; 0 when the
     * class was not among that census's top): one pass over the points
     * instead of a search per class and point. */
    obj_key(&o, "classes");
    uint8_t *at = sp_calloc(s->nclasses ? s->nclasses * np : 1, 1);
    if (at == NULL) {
        sp_buf_puts(b, "null");     /* the buffer is fine; the map is not */
        obj_close(&o);
        return;
    }
    for (size_t i = 0; i < np; i++) {
        for (uint32_t k = 0; k < s->points[i].n; k++) {
            at[(size_t)s->points[i].top[k].cls * np + i] = (uint8_t)(k + 1);
        }
    }
    sp_buf_puts(b, "[");
    for (size_t c = 0; c < s->nclasses; c++) {
        const struct sp_series_class *sc = &s->classes[c];
        const uint8_t *row = at + c * np;
        elem_sep(b, c, 3);
        sp_buf_puts(b, "{\"module\": ");
        {
            /* The key is module "\x1f" qualname. */
            char *m = sp_strndup(sc->key, sc->module_len);
            put_str(b, m != NULL ? m : "");
            sp_free(m);
        }
        sp_buf_puts(b, ", \"qualname\": ");
        put_str(b, sc->key + sc->module_len + 1);
        sp_buf_puts(b, ", \"instances\": [");
        for (size_t i = 0; i < np; i++) {
            sp_buf_puts(b, i ? ", " : "");
            if (row[i] == 0) {
                sp_buf_puts(b, "null");
            }
            else {
                put_u64(b, s->points[i].top[row[i] - 1].instances);
            }
        }
        sp_buf_puts(b, "], \"savings_bytes\": [");
        for (size_t i = 0; i < np; i++) {
            sp_buf_puts(b, i ? ", " : "");
            if (row[i] == 0) {
                sp_buf_puts(b, "null");
            }
            else {
                sp_buf_printf(b, "%" PRId64,
                              s->points[i].top[row[i] - 1].savings);
            }
        }
        sp_buf_puts(b, "]}");
    }
    array_close(b, s->nclasses, 3);
    sp_free(at);
    obj_close(&o);
}

/* Compact: one line per class, frame and site. */
static void
put_allocs(struct sp_buf *b, const struct sp_allocs *a)
{
    struct obj o;

    if (!a->present) {
        sp_buf_puts(b, "null");
        return;
    }
    obj_open(&o, b, 2);
    obj_key(&o, "counting");
    put_str(b, a->counting);
    obj_key(&o, "frees_exact");
    put_bool(b, a->frees_exact);
    obj_key(&o, "sample_every");
    put_u64(b, a->sample_every);
    obj_key(&o, "native");
    put_bool(b, a->native);
    obj_key(&o, "max_depth");
    put_u64(b, a->max_depth);
    obj_key(&o, "samples");
    put_u64(b, a->samples);

    obj_key(&o, "classes");
    sp_buf_puts(b, "[");
    for (size_t i = 0; i < a->nclasses; i++) {
        const struct sp_alloc_class *c = &a->classes[i];
        elem_sep(b, i, 3);
        sp_buf_puts(b, "{\"module\": ");
        put_str(b, c->module);
        sp_buf_puts(b, ", \"qualname\": ");
        put_str(b, c->qualname);
        sp_buf_printf(b,
                      ", \"allocated\": %" PRIu64 ", \"freed\": %" PRIu64
                      ", \"live\": %" PRIu64 ", \"peak_live\": %" PRIu64
                      ", \"samples\": %" PRIu64 "}",
                      c->allocated, c->freed, c->live, c->peak_live,
                      c->samples);
    }
    array_close(b, a->nclasses, 3);

    obj_key(&o, "frames");
    sp_buf_puts(b, "[");
    for (size_t i = 0; i < a->nframes; i++) {
        const struct sp_frame *f = &a->frames[i];
        elem_sep(b, i, 3);
        sp_buf_puts(b, "{\"function\": ");
        put_str(b, f->function != NULL ? f->function : "?");
        sp_buf_puts(b, ", \"file\": ");
        put_str(b, f->file);
        sp_buf_puts(b, ", \"line\": ");
        if (f->line > 0) {
            sp_buf_printf(b, "%d", f->line);
        }
        else {
            sp_buf_puts(b, "null");
        }
        sp_buf_puts(b, ", \"native\": ");
        put_bool(b, f->native);
        sp_buf_puts(b, "}");
    }
    array_close(b, a->nframes, 3);

    obj_key(&o, "sites");
    sp_buf_puts(b, "[");
    for (size_t i = 0; i < a->nsites; i++) {
        const struct sp_site *st = &a->sites[i];
        elem_sep(b, i, 3);
        sp_buf_puts(b, "{\"module\": ");
        put_str(b, st->module);
        sp_buf_puts(b, ", \"qualname\": ");
        put_str(b, st->qualname);
        sp_buf_puts(b, ", \"frames\": [");
        for (size_t k = 0; k < st->nframes; k++) {
            sp_buf_printf(b, k ? ", %" PRIu32 : "%" PRIu32, st->frames[k]);
        }
        sp_buf_printf(b,
                      "], \"samples\": %" PRIu64 ", \"allocations\": %" PRIu64
                      ", \"instances\": %" PRIu64
                      ", \"savable_bytes\": %" PRId64 "}",
                      st->samples, st->allocations, st->instances,
                      st->savable_bytes);
    }
    array_close(b, a->nsites, 3);
    obj_close(&o);
}

static void
put_slotted(struct sp_buf *b, const struct sp_report *r)
{
    sp_buf_puts(b, "[");
    for (size_t i = 0; i < r->nslotted; i++) {
        const struct sp_slotted_class *c = &r->slotted[i];
        elem_sep(b, i, 2);
        sp_buf_puts(b, "{\"module\": ");
        put_str(b, c->module);
        sp_buf_puts(b, ", \"qualname\": ");
        put_str(b, c->qualname);
        sp_buf_printf(b, ", \"instances\": %" PRIu64 ", \"bytes\": %" PRIu64 "}",
                      c->instances, c->bytes);
    }
    array_close(b, r->nslotted, 2);
}

void
sp_report_json(const struct sp_report *r, struct sp_buf *b)
{
    struct obj top, census;
    char python[sizeof(r->python)];

    /* A fixed array filled by someone else: never trust its NUL. */
    size_t n = strnlen(r->python, sizeof(r->python) - 1);
    memcpy(python, r->python, n);
    python[n] = '\0';

    obj_open(&top, b, 1);
    obj_key(&top, "format");
    put_str(b, "slotprof-report");
    obj_key(&top, "version");
    sp_buf_puts(b, "1");
    obj_key(&top, "python");
    put_str(b, python);
    obj_key(&top, "allocator");
    if (r->allocator[0] == '\0') {
        sp_buf_puts(b, "null");
    }
    else {
        char alloc[sizeof(r->allocator)];
        size_t an = strnlen(r->allocator, sizeof(r->allocator) - 1);
        memcpy(alloc, r->allocator, an);
        alloc[an] = '\0';
        put_str(b, alloc);
    }
    obj_key(&top, "pid");
    sp_buf_printf(b, "%d", r->pid);
    obj_key(&top, "min_instances");
    put_u64(b, r->min_instances);
    obj_key(&top, "profiler_bytes");
    put_u64(b, r->profiler_bytes);
    obj_key(&top, "censuses");
    put_u64(b, r->censuses);
    obj_key(&top, "census_seconds_total");
    put_fixed(b, r->census_seconds_total, 6);

    const struct sp_session_info *ss = &r->session;
    obj_key(&top, "kind");
    put_str(b, ss->kind != NULL ? ss->kind : "exit");
    obj_key(&top, "session");
    put_str(b, ss->session[0] != '\0' ? ss->session : NULL);
    obj_key(&top, "snapshot");
    put_u64(b, ss->snapshot);
    obj_key(&top, "written_at");
    put_str(b, ss->written_at[0] != '\0' ? ss->written_at : NULL);
    obj_key(&top, "sampling");
    put_sampling(b, ss);
    obj_key(&top, "censuses_aborted");
    put_u64(b, ss->censuses_aborted);
    obj_key(&top, "censuses_skipped");
    put_u64(b, ss->censuses_skipped);

    obj_key(&top, "census");
    put_census(b, &r->chosen, 2);
    obj_key(&top, "peak");
    if (ss->has_peak) {
        obj_open(&census, b, 2);
        obj_key(&census, "trigger");
        put_str(b, ss->peak.trigger);
        obj_key(&census, "at_seconds");
        put_fixed(b, ss->peak.at_seconds, 6);
        obj_key(&census, "rss_bytes");
        put_u64(b, ss->peak.rss_bytes);
        obj_key(&census, "total_savings_bytes");
        put_u64(b, ss->peak_savings);
        obj_close(&census);
    }
    else {
        sp_buf_puts(b, "null");
    }

    obj_key(&top, "total_savings_bytes");
    put_u64(b, sp_report_total_savings(r));

    obj_key(&top, "classes");
    sp_buf_puts(b, "[");
    for (size_t i = 0; i < r->nclasses; i++) {
        elem_sep(b, i, 2);
        put_class(b, &r->classes[i], 3);
    }
    array_close(b, r->nclasses, 2);
    obj_key(&top, "slotted_classes");
    put_slotted(b, r);
    obj_key(&top, "series");
    put_series(b, ss->series);
    obj_key(&top, "allocations");
    put_allocs(b, &r->allocs);
    obj_close(&top);
    sp_buf_puts(b, "\n");
}
