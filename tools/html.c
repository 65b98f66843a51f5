/*
 * html.c -- the report as one self-contained HTML page
 * (`slotprof report FILE --format html`).
 *
 * This file owns the page's static part: a header (interpreter, process,
 * census, potential saving, how allocations were counted), the ranked
 * table of classes with the text report's numbers, and one expandable
 * section per class with its plan, issues and attributes.  The flamegraphs
 * are drawn in the browser by tools/html_assets/flame.js from the report
 * itself, embedded as one JSON blob (sp_report_json's output); the
 * stylesheet and the script are compiled in from tools/html_assets/ as
 * arrays (mk/tools-html.mk generates html_assets.h).
 *
 * The page must never reach the network and never run what the profiled
 * program named: class names, file names and issue details come from the
 * program and may contain "<script>".  So: every string is HTML-escaped
 * here; the blob escapes '<', '>' and '&' as \u003c... so "</script>" in a
 * name cannot end the <script> element; the script inserts names with
 * textContent only; and a Content-Security-Policy without any source but
 * inline code and data: images makes any fetch fail (and get logged).
 *
 * Like the text report it is a pure function of the report: no I/O, no
 * clock, no locale.
 */
#include "cli.h"                /* sp_render_html, struct sp_report */

#include "html_assets.h"        /* html_style_css, html_flame_js (generated) */

#include <inttypes.h>           /* PRIu64 */
#include <stdio.h>              /* snprintf */
#include <string.h>             /* strcmp, strrchr, strlen */

/* ------------------------------------------------------------ numbers */

/* sp_fmt_ratio1, sp_fmt_bytes, sp_fmt_signed_bytes and sp_report_listed
 * are report_text.c's own: the page shows the text report's numbers. */

/* "8.4 MiB (8,800,000 B)"; "512 B" alone below 1 KiB. */
static void
fmt_bytes_exact(char *out, size_t outlen, uint64_t x)
{
    char human[32], exact[32];

    sp_fmt_bytes(human, sizeof(human), x);
    if (x < 1024) {
        snprintf(out, outlen, "%s", human);
        return;
    }
    sp_fmt_count(exact, sizeof(exact), x);
    snprintf(out, outlen, "%s (%s B)", human, exact);
}

/* As fmt_bytes_exact, negative amounts with a '-'. */
static void
fmt_signed_bytes_exact(char *out, size_t outlen, int64_t x)
{
    char human[32], exact[32];

    if (x >= 0) {
        fmt_bytes_exact(out, outlen, (uint64_t)x);
        return;
    }
    sp_fmt_signed_bytes(human, sizeof(human), x);
    if (x > -1024) {
        snprintf(out, outlen, "%s", human);
        return;
    }
    sp_fmt_count(exact, sizeof(exact), (uint64_t)0 - (uint64_t)x);
    snprintf(out, outlen, "%s (-%s B)", human, exact);
}

static const char *
plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* ------------------------------------------------------------ strings */

/* Append s as HTML text or attribute value: the five special characters
 * as entities, control bytes as '?' (as in the text report).  NULL is
 * shown as "?". */
static void
put_html(struct sp_buf *b, const char *s)
{
    if (s == NULL) {
        sp_buf_puts(b, "?");
        return;
    }
    while (*s != '\0') {
        size_t n = 0;
        while (s[n] != '\0' && (unsigned char)s[n] >= 0x20
               && s[n] != 0x7f && strchr("&<>\"'", s[n]) == NULL) {
            n++;
        }
        sp_buf_append(b, s, n);
        s += n;
        switch (*s) {
        case '\0':
            return;
        case '&':
            sp_buf_puts(b, "&amp;");
            break;
        case '<':
            sp_buf_puts(b, "&lt;");
            break;
        case '>':
            sp_buf_puts(b, "&gt;");
            break;
        case '"':
            sp_buf_puts(b, "&quot;");
            break;
        case '\'':
            sp_buf_puts(b, "&#39;");
            break;
        default:
            sp_buf_puts(b, "?");
            break;
        }
        s++;
    }
}

static void
put_class_name(struct sp_buf *b, const char *module, const char *qualname)
{
    put_html(b, module);
    sp_buf_puts(b, ".");
    put_html(b, qualname);
}

