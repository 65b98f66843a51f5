/*
 * load_schema.c -- the report format, version 1, as the loader reads it:
 * one table per JSON object of docs/report-format.md, one row per key.
 *
 * This is the file to edit when the library writes a new key: add one
 * row to the table of the object it belongs to, in the section of the
 * format document it is described in.  A key "added within version 1" is
 * optional (flags 0): a report written before it existed loads, with the
 * field zero, NULL or "" -- the default the format document gives it (a
 * WORD row names another default).  A key every version 1 report has is
 * REQ.  NUL: null is accepted (NULL, "", 0, NaN for a duration, an
 * object left out).  Keys the tables do not name are ignored: the format
 * only ever grows within a version.
 *
 * Keys whose values the writers derive from others (bytes_per_instance_*,
 * the top-level total_savings_bytes) are NUMBER rows: optional, checked,
 * recomputed when the report is written again.  Rows are checked in
 * order, so the first failure reported is the first in document order.
 *
 * What is not one key into one field is a CUSTOM row: the blockers and
 * warnings (two arrays, one sp_class.issues), a site's frames (indices
 * checked against the frame table) and the series (load_series.c).
 */
#include "load.h"

#include <stdint.h>             /* uint32_t, UINT32_MAX */
#include <stdio.h>              /* snprintf */

/* ------------------------------------------------------------ notation */

/* Row constructors: T is the struct the table fills, defined around each
 * table; m a member of T (nested members too: session.kind). */
#define ROW(k, kind_, m, fl) \
    {.key = (k), .kind = (kind_), .flags = (fl), .at = offsetof(T, m)}
#define U64(k, m, fl) ROW(k, SP_LOAD_U64, m, fl)
#define I64(k, m, fl) ROW(k, SP_LOAD_I64, m, fl)
#define INT(k, m, fl) ROW(k, SP_LOAD_INT, m, fl)
#define BOOL(k, m, fl) ROW(k, SP_LOAD_BOOL, m, fl)
#define SECONDS(k, m, fl) ROW(k, SP_LOAD_SECONDS, m, fl)
#define MICROS(k, m, fl) ROW(k, SP_LOAD_MICROS, m, fl)
#define STR(k, m, fl) ROW(k, SP_LOAD_STR, m, fl)
/* A char array: its capacity from the member itself. */
#define CHARS(k, m, fl) \
    {.key = (k), .kind = SP_LOAD_CHARS, .flags = (fl), \
     .at = offsetof(T, m), .aux = sizeof(((T *)0)->m)}
/* A static word (internal.h); d: the value when the key is missing. */
#define WORD(k, m, fl, d) \
    {.key = (k), .kind = SP_LOAD_WORD, .flags = (fl), \
     .at = offsetof(T, m), .dflt = (d)}
/* An enum numbered as the NULL-terminated list w. */
#define ENUM(k, m, fl, w) \
    {.key = (k), .kind = SP_LOAD_ENUM, .flags = (fl), \
     .at = offsetof(T, m), .words = (w)}
/* An array of strings: char **m, size_t n. */
#define NAMES(k, m, n, fl) \
    {.key = (k), .kind = SP_LOAD_NAMES, .flags = (fl), \
     .at = offsetof(T, m), .aux = offsetof(T, n)}
#define NUMBER(k) {.key = (k), .kind = SP_LOAD_NUMBER}
/* An object whose table t fills member m; with OBJECT_PRESENT the bool
 * member p says whether it was there (and not null). */
#define OBJECT(k, m, fl, t) \
    {.key = (k), .kind = SP_LOAD_OBJECT, .flags = (fl), \
     .at = offsetof(T, m), .sub = &(t)}
#define OBJECT_PRESENT(k, m, p, fl, t) \
    {.key = (k), .kind = SP_LOAD_OBJECT, \
     .flags = (fl) | SP_LOAD_PRESENT, .at = offsetof(T, m), \
     .aux = offsetof(T, p), .sub = &(t)}
/* An array of objects, each read by table t: m the element pointer, n
 * its size_t count. */
#define ARRAY(k, m, n, fl, t) \
    {.key = (k), .kind = SP_LOAD_ARRAY, .flags = (fl), \
     .at = offsetof(T, m), .aux = offsetof(T, n), .sub = &(t)}