/* "shop.py:12" (the table is for scanning), "shop.py", "?" -- as the
 * text report's where column. */
static void
put_where_short(struct sp_buf *b, const struct sp_class *c)
{
    if (c->file == NULL) {
        sp_buf_puts(b, "?");
        return;
    }
    const char *slash = strrchr(c->file, '/');
    put_html(b, slash ? slash + 1 : c->file);
    if (c->line > 0) {
        sp_buf_printf(b, ":%d", c->line);
    }
}

static void
put_where_full(struct sp_buf *b, const struct sp_class *c)
{
    if (c->file == NULL) {
        sp_buf_puts(b, "?");
        return;
    }
    put_html(b, c->file);
    if (c->line > 0) {
        sp_buf_printf(b, ":%d", c->line);
    }
}

/* The report as JSON, safe inside <script type="application/json">: '<',
 * '>' and '&' only occur inside JSON strings, where \u003c means the same
 * character, and without a '<' nothing can close the element. */
static void
put_json_blob(struct sp_buf *b, const struct sp_report *r)
{
    struct sp_buf json;

    sp_buf_init(&json);
    sp_report_json(r, &json);
    if (!sp_buf_ok(&json)) {
        b->failed = true;
        sp_buf_free(&json);
        return;
    }
    const char *s = json.data;
    while (*s != '\0') {
        size_t n = strcspn(s, "<>&");
        sp_buf_append(b, s, n);
        s += n;
        if (*s != '\0') {
            sp_buf_printf(b, "\\u%04x", (unsigned)(unsigned char)*s);
            s++;
        }
    }
    sp_buf_free(&json);
}

/* ------------------------------------------------------------ lookups */

/* Allocation counts and sites are keyed by (module, qualname); a map
 * keeps the page linear in the number of classes.  Tag 0: index into
 * allocs.classes; tag 1: the class has sites. */
struct alloc_index {
    struct sp_strmap map;
    char **keys;            /* owned "module\x1fqualname" strings */
    size_t nkeys;
};

static char *
make_key(const char *module, const char *qualname)
{
    size_t m = strlen(module ? module : ""), q = strlen(qualname ? qualname
                                                                 : "");
    char *k = sp_malloc(m + q + 2);

    if (k != NULL) {
        memcpy(k, module ? module : "", m);
        k[m] = '\x1f';
        memcpy(k + m + 1, qualname ? qualname : "", q + 1);
    }
    return k;
}

/* False on allocation failure (the index is then empty, not broken). */
static bool
index_build(struct alloc_index *ix, const struct sp_allocs *a)
{
    sp_strmap_init(&ix->map);
    ix->nkeys = 0;
    ix->keys = NULL;
    if (!a->present || a->nclasses + a->nsites == 0) {
        return true;
    }
    ix->keys = sp_calloc(a->nclasses + a->nsites, sizeof(char *));
    if (ix->keys == NULL) {
        return false;
    }
    for (size_t i = 0; i < a->nclasses; i++) {
        char *k = make_key(a->classes[i].module, a->classes[i].qualname);
        if (k == NULL) {
            return false;
        }
        ix->keys[ix->nkeys++] = k;
        if (sp_strmap_put(&ix->map, 0, k, (int64_t)i) < 0) {
            return false;
        }
    }
    for (size_t i = 0; i < a->nsites; i++) {
        char *k = make_key(a->sites[i].module, a->sites[i].qualname);
        if (k == NULL) {
            return false;
        }
        ix->keys[ix->nkeys++] = k;
        if (sp_strmap_put(&ix->map, 1, k, 1) < 0) {
            return false;
        }
    }
    return true;
}

static void
index_free(struct alloc_index *ix)
{
    for (size_t i = 0; i < ix->nkeys; i++) {
        sp_free(ix->keys[i]);
    }
    sp_free(ix->keys);
    sp_strmap_free(&ix->map);
}

static const struct sp_alloc_class *
alloc_class_of(const struct alloc_index *ix, const struct sp_report *r,
               const struct sp_class *c)
{
    int64_t i;
    char *k = make_key(c->module, c->qualname);
    bool found = k != NULL && sp_strmap_get(&ix->map, 0, k, &i);

    sp_free(k);
    return found ? &r->allocs.classes[i] : NULL;
}

static bool
has_sites(const struct alloc_index *ix, const struct sp_class *c)
{
    int64_t n;
    char *k = make_key(c->module, c->qualname);
    bool found = k != NULL && sp_strmap_get(&ix->map, 1, k, &n);

    sp_free(k);
    return found && n > 0;
}

/* ------------------------------------------------------------ header */

static void
put_dt(struct sp_buf *b, const char *term)
{
    sp_buf_printf(b, "<dt>%s</dt><dd>", term);
}

static void
put_census(struct sp_buf *b, const struct sp_report *r)
{
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
    };
    const char *t = r->chosen.trigger != NULL ? r->chosen.trigger : "?";
    char at[32], dur[32], visited[32], n[32];

    for (size_t i = 0; i < SP_ARRAY_LEN(triggers); i++) {
        if (strcmp(t, triggers[i].trigger) == 0) {
            t = triggers[i].words;
            break;
        }
    }
    if (!sp_fmt_fixed(at, sizeof(at), r->chosen.at_seconds, 3)) {
        strcpy(at, "?");
    }
    if (!sp_fmt_fixed(dur, sizeof(dur), r->chosen.duration_seconds * 1000.0,
                      1)) {
        strcpy(dur, "?");
    }
    sp_fmt_count(visited, sizeof(visited), r->chosen.objects_visited);
    sp_fmt_count(n, sizeof(n), r->censuses);
    put_dt(b, "census");
    put_html(b, t);
    sp_buf_printf(b, ", %s s after start, %s object%s visited in %s ms "
                  "(%s %s in all)</dd>\n", at, visited,
                  r->chosen.objects_visited == 1 ? "" : "s", dur, n,
                  plural(r->censuses, "census", "censuses"));
}

static void
put_allocs_summary(struct sp_buf *b, const struct sp_allocs *a)
{
    char every[32], samples[32];

    put_dt(b, "allocations");
    if (!a->present) {
        sp_buf_puts(b, "allocation counting was off: no allocation counts "
                       "or sites in this report</dd>\n");
        return;
    }
    sp_buf_puts(b, "counted with ");
    put_html(b, a->counting);
    if (a->sample_every == 0) {
        sp_buf_puts(b, "; stack sampling was off</dd>\n");
        return;
    }
    sp_fmt_count(every, sizeof(every), a->sample_every);
    sp_fmt_count(samples, sizeof(samples), a->samples);
    sp_buf_printf(b, "; one stack sampled every %s allocations on average "
                  "(%s %s sampled, up to %" PRIu64 " frames each, %s)"
                  "</dd>\n", every, samples,
                  plural(a->samples, "stack", "stacks"), a->max_depth,
                  a->native ? "native frames included"
                            : "Python frames only");
}

static void
put_header(struct sp_buf *b, const struct sp_report *r, uint64_t nrec)
{
    const struct sp_session_info *ss = &r->session;
    bool snapshot = ss->kind != NULL && strcmp(ss->kind, "snapshot") == 0;
    char total[96];

    sp_buf_puts(b, "<header>\n<h1>slotprof report</h1>\n"
                   "<dl class=\"meta\">\n");
    put_dt(b, "python");
    sp_buf_puts(b, "CPython ");
    put_html(b, r->python);
    if (r->allocator[0] != '\0') {
        sp_buf_puts(b, ", allocator ");
        put_html(b, r->allocator);
    }
    sp_buf_puts(b, "</dd>\n");
    put_dt(b, "process");
    sp_buf_printf(b, "pid %d", r->pid);
    if (ss->session[0] != '\0') {
        sp_buf_puts(b, ", session ");
        put_html(b, ss->session);
    }
    sp_buf_puts(b, "</dd>\n");
    put_dt(b, "report");
    sp_buf_puts(b, snapshot ? "snapshot" : "exit report");
    if (ss->snapshot != 0) {
        sp_buf_printf(b, " %" PRIu64, ss->snapshot);
    }
    if (ss->written_at[0] != '\0') {
        sp_buf_puts(b, ", written ");
        put_html(b, ss->written_at);
    }
    sp_buf_puts(b, "</dd>\n");
    put_census(b, r);
    put_dt(b, "potential saving");
    fmt_bytes_exact(total, sizeof(total), sp_report_total_savings(r));
    sp_buf_printf(b, "<strong id=\"total-saving\">%s</strong> across %"
                  PRIu64 " recommended %s</dd>\n", total, nrec,
                  plural(nrec, "class", "classes"));
    put_allocs_summary(b, &r->allocs);
    sp_buf_puts(b, "</dl>\n");

    if (r->allocator[0] != '\0' && strcmp(r->allocator, "pymalloc") != 0) {
        sp_buf_puts(b, "<p class=\"warning\" id=\"warn-allocator\">"
                       "Warning: this process allocates with ");
        put_html(b, r->allocator);
        sp_buf_puts(b, ", not pymalloc: the bytes below assume pymalloc and "
                       "are not what this process uses.</p>\n");
    }
    if (r->allocs.present && !r->allocs.frees_exact) {
        sp_buf_puts(b, "<p class=\"warning\" id=\"warn-frees\">Warning: "
                       "some frees may have been missed (the object "
                       "allocator was replaced while the profiler ran): "
                       "freed, live and peak live counts are lower bounds."
                       "</p>\n");
    }
    sp_buf_puts(b, "</header>\n");
}