#define CUSTOM(k, f) {.key = (k), .kind = SP_LOAD_CUSTOM, .fn = (f)}
#define TABLE(rows, type) {(rows), SP_ARRAY_LEN(rows), sizeof(type)}
#define REQ SP_LOAD_REQUIRED
#define NUL SP_LOAD_NULLABLE

/* ENUM rows store an int. */
_Static_assert(sizeof(enum sp_verdict) == sizeof(int), "enum size");
_Static_assert(sizeof(enum sp_form) == sizeof(int), "enum size");
_Static_assert(sizeof(enum sp_origin) == sizeof(int), "enum size");

/* ------------------------------------------------------------ classes[] */

#define T struct sp_attr
static const struct sp_load_field attr_rows[] = {
    STR("name", name, REQ),
    U64("instances", instances, REQ),
    U64("max_instances", max_instances, 0),
    BOOL("in_code", in_code, 0),
};
static const struct sp_load_table attr_table = TABLE(attr_rows, T);
#undef T

#define T struct sp_moved_default
static const struct sp_load_field moved_rows[] = {
    STR("name", name, REQ),
    STR("from_module", from_module, 0),
    STR("from_qualname", from_qualname, 0),
    INT("line", line, REQ | NUL),
};
static const struct sp_load_table moved_table = TABLE(moved_rows, T);
#undef T

static const char *const form_words[] = {
    "slots", "dataclass", "empty_slots", "init_only", NULL, /* sp_form */
};
#define T struct sp_plan_step
static const struct sp_load_field plan_rows[] = {
    STR("module", module, REQ),
    STR("qualname", qualname, REQ),
    ENUM("form", form, REQ, form_words),
    NAMES("names", names, nnames, REQ),
    ARRAY("moved_defaults", moved, nmoved, 0, moved_table),
    ARRAY("init_defaults", inits, ninits, 0, moved_table),
    BOOL("add_init", add_init, 0),
    BOOL("init_args", init_args, 0),
};
static const struct sp_load_table plan_table = TABLE(plan_rows, T);
#undef T

#define T struct sp_issue
static const struct sp_load_field issue_rows[] = {
    STR("code", code, REQ),
    STR("detail", detail, REQ),
};
static const struct sp_load_table issue_table = TABLE(issue_rows, T);
#undef T

/* "blockers" then "warnings": both checked to be arrays, then read into
 * the one sp_class.issues (so they come back blockers first). */
static bool
load_issues(struct sp_load_ctx *c, const json_t *o,
            const struct sp_load_where *w, void *base)
{
    static const char *const keys[] = {"blockers", "warnings"};
    struct sp_class *cl = base;
    const json_t *a[2];
    struct sp_load_where aw, ew;

    for (int k = 0; k < 2; k++) {
        if ((a[k] = sp_load_member(c, o, w, keys[k], true)) == NULL) {
            return false;
        }
        if (!json_is_array(a[k])) {
            sp_load_at_key(&aw, w, keys[k]);
            return sp_load_wrong(c, &aw, "an array", a[k]);
        }
    }
    cl->issues = sp_calloc(json_array_size(a[0]) + json_array_size(a[1]),
                           sizeof(*cl->issues));
    if (cl->issues == NULL) {
        return sp_load_fail(c, "out of memory");
    }
    for (int k = 0; k < 2; k++) {
        sp_load_at_key(&aw, w, keys[k]);
        for (size_t i = 0; i < json_array_size(a[k]); i++) {
            const json_t *e = json_array_get(a[k], i);
            struct sp_issue *is = &cl->issues[cl->nissues];
            sp_load_at_index(&ew, &aw, i);
            if (!json_is_object(e)) {
                return sp_load_wrong(c, &ew, "an object", e);
            }
            cl->nissues++;
            is->blocks = k == 0;
            if (!sp_load_object(c, e, &ew, &issue_table, is)) {
                return false;
            }
        }
    }
    return true;
}