/* ------------------------------------------------------------ tables */

static void
put_table_head(struct sp_buf *b, bool allocs, bool why)
{
    sp_buf_puts(b, "<thead><tr><th class=\"num\">rank</th><th>class</th>"
                   "<th>where</th><th class=\"num\">instances</th>"
                   "<th class=\"num\">now</th><th class=\"num\">slotted</th>"
                   "<th class=\"num\">saving</th><th>verdict</th>");
    if (allocs) {
        sp_buf_puts(b, "<th class=\"num\">allocated</th>"
                       "<th class=\"num\">peak live</th>");
    }
    if (why) {
        sp_buf_puts(b, "<th>not recommended</th>");
    }
    sp_buf_puts(b, "</tr></thead>\n");
}

/* One row; rank 0 shows "-" (classes outside the ranking). */
static void
put_row(struct sp_buf *b, const struct sp_report *r,
        const struct alloc_index *ix, size_t i, size_t rank,
        const char *why)
{
    const struct sp_class *c = &r->classes[i];
    char cell[96];

    sp_buf_printf(b, "<tr data-class=\"%zu\"><td class=\"num\">", i);
    if (rank > 0) {
        sp_buf_printf(b, "%zu", rank);
    }
    else {
        sp_buf_puts(b, "-");
    }
    sp_buf_printf(b, "</td><td class=\"name\"><a href=\"#class-%zu\">", i);
    put_class_name(b, c->module, c->qualname);
    sp_buf_puts(b, "</a></td><td title=\"");
    put_where_full(b, c);
    sp_buf_puts(b, "\">");
    put_where_short(b, c);
    sp_fmt_count(cell, sizeof(cell), c->instances);
    sp_buf_printf(b, "</td><td class=\"num\">%s</td>", cell);
    sp_fmt_ratio1(cell, sizeof(cell), c->bytes_now, c->instances);
    sp_buf_printf(b, "<td class=\"num\">%s</td>", cell);
    sp_fmt_ratio1(cell, sizeof(cell), c->bytes_slotted, c->instances);
    sp_buf_printf(b, "<td class=\"num\">%s</td>", cell);
    fmt_signed_bytes_exact(cell, sizeof(cell), c->savings_bytes);
    sp_buf_printf(b, "<td class=\"num\" title=\"%s\">", cell);
    sp_fmt_signed_bytes(cell, sizeof(cell), c->savings_bytes);
    sp_buf_printf(b, "%s</td><td class=\"verdict-%s\">%s</td>", cell,
                  sp_verdict_name(c->verdict), sp_verdict_name(c->verdict));
    if (r->allocs.present) {
        const struct sp_alloc_class *a = alloc_class_of(ix, r, c);
        sp_fmt_count(cell, sizeof(cell), a ? a->allocated : 0);
        sp_buf_printf(b, "<td class=\"num\">%s</td>", cell);
        sp_fmt_count(cell, sizeof(cell), a ? a->peak_live : 0);
        sp_buf_printf(b, "<td class=\"num\">%s</td>", cell);
    }
    if (why != NULL) {
        sp_buf_printf(b, "<td>%s</td>", why);
    }
    sp_buf_puts(b, "</tr>\n");
}

/* Why a class is outside the ranking, in the text report's categories. */
static const char *
why_not(const struct sp_report *r, const struct sp_class *c)
{
    switch (c->origin) {
    case SP_ORIGIN_STDLIB:
        return "standard library";
    case SP_ORIGIN_INSTALLED:
        return "installed package";
    case SP_ORIGIN_BUILTIN:
        return "builtin or C";
    case SP_ORIGIN_YOURS:
        break;
    }
    if (c->instances < r->min_instances) {
        return "below min_instances";
    }
    if (c->savings_bytes <= 0) {
        return "no saving";
    }
    return "blocked";
}

/* Classes that are not the user's code, one line per origin, as the
 * text report sums them up. */
static void
put_not_yours(struct sp_buf *b, const struct sp_report *r)
{
    static const enum sp_origin kinds[] = {
        SP_ORIGIN_STDLIB, SP_ORIGIN_INSTALLED, SP_ORIGIN_BUILTIN};
    bool any = false;
    for (size_t k = 0; k < SP_ARRAY_LEN(kinds); k++) {
        uint64_t n = 0, inst = 0, potential = 0;
        const char *label = NULL;
        for (size_t i = 0; i < r->nclasses; i++) {
            const struct sp_class *c = &r->classes[i];
            if (c->origin == kinds[k]) {
                n++;
                inst += c->instances;
                potential += c->savings_bytes > 0 ? (uint64_t)c->savings_bytes
                                                  : 0;
                label = why_not(r, c);
            }
        }
        if (n == 0) {
            continue;
        }
        if (!any) {
            sp_buf_puts(b, "<p id=\"not-yours\">Not your code, not ranked "
                           "(<code>mine=PATH</code> makes a package "
                           "yours):</p>\n<ul class=\"not-yours\">\n");
            any = true;
        }
        char cn[32], ci[32], cp[32];
        sp_fmt_count(cn, sizeof(cn), n);
        sp_fmt_count(ci, sizeof(ci), inst);
        sp_fmt_bytes(cp, sizeof(cp), potential);
        sp_buf_printf(b, "<li>%s: %s %s, %s %s, %s if they had slots</li>\n",
                      label, cn, plural(n, "class", "classes"), ci,
                      plural(inst, "instance", "instances"), cp);
    }
    if (any) {
        sp_buf_puts(b, "</ul>\n");
    }
}

static void
put_tables(struct sp_buf *b, const struct sp_report *r,
           const struct alloc_index *ix)
{
    uint64_t below = 0, nosave = 0, blocked = 0, others = 0;
    size_t rank = 0;
    bool allocs = r->allocs.present;

    sp_buf_puts(b, "<section id=\"ranking\">\n<h2>Classes by saving</h2>\n");
    if (r->nclasses == 0) {
        sp_buf_puts(b, "<p class=\"note\">No instances of classes with a "
                       "__dict__ were alive at the census.</p>\n"
                       "</section>\n");
        return;
    }
    /* Counted as report_text.c counts them. */
    for (size_t i = 0; i < r->nclasses; i++) {
        const struct sp_class *c = &r->classes[i];
        if (sp_report_listed(r, c)) {
            rank++;
        }
        else {
            others++;
        }
        if (c->recommended || c->origin != SP_ORIGIN_YOURS) {
            continue;   /* not yours: summed up by origin below */
        }
        if (c->instances < r->min_instances) {
            below++;
        }
        else if (c->savings_bytes <= 0) {
            nosave++;
        }
        else {
            blocked++;
        }
    }
    if (rank == 0) {
        sp_buf_puts(b, "<p class=\"note\">No class is worth slots.</p>\n");
    }
    else {
        sp_buf_puts(b, "<table class=\"classes\" id=\"ranked\">\n");
        put_table_head(b, allocs, false);
        sp_buf_puts(b, "<tbody>\n");
        rank = 0;
        for (size_t i = 0; i < r->nclasses; i++) {
            if (sp_report_listed(r, &r->classes[i])) {
                put_row(b, r, ix, i, ++rank, NULL);
            }
        }
        sp_buf_puts(b, "</tbody></table>\n");
    }
    put_not_yours(b, r);
    sp_buf_printf(b, "<p id=\"not-recommended\">Not recommended: %" PRIu64
                  " %s below min_instances=%" PRIu64 ", %" PRIu64
                  " with no saving", below, plural(below, "class", "classes"),
                  r->min_instances, nosave);
    if (blocked > 0) {
        sp_buf_printf(b, ", %" PRIu64 " blocked", blocked);
    }
    sp_buf_puts(b, ".</p>\n");
    if (others > 0) {
        sp_buf_puts(b, "<details class=\"others\"><summary>show them"
                       "</summary>\n"
                       "<table class=\"classes\" id=\"others\">\n");
        put_table_head(b, allocs, true);
        sp_buf_puts(b, "<tbody>\n");
        for (size_t i = 0; i < r->nclasses; i++) {
            if (!sp_report_listed(r, &r->classes[i])) {
                put_row(b, r, ix, i, 0, why_not(r, &r->classes[i]));
            }
        }
        sp_buf_puts(b, "</tbody></table>\n</details>\n");
    }
    sp_buf_puts(b, "</section>\n");
}