static const char *const verdict_words[] = {
    "safe", "review", "blocked", NULL,             /* enum sp_verdict */
};
static const char *const origin_words[] = {
    "yours", "stdlib", "installed", "builtin", NULL, /* enum sp_origin */
};
#define T struct sp_class
static const struct sp_load_field class_rows[] = {
    STR("module", module, REQ),
    STR("qualname", qualname, REQ),
    STR("file", file, REQ | NUL),
    INT("line", line, REQ | NUL),
    U64("instances", instances, REQ),
    U64("bytes_now", bytes_now, REQ),
    U64("bytes_slotted", bytes_slotted, REQ),
    I64("savings_bytes", savings_bytes, REQ),
    NUMBER("bytes_per_instance_now"),
    NUMBER("bytes_per_instance_slotted"),
    BOOL("recommended", recommended, REQ),
    ENUM("verdict", verdict, REQ, verdict_words),
    NAMES("suggested_slots", suggested_slots, nsuggested, REQ),
    ARRAY("attributes", attrs, nattrs, REQ, attr_table),
    U64("dicts_materialized", dicts_materialized, REQ),
    U64("dicts_unshared", dicts_unshared, REQ),
    BOOL("keys_sharing_lost", keys_sharing_lost, REQ),
    U64("weakrefs", weakrefs, REQ),
    U64("non_str_keys", non_str_keys, REQ),
    ARRAY("plan", plan, nplan, REQ, plan_table),
    CUSTOM("blockers", load_issues),
    ENUM("origin", origin, 0, origin_words),
    U64("max_instances", max_instances, 0),
    SECONDS("max_instances_at_seconds", max_at_seconds, 0),
};
static const struct sp_load_table class_table = TABLE(class_rows, T);
#undef T

/* ------------------------------------------------------ slotted_classes[] */

#define T struct sp_slotted_class
static const struct sp_load_field slotted_rows[] = {
    STR("module", module, REQ),
    STR("qualname", qualname, REQ),
    U64("instances", instances, REQ),
    U64("bytes", bytes, REQ),
};
static const struct sp_load_table slotted_table = TABLE(slotted_rows, T);
#undef T

/* ------------------------------------------------------------ allocations */

#define T struct sp_alloc_class
static const struct sp_load_field alloc_class_rows[] = {
    STR("module", module, REQ),
    STR("qualname", qualname, REQ),
    U64("allocated", allocated, REQ),
    U64("freed", freed, REQ),
    U64("live", live, REQ),
    U64("peak_live", peak_live, REQ),
    U64("samples", samples, REQ),
};
static const struct sp_load_table alloc_class_table =
    TABLE(alloc_class_rows, T);
#undef T

#define T struct sp_frame
static const struct sp_load_field frame_rows[] = {
    STR("function", function, REQ),
    STR("file", file, REQ | NUL),
    INT("line", line, REQ | NUL),
    BOOL("native", native, REQ),
};
static const struct sp_load_table frame_table = TABLE(frame_rows, T);
#undef T

/* A site's "frames": indices into allocations.frames, read before the
 * sites (its row comes first). */
static bool
load_site_frames(struct sp_load_ctx *c, const json_t *o,
                 const struct sp_load_where *w, void *base)
{
    struct sp_site *s = base;
    size_t nframes = c->L->report.allocs.nframes;
    struct sp_load_where fw, iw;
    const json_t *a;
    char what[80];

    if ((a = sp_load_member(c, o, w, "frames", true)) == NULL) {
        return false;
    }
    sp_load_at_key(&fw, w, "frames");
    if (!json_is_array(a)) {
        return sp_load_wrong(c, &fw, "an array", a);
    }
    s->frames = sp_calloc(json_array_size(a), sizeof(*s->frames));
    if (s->frames == NULL) {
        return sp_load_fail(c, "out of memory");
    }
    s->nframes = json_array_size(a);
    for (size_t k = 0; k < s->nframes; k++) {
        const json_t *x = json_array_get(a, k);
        json_int_t idx = json_is_integer(x) ? json_integer_value(x) : -1;
        if (idx < 0 || (uint64_t)idx >= nframes || idx > UINT32_MAX) {
            if (nframes == 0) {
                snprintf(what, sizeof(what), "no index: "
                         "allocations.frames is empty");
            }
            else {
                snprintf(what, sizeof(what), "an index into "
                         "allocations.frames (0 to %zu)", nframes - 1);
            }
            sp_load_at_index(&iw, &fw, k);
            return sp_load_wrong(c, &iw, what, x);
        }
        s->frames[k] = (uint32_t)idx;
    }
    return true;
}