/* ------------------------------------------------------------ classes */

static void
put_plan(struct sp_buf *b, const struct sp_class *c)
{
    sp_buf_puts(b, "<h3>Plan</h3>\n");
    if (c->nplan == 0) {
        sp_buf_puts(b, "<p class=\"note\">No plan.</p>\n");
        return;
    }
    sp_buf_puts(b, "<table class=\"plan\">\n");
    for (size_t i = 0; i < c->nplan; i++) {
        const struct sp_plan_step *s = &c->plan[i];
        sp_buf_puts(b, "<tr><td>add to class <code>");
        if (s->module == NULL || c->module == NULL
            || strcmp(s->module, c->module) != 0) {
            put_html(b, s->module);
            sp_buf_puts(b, ".");
        }
        put_html(b, s->qualname);
        sp_buf_puts(b, "</code>:</td><td class=\"code\">");
        /* The code, then its notes on moved class attributes, a line
         * each: report_text.c's words (sp_plan_step_*). */
        for (int part = -1; part < 2; part++) {
            struct sp_buf t;
            sp_buf_init(&t);
            bool any = true;
            if (part < 0) {
                sp_plan_step_code(&t, s);
            }
            else {
                any = sp_plan_step_note(&t, s, part);
            }
            sp_buf_append(&t, "", 0);
            if (!sp_buf_ok(&t)) {
                b->failed = true;
            }
            else if (any) {
                sp_buf_puts(b, part < 0 ? "" : "<br>");
                put_html(b, t.data);
            }
            sp_buf_free(&t);
        }
        sp_buf_puts(b, "</td></tr>\n");
    }
    sp_buf_puts(b, "</table>\n");
}

static void
put_issues(struct sp_buf *b, const struct sp_class *c)
{
    if (c->nissues == 0) {
        return;
    }
    sp_buf_puts(b, "<h3>Blockers and warnings</h3>\n<ul class=\"issues\">\n");
    for (size_t i = 0; i < c->nissues; i++) {
        const struct sp_issue *is = &c->issues[i];
        sp_buf_puts(b, is->blocks ? "<li class=\"issue-blocker\">"
                                    "<span class=\"tag-blocker\">BLOCKER"
                                  : "<li class=\"issue-warning\">"
                                    "<span class=\"tag-warning\">warning");
        sp_buf_puts(b, "</span> <code>");
        put_html(b, is->code);
        sp_buf_puts(b, "</code>: ");
        put_html(b, is->detail);
        sp_buf_puts(b, "</li>\n");
    }
    sp_buf_puts(b, "</ul>\n");
}

/* a / n as a percentage with one decimal, rounded half up. */
static void
fmt_share(char *out, size_t outlen, uint64_t a, uint64_t n)
{
    uint64_t tenths = n ? (a * 1000 + n / 2) / n : 0;

    snprintf(out, outlen, "%" PRIu64 ".%" PRIu64 "%%", tenths / 10,
             tenths % 10);
}

static void
put_attrs(struct sp_buf *b, const struct sp_class *c)
{
    char n[32], share[32];

    if (c->nsuggested > 0) {
        sp_buf_puts(b, "<h3>Suggested slots</h3>\n<p><code>");
        for (size_t i = 0; i < c->nsuggested; i++) {
            sp_buf_puts(b, i ? ", " : "");
            put_html(b, c->suggested_slots[i]);
        }
        sp_buf_puts(b, "</code></p>\n");
    }
    if (c->nattrs == 0) {
        return;
    }
    sp_buf_puts(b, "<h3>Attributes</h3>\n<table class=\"attrs\"><thead><tr>"
                   "<th>name</th><th>instances</th><th>share</th></tr>"
                   "</thead><tbody>\n");
    for (size_t i = 0; i < c->nattrs; i++) {
        sp_buf_puts(b, "<tr><td><code>");
        put_html(b, c->attrs[i].name);
        sp_fmt_count(n, sizeof(n), c->attrs[i].instances);
        fmt_share(share, sizeof(share), c->attrs[i].instances, c->instances);
        sp_buf_printf(b, "</code></td><td class=\"num\">%s</td>"
                      "<td class=\"num\">%s</td></tr>\n", n, share);
    }
    sp_buf_puts(b, "</tbody></table>\n");
}

static void
put_facts(struct sp_buf *b, const struct sp_class *c)
{
    static const char *const names[] = {
        "dicts materialized", "dicts unshared", "weakly referenced",
        "non-str keys",
    };
    const uint64_t values[] = {
        c->dicts_materialized, c->dicts_unshared, c->weakrefs,
        c->non_str_keys,
    };
    char n[32];

    sp_buf_puts(b, "<h3>Instances</h3>\n<dl class=\"meta\">\n");
    for (size_t i = 0; i < SP_ARRAY_LEN(names); i++) {
        sp_fmt_count(n, sizeof(n), values[i]);
        sp_buf_printf(b, "<dt>%s</dt><dd>%s</dd>\n", names[i], n);
    }
    sp_buf_printf(b, "<dt>key sharing lost</dt><dd>%s</dd>\n</dl>\n",
                  c->keys_sharing_lost ? "yes" : "no");
}

static void
put_class_allocs(struct sp_buf *b, const struct sp_report *r,
                 const struct alloc_index *ix, size_t i)
{
    const struct sp_class *c = &r->classes[i];
    const struct sp_alloc_class *a;
    char v[5][32];

    if (!r->allocs.present) {
        return;
    }
    sp_buf_puts(b, "<h3>Allocations</h3>\n");
    a = alloc_class_of(ix, r, c);
    if (a == NULL) {
        sp_buf_puts(b, "<p>No instance was created while the profiler was "
                       "active.</p>\n");
    }
    else {
        sp_fmt_count(v[0], sizeof(v[0]), a->allocated);
        sp_fmt_count(v[1], sizeof(v[1]), a->freed);
        sp_fmt_count(v[2], sizeof(v[2]), a->live);
        sp_fmt_count(v[3], sizeof(v[3]), a->peak_live);
        sp_fmt_count(v[4], sizeof(v[4]), a->samples);
        sp_buf_printf(b, "<p>%s allocated, %s freed, %s live, %s at the "
                      "peak; %s %s sampled.</p>\n", v[0], v[1], v[2], v[3],
                      v[4], plural(a->samples, "stack", "stacks"));
    }
    if (has_sites(ix, c)) {
        sp_buf_printf(b, "<div class=\"flamegraph\" id=\"fg-class-%zu\" "
                      "data-class=\"%zu\"></div>\n", i, i);
    }
}

static void
put_class(struct sp_buf *b, const struct sp_report *r,
          const struct alloc_index *ix, size_t i, size_t rank)
{
    const struct sp_class *c = &r->classes[i];
    char n[32], now[32], slotted[32], saving[96];

    sp_buf_printf(b, "<details class=\"cls\" id=\"class-%zu\"><summary>", i);
    if (rank > 0) {
        sp_buf_printf(b, "#%zu ", rank);
    }
    put_class_name(b, c->module, c->qualname);
    sp_fmt_signed_bytes(saving, sizeof(saving), c->savings_bytes);
    sp_buf_printf(b, " &mdash; <span class=\"verdict-%s\">%s</span>, "
                  "saves %s</summary>\n", sp_verdict_name(c->verdict),
                  sp_verdict_name(c->verdict), saving);
    sp_buf_puts(b, "<p><code>");
    put_where_full(b, c);
    sp_fmt_count(n, sizeof(n), c->instances);
    sp_fmt_ratio1(now, sizeof(now), c->bytes_now, c->instances);
    sp_fmt_ratio1(slotted, sizeof(slotted), c->bytes_slotted, c->instances);
    fmt_signed_bytes_exact(saving, sizeof(saving), c->savings_bytes);
    sp_buf_printf(b, "</code><br>%s instance%s, %s &rarr; %s B each, saves "
                  "%s", n, c->instances == 1 ? "" : "s", now, slotted,
                  saving);
    if (rank == 0) {
        sp_buf_printf(b, " (not recommended: %s)", why_not(r, c));
    }
    sp_buf_puts(b, "</p>\n");
    put_plan(b, c);
    put_issues(b, c);
    put_attrs(b, c);
    put_facts(b, c);
    put_class_allocs(b, r, ix, i);
    sp_buf_puts(b, "</details>\n");
}