#define T struct sp_site
static const struct sp_load_field site_rows[] = {
    STR("module", module, REQ),
    STR("qualname", qualname, REQ),
    CUSTOM("frames", load_site_frames),
    U64("samples", samples, REQ),
    U64("allocations", allocations, REQ),
    U64("instances", instances, REQ),
    I64("savable_bytes", savable_bytes, REQ),
};
static const struct sp_load_table site_table = TABLE(site_rows, T);
#undef T

#define T struct sp_allocs
static const struct sp_load_field allocs_rows[] = {
    WORD("counting", counting, REQ, NULL),
    BOOL("frees_exact", frees_exact, REQ),
    U64("sample_every", sample_every, REQ),
    BOOL("native", native, REQ),
    U64("max_depth", max_depth, REQ),
    U64("samples", samples, REQ),
    ARRAY("classes", classes, nclasses, REQ, alloc_class_table),
    ARRAY("frames", frames, nframes, REQ, frame_table),
    ARRAY("sites", sites, nsites, REQ, site_table),
};
static const struct sp_load_table allocs_table = TABLE(allocs_rows, T);
#undef T

/* ------------------------------------------------------------ top level */

#define T struct sp_census_info
static const struct sp_load_field census_rows[] = {
    WORD("trigger", trigger, REQ | NUL, NULL),
    SECONDS("at_seconds", at_seconds, REQ | NUL),
    SECONDS("duration_seconds", duration_seconds, REQ | NUL),
    U64("objects_visited", objects_visited, REQ),
    U64("rss_bytes", rss_bytes, 0),
};
static const struct sp_load_table census_table = TABLE(census_rows, T);
#undef T

/* peak: the census fields of session.peak, and session.peak_savings. */
#define T struct sp_session_info
static const struct sp_load_field peak_rows[] = {
    WORD("trigger", peak.trigger, REQ | NUL, NULL),
    SECONDS("at_seconds", peak.at_seconds, REQ | NUL),
    U64("rss_bytes", peak.rss_bytes, REQ),
    U64("total_savings_bytes", peak_savings, REQ),
};
static const struct sp_load_table peak_table = TABLE(peak_rows, T);

static const struct sp_load_field sampling_rows[] = {
    MICROS("interval_seconds", interval_us, NUL),
    WORD("signal", signal, NUL, NULL),
    BOOL("dormant", dormant, 0),
    MICROS("max_pause_seconds", max_pause_us, NUL),
};
static const struct sp_load_table sampling_table = TABLE(sampling_rows, T);
#undef T

/* "format" and "version" are checked before (load.c). */
#define T struct sp_report
static const struct sp_load_field report_rows[] = {
    CHARS("python", python, REQ),
    CHARS("allocator", allocator, NUL),
    INT("pid", pid, REQ),
    U64("min_instances", min_instances, REQ),
    U64("profiler_bytes", profiler_bytes, REQ),
    U64("censuses", censuses, REQ),
    SECONDS("census_seconds_total", census_seconds_total, REQ | NUL),
    WORD("kind", session.kind, 0, "exit"),
    CHARS("session", session.session, NUL),
    U64("snapshot", session.snapshot, 0),
    CHARS("written_at", session.written_at, NUL),
    U64("censuses_aborted", session.censuses_aborted, 0),
    U64("censuses_skipped", session.censuses_skipped, 0),
    OBJECT("sampling", session, 0, sampling_table),
    OBJECT("census", chosen, REQ, census_table),
    OBJECT_PRESENT("peak", session, session.has_peak, NUL, peak_table),
    NUMBER("total_savings_bytes"),
    ARRAY("classes", classes, nclasses, REQ, class_table),
    ARRAY("slotted_classes", slotted, nslotted, 0, slotted_table),
    CUSTOM("series", sp_load_series),
    OBJECT_PRESENT("allocations", allocs, allocs.present, NUL, allocs_table),
};
#undef T

const struct sp_load_table sp_load_report_v1 = TABLE(report_rows,
                                                     struct sp_report);