static void
put_classes(struct sp_buf *b, const struct sp_report *r,
            const struct alloc_index *ix)
{
    size_t rank = 0;

    if (r->nclasses == 0) {
        return;
    }
    sp_buf_puts(b, "<section id=\"plans\">\n<h2>Every class</h2>\n");
    for (size_t i = 0; i < r->nclasses; i++) {
        bool row = sp_report_listed(r, &r->classes[i]);
        put_class(b, r, ix, i, row ? ++rank : 0);
    }
    sp_buf_puts(b, "</section>\n");
}

/* ------------------------------------------------------------ sites */

static void
put_flame_section(struct sp_buf *b, const struct sp_report *r)
{
    const struct sp_allocs *a = &r->allocs;

    sp_buf_puts(b, "<section id=\"sites\">\n<h2>Where the instances are "
                   "allocated</h2>\n");
    if (!a->present) {
        sp_buf_puts(b, "<p class=\"note\" id=\"no-sites\">Allocation "
                       "counting was off in this run, so there are no "
                       "allocation sites to draw (it is on unless "
                       "allocs=no).</p>\n");
    }
    else if (a->nsites == 0) {
        sp_buf_puts(b, "<p class=\"note\" id=\"no-sites\">Stack sampling "
                       "was off in this run (sample_every=0), so there "
                       "are no allocation sites to draw.</p>\n");
    }
    else {
        sp_buf_puts(b, "<p>Sampled allocation stacks, by class, outermost "
                       "frame at the top.  By savable bytes every class "
                       "with a saving counts, recommended or not; classes "
                       "that would grow with slots weigh nothing.</p>\n"
                       "<div class=\"flamegraph\" id=\"fg-all\" "
                       "data-scope=\"all\"></div>\n");
    }
    sp_buf_puts(b, "</section>\n");
}

/* ------------------------------------------------------------ page */

void
sp_render_html(const struct sp_report *r, struct sp_buf *b)
{
    struct alloc_index ix;
    uint64_t nrec = 0;

    if (!index_build(&ix, &r->allocs)) {
        b->failed = true;
        index_free(&ix);
        return;
    }
    for (size_t i = 0; i < r->nclasses; i++) {
        nrec += r->classes[i].recommended;
    }
    sp_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                   "<meta charset=\"utf-8\">\n"
                   "<meta http-equiv=\"Content-Security-Policy\" "
                   "content=\"default-src 'none'; script-src 'unsafe-inline'; "
                   "style-src 'unsafe-inline'; img-src data:\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, "
                   "initial-scale=1\">\n<title>slotprof report &mdash; "
                   "CPython ");
    put_html(b, r->python);
    sp_buf_printf(b, ", pid %d</title>\n<style>\n", r->pid);
    sp_buf_append(b, (const char *)html_style_css, html_style_css_len);
    sp_buf_puts(b, "</style>\n</head>\n<body>\n");
    put_header(b, r, nrec);
    put_tables(b, r, &ix);
    put_flame_section(b, r);
    put_classes(b, r, &ix);
    sp_buf_puts(b, "<script type=\"application/json\" id=\"slotprof-data\">");
    put_json_blob(b, r);
    sp_buf_puts(b, "</script>\n<script>\n");
    sp_buf_append(b, (const char *)html_flame_js, html_flame_js_len);
    sp_buf_puts(b, "</script>\n</body>\n</html>\n");
    index_free(&ix);
}
