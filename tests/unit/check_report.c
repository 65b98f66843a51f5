/*
 * check_report.c -- the report's order, totals and both renderings
 * (profiler/report.c, report_json.c, report_text.c).
 *
 * The renderings are compared whole against texts written out here: they
 * are interfaces (a JSON schema tools parse, a layout people read), and a
 * change to either should show up as a diff in this file.
 */
#include "internal.h"

#include <check.h>              /* Check */
#include <math.h>               /* NAN */
#include <stdio.h>              /* snprintf */
#include <stdlib.h>             /* EXIT_SUCCESS, EXIT_FAILURE */
#include <string.h>             /* memset, strcmp, strcpy, strcspn, strstr */

/* ------------------------------------------------------------ builders */

static char **
names_of(const char *const *v, size_t n)
{
    char **out = sp_calloc(n, sizeof(*out));
    ck_assert_ptr_nonnull(out);
    for (size_t i = 0; i < n; i++) {
        out[i] = sp_strdup(v[i]);
    }
    return out;
}

#define NAMES(...) \
    names_of((const char *const[]){__VA_ARGS__}, \
             SP_ARRAY_LEN(((const char *const[]){__VA_ARGS__})))
#define NNAMES(...) SP_ARRAY_LEN(((const char *const[]){__VA_ARGS__}))

/* A class with the numbers that matter for ordering and the rest empty. */
static void
set_class(struct sp_class *c, const char *module, const char *qualname,
          uint64_t instances, uint64_t now, uint64_t slotted)
{
    memset(c, 0, sizeof(*c));
    c->module = sp_strdup(module);
    c->qualname = sp_strdup(qualname);
    c->instances = instances;
    c->max_instances = instances;
    c->bytes_now = now;
    c->bytes_slotted = slotted;
    c->savings_bytes = (int64_t)now - (int64_t)slotted;
    c->verdict = SP_VERDICT_SAFE;
    c->recommended = instances >= 100 && c->savings_bytes > 0;
}

static struct sp_report *
new_report(size_t nclasses)
{
    struct sp_report *r = sp_calloc(1, sizeof(*r));
    ck_assert_ptr_nonnull(r);
    strcpy(r->python, "3.12.1");
    strcpy(r->allocator, "pymalloc");
    r->pid = 1234;
    r->min_instances = 100;
    r->profiler_bytes = 1258291;
    r->censuses = 2;
    r->census_seconds_total = 0.0042;
    r->chosen.trigger = "exit";
    r->chosen.at_seconds = 1.234;
    r->chosen.duration_seconds = 0.0031;
    r->chosen.objects_visited = 52311;
    r->nclasses = nclasses;
    r->classes = sp_calloc(nclasses, sizeof(*r->classes));
    ck_assert_ptr_nonnull(r->classes);
    return r;
}

static void
add_issue(struct sp_class *c, const char *code, const char *detail,
          bool blocks)
{
    c->issues = sp_realloc(c->issues, (c->nissues + 1) * sizeof(*c->issues));
    ck_assert_ptr_nonnull(c->issues);
    c->issues[c->nissues].code = sp_strdup(code);
    c->issues[c->nissues].detail = sp_strdup(detail);
    c->issues[c->nissues].blocks = blocks;
    c->nissues++;
}

static void
add_attr(struct sp_class *c, const char *name, uint64_t instances)
{
    c->attrs = sp_realloc(c->attrs, (c->nattrs + 1) * sizeof(*c->attrs));
    ck_assert_ptr_nonnull(c->attrs);
    memset(&c->attrs[c->nattrs], 0, sizeof(*c->attrs));
    c->attrs[c->nattrs].name = sp_strdup(name);
    c->attrs[c->nattrs].instances = instances;
    c->attrs[c->nattrs].max_instances = instances;
    c->nattrs++;
}

static void
add_step(struct sp_class *c, const char *module, const char *qualname,
         enum sp_form form, char **step_names, size_t nnames)
{
    c->plan = sp_realloc(c->plan, (c->nplan + 1) * sizeof(*c->plan));
    ck_assert_ptr_nonnull(c->plan);
    struct sp_plan_step *s = &c->plan[c->nplan++];
    memset(s, 0, sizeof(*s));
    s->module = sp_strdup(module);
    s->qualname = sp_strdup(qualname);
    s->form = form;
    s->names = step_names;
    s->nnames = nnames;
}

/* The report of the exact-output tests: two recommended classes, one
 * with a file, a two-class plan and a warning, one without a file or
 * line, with a blocker, a warning and the two other plan forms. */
static struct sp_report *
sample_report(void)
{
    struct sp_report *r = new_report(2);
    struct sp_class *c;

    /* Listed out of order on purpose: sp_report_sort puts Order first. */
    c = &r->classes[1];
    set_class(c, "shop", "Order", 100000, 15200000, 6400000);
    c->file = sp_strdup("/app/shop.py");
    c->line = 12;
    add_attr(c, "id", 100000);
    add_attr(c, "customer", 100000);
    add_attr(c, "total", 100000);
    add_attr(c, "created", 100000);
    c->dicts_materialized = 12;
    c->suggested_slots = NAMES("created", "id", "customer", "total");
    c->nsuggested = 4;
    add_step(c, "shop.base", "Base", SP_FORM_SLOTS, NAMES("created"), 1);
    add_step(c, "shop", "Order", SP_FORM_SLOTS,
             NAMES("id", "customer", "total"), 3);
    /* A class attribute the plan moves, and a peak earlier in the run. */
    c->plan[1].moved = sp_calloc(1, sizeof(*c->plan[1].moved));
    ck_assert_ptr_nonnull(c->plan[1].moved);
    c->plan[1].moved[0].name = sp_strdup("total");
    c->plan[1].moved[0].line = 14;
    c->plan[1].nmoved = 1;
    c->plan[1].inits = sp_calloc(1, sizeof(*c->plan[1].inits));
    ck_assert_ptr_nonnull(c->plan[1].inits);
    c->plan[1].inits[0].name = sp_strdup("total");
    c->plan[1].inits[0].from_module = sp_strdup("shop");
    c->plan[1].inits[0].from_qualname = sp_strdup("Order");
    c->plan[1].inits[0].line = 14;
    c->plan[1].ninits = 1;
    c->attrs[2].max_instances = 120000;
    c->attrs[2].in_code = true;
    c->max_instances = 120000;
    c->max_at_seconds = 0.5;
    add_issue(c, "materialized-dict",
              "12 of 100,000 instances had their __dict__ read", false);
    c->verdict = SP_VERDICT_REVIEW;

    c = &r->classes[0];
    set_class(c, "geo", "Point", 5000, 560000, 240000);
    add_attr(c, "x", 5000);
    add_attr(c, "y", 5000);
    add_attr(c, "tag", 3);
    c->dicts_unshared = 3;
    c->weakrefs = 5;
    c->keys_sharing_lost = true;
    c->non_str_keys = 1;
    c->suggested_slots = NAMES("x", "y");
    c->nsuggested = 2;
    add_step(c, "geo", "PointBase", SP_FORM_EMPTY_SLOTS, NULL, 0);
    add_step(c, "geo", "Point", SP_FORM_DATACLASS, NAMES("x", "y"), 2);
    add_issue(c, "class-variable",
              "\"tag\" is a class attribute and set on 3 instances", true);
    add_issue(c, "getattr-override", "geo.Point defines __getattr__",
              false);
    c->verdict = SP_VERDICT_BLOCKED;

    sp_report_sort(r);
    return r;
}
/* The report of the truncation tests: three recommended classes, one
 * below min_instances, one that slots would make bigger. */
static struct sp_report *
mixed_report(void)
{
    struct sp_report *r = new_report(5);

    set_class(&r->classes[0], "c", "Small", 50, 8000, 4000);
    set_class(&r->classes[1], "b", "C", 100, 10000, 5000);
    set_class(&r->classes[2], "c", "Neg", 1000, 48000, 64000);
    set_class(&r->classes[3], "a", "A", 1000, 200000, 100000);
    set_class(&r->classes[4], "a", "B", 500, 64000, 32000);
    for (size_t i = 0; i < r->nclasses; i++) {
        struct sp_class *c = &r->classes[i];
        c->suggested_slots = NAMES("v");
        c->nsuggested = 1;
        add_step(c, c->module, c->qualname, SP_FORM_SLOTS, NAMES("v"), 1);
    }
    sp_report_sort(r);
    return r;
}

/* b holds exactly want.  On a mismatch, name the first line that
 * differs: whole reports do not fit in an assertion message. */
static void
assert_text(const struct sp_buf *b, const char *want)
{
    ck_assert(sp_buf_ok(b));
    if (strcmp(b->data, want) == 0) {
        return;
    }
    const char *g = b->data, *w = want;
    int line = 1;
    while (*g != '\0' && *g == *w) {
        line += *g == '\n';
        g++;
        w++;
    }
    while (g > b->data && g[-1] != '\n') {
        g--;
        w--;
    }
    ck_abort_msg("line %d differs:\n got: %.*s\nwant: %.*s", line,
                 (int)strcspn(g, "\n"), g, (int)strcspn(w, "\n"), w);
}

static void
assert_json(const struct sp_report *r, const char *want)
{
    struct sp_buf b;

    sp_buf_init(&b);
    sp_report_json(r, &b);
    assert_text(&b, want);
    sp_buf_free(&b);
}

static void
assert_report_text(const struct sp_report *r, uint64_t top,
                   const char *want)
{
    struct sp_buf b;

    sp_buf_init(&b);
    sp_report_text(r, top, &b);
    assert_text(&b, want);
    sp_buf_free(&b);
}

/* ------------------------------------------------------------ order */

START_TEST(test_sort_order)
{
    struct sp_report *r = new_report(7);
    static const char *const want[] = {
        "a.T", "m.A", "m.S2", "m.S1", "m.Zero", "m.Neg", "n.Neg2",
    };

    set_class(&r->classes[0], "m", "S1", 1000, 500, 400);
    set_class(&r->classes[1], "m", "Neg", 1000, 500, 550);
    set_class(&r->classes[2], "m", "S2", 1000, 800, 700);
    set_class(&r->classes[3], "n", "Neg2", 1000, 500, 1500);
    set_class(&r->classes[4], "m", "Zero", 1000, 900, 900);
    set_class(&r->classes[5], "a", "T", 1000, 800, 700);
    set_class(&r->classes[6], "m", "A", 1000, 800, 700);
    sp_report_sort(r);
    for (size_t i = 0; i < SP_ARRAY_LEN(want); i++) {
        char name[64];
        snprintf(name, sizeof(name), "%s.%s", r->classes[i].module,
                 r->classes[i].qualname);
        ck_assert_str_eq(name, want[i]);
    }
    sp_report_free(r);
}
END_TEST

START_TEST(test_sort_ties_by_file_then_stable)
{
    /* Same savings, size and name: file and line decide, then the
     * order the census found them in. */
    struct sp_report *r = new_report(4);

    for (size_t i = 0; i < 4; i++) {
        set_class(&r->classes[i], "m", "f.<locals>.C", 1000, 800, 700);
    }
    r->classes[0].file = sp_strdup("/b.py");
    r->classes[0].line = 1;
    r->classes[1].file = sp_strdup("/a.py");
    r->classes[1].line = 9;
    r->classes[2].file = sp_strdup("/a.py");
    r->classes[2].line = 3;
    r->classes[2].instances = 7;
    r->classes[3].file = sp_strdup("/a.py");
    r->classes[3].line = 3;
    r->classes[3].instances = 8;
    sp_report_sort(r);
    ck_assert_str_eq(r->classes[0].file, "/a.py");
    ck_assert_int_eq(r->classes[0].line, 3);
    ck_assert_uint_eq(r->classes[0].instances, 7);
    ck_assert_uint_eq(r->classes[1].instances, 8);
    ck_assert_int_eq(r->classes[2].line, 9);
    ck_assert_str_eq(r->classes[3].file, "/b.py");
    sp_report_free(r);
}
END_TEST

START_TEST(test_sort_many)
{
    /* Sizes that are not powers of two exercise every merge shape. */
    static const size_t sizes[] = {0, 1, 2, 3, 5, 17, 100, 1001};

    for (size_t k = 0; k < SP_ARRAY_LEN(sizes); k++) {
        size_t n = sizes[k];
        struct sp_report *r = new_report(n);
        uint32_t x = 12345;
        for (size_t i = 0; i < n; i++) {
            char q[24];
            x = x * 1103515245u + 12345u;
            snprintf(q, sizeof(q), "C%zu", i);
            set_class(&r->classes[i], "m", q, 1000, 1000 + (x >> 20) % 64,
                      1000 + (x >> 8) % 64);
        }
        sp_report_sort(r);
        for (size_t i = 1; i < n; i++) {
            const struct sp_class *a = &r->classes[i - 1];
            const struct sp_class *b = &r->classes[i];
            ck_assert(a->savings_bytes > b->savings_bytes
                      || (a->savings_bytes == b->savings_bytes
                          && (a->bytes_now > b->bytes_now
                              || (a->bytes_now == b->bytes_now
                                  && strcmp(a->qualname, b->qualname)
                                     < 0))));
        }
        sp_report_free(r);
    }
}
END_TEST

START_TEST(test_total_savings)
{
    struct sp_report *r = new_report(4);

    set_class(&r->classes[0], "m", "A", 1000, 800, 700);       /* 100 */
    set_class(&r->classes[1], "m", "B", 1000, 5000, 2000);     /* 3000 */
    set_class(&r->classes[2], "m", "Few", 10, 5000, 2000);     /* below */
    set_class(&r->classes[3], "m", "Neg", 1000, 500, 600);
    ck_assert(!r->classes[2].recommended);
    /* Inconsistent on purpose: a negative saving never adds up. */
    r->classes[3].recommended = true;
    ck_assert_uint_eq(sp_report_total_savings(r), 3100);
    sp_report_free(r);

    r = new_report(0);
    ck_assert_uint_eq(sp_report_total_savings(r), 0);
    sp_report_free(r);
    ck_assert_uint_eq(sp_report_total_savings(NULL), 0);
}
END_TEST

START_TEST(test_free)
{
    struct sp_report *r = sample_report();
    struct sp_class *c = &r->classes[0];

    /* A freed class is zeroed, so freeing it again (as sp_report_free
     * will) is harmless.  Under SANITIZE=address this also checks that
     * every owned block is released exactly once. */
    sp_class_free(c);
    ck_assert_ptr_null(c->module);
    ck_assert_ptr_null(c->plan);
    ck_assert_uint_eq(c->nplan, 0);
    sp_class_free(c);
    sp_class_free(NULL);
    sp_report_free(r);
    sp_report_free(NULL);
}
END_TEST

/* ------------------------------------------------------------ JSON */

START_TEST(test_json_sample)
{
    struct sp_report *r = sample_report();

    assert_json(r,
        "{\n"
        "  \"format\": \"slotprof-report\",\n"
        "  \"version\": 1,\n"
        "  \"python\": \"3.12.1\",\n"
        "  \"allocator\": \"pymalloc\",\n"
        "  \"pid\": 1234,\n"
        "  \"min_instances\": 100,\n"
        "  \"profiler_bytes\": 1258291,\n"
        "  \"censuses\": 2,\n"
        "  \"census_seconds_total\": 0.004200,\n"
        "  \"kind\": \"exit\",\n"
        "  \"session\": null,\n"
        "  \"snapshot\": 0,\n"
        "  \"written_at\": null,\n"
        "  \"sampling\": {\"interval_seconds\": null, \"signal\": null, "
            "\"dormant\": false, \"max_pause_seconds\": null},\n"
        "  \"censuses_aborted\": 0,\n"
        "  \"censuses_skipped\": 0,\n"
        "  \"census\": {\n"
        "    \"trigger\": \"exit\",\n"
        "    \"at_seconds\": 1.234000,\n"
        "    \"duration_seconds\": 0.003100,\n"
        "    \"objects_visited\": 52311,\n"
        "    \"rss_bytes\": 0\n"
        "  },\n"
        "  \"peak\": null,\n"
        "  \"total_savings_bytes\": 9120000,\n"
        "  \"classes\": [\n"
        "    {\n"
        "      \"module\": \"shop\",\n"
        "      \"qualname\": \"Order\",\n"
        "      \"file\": \"/app/shop.py\",\n"
        "      \"line\": 12,\n"
        "      \"instances\": 100000,\n"
        "      \"bytes_now\": 15200000,\n"
        "      \"bytes_slotted\": 6400000,\n"
        "      \"savings_bytes\": 8800000,\n"
        "      \"bytes_per_instance_now\": 152.0,\n"
        "      \"bytes_per_instance_slotted\": 64.0,\n"
        "      \"recommended\": true,\n"
        "      \"verdict\": \"review\",\n"
        "      \"suggested_slots\": [\"created\", \"id\", \"customer\", "
            "\"total\"],\n"
        "      \"attributes\": [\n"
        "        {\"name\": \"id\", \"instances\": 100000, "
            "\"max_instances\": 100000, \"in_code\": false},\n"
        "        {\"name\": \"customer\", \"instances\": 100000, "
            "\"max_instances\": 100000, \"in_code\": false},\n"
        "        {\"name\": \"total\", \"instances\": 100000, "
            "\"max_instances\": 120000, \"in_code\": true},\n"
        "        {\"name\": \"created\", \"instances\": 100000, "
            "\"max_instances\": 100000, \"in_code\": false}\n"
        "      ],\n"
        "      \"dicts_materialized\": 12,\n"
        "      \"dicts_unshared\": 0,\n"
        "      \"keys_sharing_lost\": false,\n"
        "      \"weakrefs\": 0,\n"
        "      \"non_str_keys\": 0,\n"
        "      \"plan\": [\n"
        "        {\"module\": \"shop.base\", \"qualname\": \"Base\", "
            "\"form\": \"slots\", \"names\": [\"created\"], "
            "\"moved_defaults\": [], \"init_defaults\": [], "
            "\"add_init\": false, \"init_args\": false},\n"
        "        {\"module\": \"shop\", \"qualname\": \"Order\", \"form\": "
            "\"slots\", \"names\": [\"id\", \"customer\", \"total\"], "
            "\"moved_defaults\": [{\"name\": \"total\", \"line\": 14}], "
            "\"init_defaults\": [{\"name\": \"total\", \"from_module\": "
            "\"shop\", \"from_qualname\": \"Order\", \"line\": 14}], "
            "\"add_init\": false, \"init_args\": false}\n"
        "      ],\n"
        "      \"blockers\": [],\n"
        "      \"warnings\": [\n"
        "        {\"code\": \"materialized-dict\", \"detail\": \"12 of "
            "100,000 instances had their __dict__ read\"}\n"
        "      ],\n"
        "      \"origin\": \"yours\",\n"
        "      \"max_instances\": 120000,\n"
        "      \"max_instances_at_seconds\": 0.500000\n"
        "    },\n"
        "    {\n"
        "      \"module\": \"geo\",\n"
        "      \"qualname\": \"Point\",\n"
        "      \"file\": null,\n"
        "      \"line\": null,\n"
        "      \"instances\": 5000,\n"
        "      \"bytes_now\": 560000,\n"
        "      \"bytes_slotted\": 240000,\n"
        "      \"savings_bytes\": 320000,\n"
        "      \"bytes_per_instance_now\": 112.0,\n"
        "      \"bytes_per_instance_slotted\": 48.0,\n"
        "      \"recommended\": true,\n"
        "      \"verdict\": \"blocked\",\n"
        "      \"suggested_slots\": [\"x\", \"y\"],\n"
        "      \"attributes\": [\n"
        "        {\"name\": \"x\", \"instances\": 5000, "
            "\"max_instances\": 5000, \"in_code\": false},\n"
        "        {\"name\": \"y\", \"instances\": 5000, "
            "\"max_instances\": 5000, \"in_code\": false},\n"
        "        {\"name\": \"tag\", \"instances\": 3, "
            "\"max_instances\": 3, \"in_code\": false}\n"
        "      ],\n"
        "      \"dicts_materialized\": 0,\n"
        "      \"dicts_unshared\": 3,\n"
        "      \"keys_sharing_lost\": true,\n"
        "      \"weakrefs\": 5,\n"
        "      \"non_str_keys\": 1,\n"
        "      \"plan\": [\n"
        "        {\"module\": \"geo\", \"qualname\": \"PointBase\", \"form\": "
            "\"empty_slots\", \"names\": [], \"moved_defaults\": [], "
            "\"init_defaults\": [], \"add_init\": false, \"init_args\": false},\n"
        "        {\"module\": \"geo\", \"qualname\": \"Point\", \"form\": "
            "\"dataclass\", \"names\": [\"x\", \"y\"], "
            "\"moved_defaults\": [], \"init_defaults\": [], "
            "\"add_init\": false, \"init_args\": false}\n"
        "      ],\n"
        "      \"blockers\": [\n"
        "        {\"code\": \"class-variable\", \"detail\": \"\\\"tag\\\" is "
            "a class attribute and set on 3 instances\"}\n"
        "      ],\n"
        "      \"warnings\": [\n"
        "        {\"code\": \"getattr-override\", \"detail\": \"geo.Point "
            "defines __getattr__\"}\n"
        "      ],\n"
        "      \"origin\": \"yours\",\n"
        "      \"max_instances\": 5000,\n"
        "      \"max_instances_at_seconds\": 0.000000\n"
        "    }\n"
        "  ],\n"
        "  \"slotted_classes\": [],\n"
        "  \"series\": null,\n"
        "  \"allocations\": null\n"
        "}\n");
    sp_report_free(r);
}
END_TEST

START_TEST(test_json_empty)
{
    struct sp_report *r = new_report(0);

    r->profiler_bytes = 0;
    r->chosen.trigger = "gc";
    r->chosen.objects_visited = 1;
    assert_json(r,
        "{\n"
        "  \"format\": \"slotprof-report\",\n"
        "  \"version\": 1,\n"
        "  \"python\": \"3.12.1\",\n"
        "  \"allocator\": \"pymalloc\",\n"
        "  \"pid\": 1234,\n"
        "  \"min_instances\": 100,\n"
        "  \"profiler_bytes\": 0,\n"
        "  \"censuses\": 2,\n"
        "  \"census_seconds_total\": 0.004200,\n"
        "  \"kind\": \"exit\",\n"
        "  \"session\": null,\n"
        "  \"snapshot\": 0,\n"
        "  \"written_at\": null,\n"
        "  \"sampling\": {\"interval_seconds\": null, \"signal\": null, "
            "\"dormant\": false, \"max_pause_seconds\": null},\n"
        "  \"censuses_aborted\": 0,\n"
        "  \"censuses_skipped\": 0,\n"
        "  \"census\": {\n"
        "    \"trigger\": \"gc\",\n"
        "    \"at_seconds\": 1.234000,\n"
        "    \"duration_seconds\": 0.003100,\n"
        "    \"objects_visited\": 1,\n"
        "    \"rss_bytes\": 0\n"
        "  },\n"
        "  \"peak\": null,\n"
        "  \"total_savings_bytes\": 0,\n"
        "  \"classes\": [],\n"
        "  \"slotted_classes\": [],\n"
        "  \"series\": null,\n"
        "  \"allocations\": null\n"
        "}\n");
    sp_report_free(r);
}
END_TEST

START_TEST(test_json_odd_values)
{
    /* NULL strings and non-finite seconds stay valid JSON; rounding of
     * per-instance sizes is half up; strings are escaped. */
    struct sp_report *r = new_report(1);
    struct sp_buf b;

    r->chosen.trigger = NULL;
    r->chosen.at_seconds = NAN;
    r->chosen.duration_seconds = 1e300;
    r->census_seconds_total = 0.0000006;
    set_class(&r->classes[0], "m", "Q\"\x01", 3, 100, 50);
    sp_buf_init(&b);
    sp_report_json(r, &b);
    ck_assert(sp_buf_ok(&b));
    ck_assert_ptr_nonnull(strstr(b.data, "\"trigger\": null,"));
    ck_assert_ptr_nonnull(strstr(b.data, "\"at_seconds\": null,"));
    ck_assert_ptr_nonnull(strstr(b.data, "\"duration_seconds\": null,"));
    ck_assert_ptr_nonnull(strstr(b.data,
                                 "\"census_seconds_total\": 0.000001,"));
    ck_assert_ptr_nonnull(strstr(b.data,
                                 "\"qualname\": \"Q\\\"\\u0001\","));
    /* 100 / 3 = 33.33..., 50 / 3 = 16.66... */
    ck_assert_ptr_nonnull(strstr(b.data,
                                 "\"bytes_per_instance_now\": 33.3,"));
    ck_assert_ptr_nonnull(strstr(b.data,
                                 "\"bytes_per_instance_slotted\": 16.7,"));
    sp_buf_free(&b);

    r->classes[0].instances = 0;
    sp_buf_init(&b);
    sp_report_json(r, &b);
    ck_assert_ptr_nonnull(strstr(b.data,
                                 "\"bytes_per_instance_now\": 0.0,"));
    sp_buf_free(&b);
    sp_report_free(r);
}
END_TEST

/* ------------------------------------------------------------ text */

START_TEST(test_text_sample)
{
    struct sp_report *r = sample_report();

    assert_report_text(r, 20,
        "slotprof report -- CPython 3.12.1, pid 1234\n"
        "census: at exit, 1.234 s after start, 52,311 objects visited in 3.1 "
            "ms; profiler memory 1.2 MiB\n"
        "potential saving: 8.7 MiB (9,120,000 B) across 2 recommended "
            "classes\n"
        "\n"
        "rank  class       where       instances    now  slotted     saving  "
            "verdict\n"
        "   1  shop.Order  shop.py:12    100,000  152.0     64.0    8.4 MiB  "
            "review\n"
        "   2  geo.Point   ?               5,000  112.0     48.0  312.5 KiB  "
            "blocked\n"
        "\n"
        "not recommended: 0 classes below min_instances=100, 0 with no "
            "saving\n"
        "\n"
        "#1 shop.Order  (/app/shop.py:12)  review\n"
        "   100,000 instances, 152.0 -> 64.0 B each, saves 8.4 MiB (8,800,000 "
            "B)\n"
        "   (the most at one census: 120,000, at 0.5 s)\n"
        "   add to class shop.base.Base:  __slots__ = ('created',)\n"
        "   add to class Order:           __slots__ = ('id', 'customer', "
            "'total')\n"
        "                                 # take out of its body: total "
            "(line 14)\n"
        "                                 # its __init__ sets first, unless "
            "set: total = Order's value\n"
        "   warning  materialized-dict: 12 of 100,000 instances had their "
            "__dict__ read\n"
        "\n"
        "#2 geo.Point  (?)  blocked\n"
        "   5,000 instances, 112.0 -> 48.0 B each, saves 312.5 KiB (320,000 "
            "B)\n"
        "   add to class PointBase:  __slots__ = ()\n"
        "   add to class Point:      @dataclass(slots=True)\n"
        "   BLOCKER  class-variable: \"tag\" is a class attribute and set on "
            "3 instances\n"
        "   warning  getattr-override: geo.Point defines __getattr__\n");
    sp_report_free(r);
}
END_TEST

START_TEST(test_text_top_cut)
{
    struct sp_report *r = mixed_report();

    assert_report_text(r, 1,
        "slotprof report -- CPython 3.12.1, pid 1234\n"
        "census: at exit, 1.234 s after start, 52,311 objects visited in 3.1 "
            "ms; profiler memory 1.2 MiB\n"
        "potential saving: 133.8 KiB (137,000 B) across 3 recommended "
            "classes\n"
        "\n"
        "rank  class  where  instances    now  slotted    saving  verdict\n"
        "   1  a.A    ?          1,000  200.0    100.0  97.7 KiB  safe\n"
        "(2 more classes with a saving not shown; top=0 shows all)\n"
        "\n"
        "not recommended: 1 class below min_instances=100, 1 with no saving\n"
        "\n"
        "#1 a.A  (?)  safe\n"
        "   1,000 instances, 200.0 -> 100.0 B each, saves 97.7 KiB (100,000 "
            "B)\n"
        "   add to class A:  __slots__ = ('v',)\n");
    sp_report_free(r);
}
END_TEST

START_TEST(test_not_yours_summed_up)
{
    /* The user's own class ranks first though the standard library's
     * would save more; the others are one line per origin below the
     * table, never rows of it. */
    struct sp_report *r = new_report(4);
    set_class(&r->classes[0], "app", "Mine", 1000, 100000, 60000);
    set_class(&r->classes[1], "ast", "Name", 9000, 900000, 500000);
    r->classes[1].origin = SP_ORIGIN_BUILTIN;
    set_class(&r->classes[2], "argparse", "Action", 200, 40000, 20000);
    r->classes[2].origin = SP_ORIGIN_STDLIB;
    set_class(&r->classes[3], "yaml.nodes", "ScalarNode", 5000, 600000,
              300000);
    r->classes[3].origin = SP_ORIGIN_INSTALLED;
    for (size_t i = 1; i < 4; i++) {
        r->classes[i].verdict = SP_VERDICT_BLOCKED;
        r->classes[i].recommended = false;
    }
    for (size_t i = 0; i < 4; i++) {
        add_step(&r->classes[i], r->classes[i].module, r->classes[i].qualname,
                 SP_FORM_SLOTS, NAMES("v"), 1);
    }
    sp_report_sort(r);
    ck_assert_str_eq(r->classes[0].qualname, "Mine");
    ck_assert_str_eq(r->classes[1].qualname, "Name");
    ck_assert_str_eq(r->classes[2].qualname, "ScalarNode");
    ck_assert_str_eq(r->classes[3].qualname, "Action");
    assert_report_text(r, 20,
        "slotprof report -- CPython 3.12.1, pid 1234\n"
        "census: at exit, 1.234 s after start, 52,311 objects visited in 3.1 "
            "ms; profiler memory 1.2 MiB\n"
        "potential saving: 39.1 KiB (40,000 B) across 1 recommended class\n"
        "\n"
        "rank  class     where  instances    now  slotted    saving  "
            "verdict\n"
        "   1  app.Mine  ?          1,000  100.0     60.0  39.1 KiB  safe\n"
        "\n"
        "not your code, not ranked (mine=PATH makes a package yours):\n"
        "  standard library    1 class, 200 instances, 19.5 KiB if they had "
            "slots\n"
        "  installed packages  1 class, 5,000 instances, 293.0 KiB if they "
            "had slots\n"
        "  builtin or C        1 class, 9,000 instances, 390.6 KiB if they "
            "had slots\n"
        "\n"
        "not recommended: 0 classes below min_instances=100, 0 with no "
            "saving\n"
        "\n"
        "#1 app.Mine  (?)  safe\n"
        "   1,000 instances, 100.0 -> 60.0 B each, saves 39.1 KiB (40,000 "
            "B)\n"
        "   add to class Mine:  __slots__ = ('v',)\n");
    sp_report_free(r);
}
END_TEST

START_TEST(test_text_top_all)
{
    /* top=0 and a top larger than the list both show every row. */
    struct sp_report *r = mixed_report();
    struct sp_buf all, big;

    sp_buf_init(&all);
    sp_buf_init(&big);
    sp_report_text(r, 0, &all);
    sp_report_text(r, 1000, &big);
    assert_text(&big, all.data);
    ck_assert_ptr_nonnull(strstr(all.data, "\n   3  b.C "));
    ck_assert_ptr_nonnull(strstr(all.data, "\n#3 b.C  (?)  safe\n"));
    ck_assert_ptr_null(strstr(all.data, "more class"));
    ck_assert_ptr_null(strstr(all.data, "Small"));
    sp_buf_free(&all);
    sp_buf_free(&big);

    /* top equal to the count: nothing is cut. */
    sp_buf_init(&all);
    sp_report_text(r, 3, &all);
    ck_assert_ptr_null(strstr(all.data, "more class"));
    sp_buf_free(&all);
    /* One fewer: a singular "class". */
    sp_buf_init(&all);
    sp_report_text(r, 2, &all);
    ck_assert_ptr_nonnull(strstr(all.data, "\n(1 more class with a saving "
                                           "not shown; top=0 shows all)\n"));
    sp_buf_free(&all);
    sp_report_free(r);
}
END_TEST

START_TEST(test_text_empty)
{
    struct sp_report *r = new_report(0);

    r->profiler_bytes = 0;
    r->chosen.trigger = "gc";
    r->chosen.objects_visited = 1;
    assert_report_text(r, 20,
        "slotprof report -- CPython 3.12.1, pid 1234\n"
        "census: after a garbage collection, 1.234 s after start, 1 object "
            "visited in 3.1 ms; profiler memory unknown\n"
        "no instances of classes with a __dict__ were alive at the census\n");
    sp_report_free(r);
}
END_TEST

/* Line `n` (1-based) of the text report of r, into out. */
static void
text_line(const struct sp_report *r, uint64_t top, int n, char *out,
          size_t outlen)
{
    struct sp_buf b;

    sp_buf_init(&b);
    sp_report_text(r, top, &b);
    ck_assert(sp_buf_ok(&b));
    const char *p = b.data;
    for (int i = 1; i < n && p != NULL; i++) {
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    ck_assert_ptr_nonnull(p);
    snprintf(out, outlen, "%.*s", (int)strcspn(p, "\n"), p);
    sp_buf_free(&b);
}

START_TEST(test_text_human_bytes)
{
    static const struct {
        uint64_t saving;
        const char *line;
    } cases[] = {
        {1, "potential saving: 1 B across 1 recommended class"},
        {1023, "potential saving: 1023 B across 1 recommended class"},
        {1024, "potential saving: 1.0 KiB (1,024 B) across 1 recommended "
               "class"},
        {1126, "potential saving: 1.1 KiB (1,126 B) across 1 recommended "
               "class"},
        /* Rounds to 1024.0 KiB: shown as the next unit. */
        {1048575, "potential saving: 1.0 MiB (1,048,575 B) across 1 "
                  "recommended class"},
        {51200000, "potential saving: 48.8 MiB (51,200,000 B) across 1 "
                   "recommended class"},
        {5368709120, "potential saving: 5.0 GiB (5,368,709,120 B) across 1 "
                     "recommended class"},
        /* GiB is the largest unit. */
        {2199023255552, "potential saving: 2048.0 GiB (2,199,023,255,552 B) "
                        "across 1 recommended class"},
    };
    char line[200];

    for (size_t i = 0; i < SP_ARRAY_LEN(cases); i++) {
        struct sp_report *r = new_report(1);
        set_class(&r->classes[0], "m", "C", 1000, cases[i].saving * 2,
                  cases[i].saving);
        text_line(r, 20, 3, line, sizeof(line));
        ck_assert_str_eq(line, cases[i].line);
        sp_report_free(r);
    }
}
END_TEST

START_TEST(test_text_negative_saving_in_table)
{
    /* Not a state the planner produces (negative savings are never
     * recommended), but the column must still say which way it goes. */
    struct sp_report *r = new_report(1);
    char line[200];

    set_class(&r->classes[0], "m", "C", 1000, 48000, 64000);
    r->classes[0].recommended = true;
    text_line(r, 20, 6, line, sizeof(line));
    ck_assert_str_eq(line, "   1  m.C    ?          1,000  48.0     64.0  "
                           "-15.6 KiB  safe");
    sp_report_free(r);
}
END_TEST

START_TEST(test_text_blocked_listed_not_counted)
{
    /* A blocked class with a saving is ranked in the table with its
     * verdict, but the potential saving counts only recommended ones. */
    struct sp_report *r = new_report(2);
    char line[200];
    struct sp_buf b;

    set_class(&r->classes[0], "m", "Big", 1000, 96000, 48000);
    r->classes[0].verdict = SP_VERDICT_BLOCKED;
    r->classes[0].recommended = false;
    add_issue(&r->classes[0], "class-variable", "'x' is a class variable",
              true);
    set_class(&r->classes[1], "m", "Small", 1000, 64000, 48000);
    text_line(r, 20, 6, line, sizeof(line));
    ck_assert_str_eq(line, "   1  m.Big    ?          1,000  96.0     48.0  "
                           "46.9 KiB  blocked");
    sp_buf_init(&b);
    sp_report_text(r, 20, &b);
    ck_assert_ptr_nonnull(strstr(b.data, "potential saving: 15.6 KiB "
                                         "(16,000 B) across 1 recommended "
                                         "class\n"));
    ck_assert_ptr_nonnull(strstr(b.data, ", 0 with no saving, 1 blocked\n"));
    ck_assert_ptr_nonnull(strstr(b.data, "#1 m.Big  (?)  blocked\n"));
    sp_buf_free(&b);
    sp_report_free(r);
}
END_TEST

START_TEST(test_text_dataclass_weakref_slot)
{
    struct sp_report *r = new_report(1);
    struct sp_buf b;

    set_class(&r->classes[0], "m", "D", 1000, 96000, 48000);
    add_step(&r->classes[0], "m", "D", SP_FORM_DATACLASS,
             NAMES("a", "__weakref__"), 2);
    sp_buf_init(&b);
    sp_report_text(r, 20, &b);
    ck_assert_ptr_nonnull(strstr(b.data, "   add to class D:  @dataclass("
                                         "slots=True, weakref_slot=True)\n"));
    sp_buf_free(&b);
    sp_report_free(r);
}
END_TEST

START_TEST(test_text_allocator_warning)
{
    struct sp_report *r = new_report(0);
    struct sp_buf b;

    sp_buf_init(&b);
    sp_report_text(r, 20, &b);
    ck_assert_ptr_null(strstr(b.data, "warning: this process"));
    sp_buf_free(&b);
    strcpy(r->allocator, "malloc");
    sp_buf_init(&b);
    sp_report_text(r, 20, &b);
    ck_assert_ptr_nonnull(strstr(b.data, "\nwarning: this process allocates "
                                         "with malloc, not pymalloc: the "
                                         "bytes below assume pymalloc and "
                                         "are not what this process "
                                         "uses\n"));
    sp_buf_free(&b);
    sp_report_free(r);
}
END_TEST

START_TEST(test_text_class_column)
{
    struct sp_report *r = new_report(4);
    char line[300];

    set_class(&r->classes[0], "company.platform.services.billing.models",
              "Invoice", 1000, 4000, 1000);
    set_class(&r->classes[1], "m",
              "Outer.Inner.AVeryLongClassNameThatGoesOnAndOn", 1000, 3000,
              1000);
    /* Exactly 40 characters: not cut. */
    set_class(&r->classes[2], "pkg.mod", "ExactlyFortyCharactersLongName12",
              1000, 2500, 1000);
    /* 41 characters of two bytes each: cut by character, not byte. */
    set_class(&r->classes[3], "\xd0\xbc",
              "\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a"
              "\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a"
              "\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a"
              "\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a"
              "\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a"
              "\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a"
              "\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a"
              "\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a", 1000, 2000, 1000);
    text_line(r, 20, 5, line, sizeof(line));
    ck_assert_str_eq(line, "rank  class                                     "
                           "where  instances  now  slotted   saving  "
                           "verdict");
    text_line(r, 20, 6, line, sizeof(line));
    ck_assert_str_eq(line, "   1  ...tform.services.billing.models.Invoice  "
                           "?          1,000  4.0      1.0  2.9 KiB  safe");
    text_line(r, 20, 7, line, sizeof(line));
    ck_assert_str_eq(line, "   2  ...ner.AVeryLongClassNameThatGoesOnAndOn  "
                           "?          1,000  3.0      1.0  2.0 KiB  safe");
    text_line(r, 20, 8, line, sizeof(line));
    ck_assert_str_eq(line, "   3  pkg.mod.ExactlyFortyCharactersLongName12  "
                           "?          1,000  2.5      1.0  1.5 KiB  safe");
    /* 37 of the 39 K's behind "...", padded by characters. */
    text_line(r, 20, 9, line, sizeof(line));
    ck_assert_str_eq(line, "   4  ..."
                     "\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a"
                     "\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a"
                     "\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a"
                     "\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a"
                     "\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a"
                     "\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a"
                     "\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a\xd0\x9a"
                     "\xd0\x9a\xd0\x9a"
                     "  ?          1,000  2.0      1.0   1000 B  safe");
    sp_report_free(r);
}
END_TEST

START_TEST(test_text_where_and_trigger)
{
    struct sp_report *r = new_report(2);
    char line[300];

    set_class(&r->classes[0], "m", "A", 1, 4000, 1000);
    r->classes[0].recommended = true;
    r->classes[0].file = sp_strdup("/srv/app/models.py");
    set_class(&r->classes[1], "m", "B", 1000, 3000, 1000);
    r->classes[1].file = sp_strdup("rel.py");
    r->classes[1].line = 7;
    r->chosen.trigger = "sigxyz";       /* unknown: shown as it is */
    r->chosen.objects_visited = 1;
    text_line(r, 20, 2, line, sizeof(line));
    ck_assert_str_eq(line, "census: sigxyz, 1.234 s after start, 1 object "
                           "visited in 3.1 ms; profiler memory 1.2 MiB");
    text_line(r, 20, 6, line, sizeof(line));
    ck_assert_str_eq(line, "   1  m.A    models.py          1  4000.0   "
                           "1000.0  2.9 KiB  safe");
    text_line(r, 20, 7, line, sizeof(line));
    ck_assert_str_eq(line, "   2  m.B    rel.py:7       1,000     3.0   "
                           "   1.0  2.0 KiB  safe");
    /* The plan section names the whole path and the singular. */
    text_line(r, 20, 11, line, sizeof(line));
    ck_assert_str_eq(line, "#1 m.A  (/srv/app/models.py)  safe");
    text_line(r, 20, 12, line, sizeof(line));
    ck_assert_str_eq(line, "   1 instance, 4000.0 -> 1000.0 B each, saves "
                           "2.9 KiB (3,000 B)");

    r->chosen.trigger = NULL;
    text_line(r, 20, 2, line, sizeof(line));
    ck_assert_str_eq(line, "census: ?, 1.234 s after start, 1 object "
                           "visited in 3.1 ms; profiler memory 1.2 MiB");
    sp_report_free(r);
}
END_TEST

START_TEST(test_text_control_chars)
{
    /* Names from the program cannot move the cursor or break lines. */
    struct sp_report *r = new_report(1);
    struct sp_buf b;
    struct sp_class *c = &r->classes[0];

    set_class(c, "m\n", "C\x1b[2J", 1000, 4000, 1000);
    c->file = sp_strdup("/x/a\rb.py");
    add_step(c, "m\n", "C\x1b[2J", SP_FORM_SLOTS, NAMES("a'b", "c\\d\t"),
             2);
    add_issue(c, "odd\x07", "detail\nmore", false);
    sp_buf_init(&b);
    sp_report_text(r, 20, &b);
    ck_assert(sp_buf_ok(&b));
    ck_assert_ptr_null(strchr(b.data, '\x1b'));
    ck_assert_ptr_null(strchr(b.data, '\r'));
    ck_assert_ptr_null(strchr(b.data, '\x07'));
    ck_assert_ptr_nonnull(strstr(b.data, "\n   1  m?.C?[2J  a?b.py  "));
    ck_assert_ptr_nonnull(strstr(b.data, "\n#1 m?.C?[2J  (/x/a?b.py)  "));
    /* Slot names come out as valid Python literals. */
    ck_assert_ptr_nonnull(strstr(b.data, "  __slots__ = ('a\\'b', "
                                         "'c\\\\d\\x09')\n"));
    ck_assert_ptr_nonnull(strstr(b.data, "\n   warning  odd?: "
                                         "detail?more\n"));
    sp_buf_free(&b);
    sp_report_free(r);
}
END_TEST

START_TEST(test_text_empty_slots_tuple)
{
    /* SP_FORM_SLOTS with no names is still a tuple. */
    struct sp_report *r = new_report(1);
    struct sp_class *c = &r->classes[0];
    char line[200];

    set_class(c, "m", "C", 1000, 4000, 1000);
    add_step(c, "m", "C", SP_FORM_SLOTS, NULL, 0);
    text_line(r, 20, 12, line, sizeof(line));
    ck_assert_str_eq(line, "   add to class C:  __slots__ = ()");
    sp_report_free(r);
}
END_TEST

/* ------------------------------------------------------------ session */

/* A census of `n` classes "m.C<k>" (k = 0..n-1), C<k> with inst[k]
 * instances saving 10 B each, at `at` seconds. */
static struct sp_report *
census_at(double at, const char *trigger, const uint64_t *inst, size_t n)
{
    struct sp_report *r = new_report(n);
    for (size_t k = 0; k < n; k++) {
        char q[16];
        snprintf(q, sizeof(q), "C%zu", k);
        set_class(&r->classes[k], "m", q, inst[k], inst[k] * 30,
                  inst[k] * 20);
    }
    sp_report_sort(r);
    r->chosen.trigger = trigger;
    r->chosen.at_seconds = at;
    r->chosen.rss_bytes = 1000000 + (uint64_t)(at * 1000);
    return r;
}

START_TEST(test_series_points_and_classes)
{
    struct sp_series se;
    sp_series_init(&se);
    uint64_t a[] = {100, 300}, b[] = {500, 200, 50};
    struct sp_report *r1 = census_at(0.5, "gc", a, 2);
    struct sp_report *r2 = census_at(1.5, "interval", b, 3);

    ck_assert(sp_series_add(&se, r1));
    ck_assert(sp_series_add(&se, r2));
    ck_assert_uint_eq(se.npoints, 2);
    ck_assert_uint_eq(se.nclasses, 3);
    /* Rank order of the first census: C1 (300) before C0 (100). */
    ck_assert_str_eq(se.classes[0].key, "m\x1f" "C1");
    ck_assert_str_eq(se.classes[1].key, "m\x1f" "C0");
    ck_assert_str_eq(se.classes[2].key, "m\x1f" "C2");
    ck_assert_uint_eq(se.points[1].n, 3);
    ck_assert_uint_eq(se.points[1].top[0].cls, 1);     /* C0, 500 */
    ck_assert_uint_eq(se.points[1].top[0].instances, 500);
    ck_assert_int_eq(se.points[1].top[0].savings, 5000);
    ck_assert_uint_eq(se.points[1].total_savings, 500 * 10 + 200 * 10);
    ck_assert_str_eq(se.points[1].trigger, "interval");
    sp_report_free(r1);
    sp_report_free(r2);
    sp_series_free(&se);
}
END_TEST

/* Past SP_SERIES_POINTS censuses the series halves: the first census
 * stays, the step doubles, the newest is always last. */
START_TEST(test_series_decimation)
{
    struct sp_series se;
    sp_series_init(&se);
    uint64_t one[] = {100};

    for (int i = 0; i < SP_SERIES_POINTS + 1; i++) {
        struct sp_report *r = census_at(i, "interval", one, 1);
        ck_assert(sp_series_add(&se, r));
        sp_report_free(r);
    }
    ck_assert_uint_eq(se.npoints, SP_SERIES_POINTS / 2 + 1);
    ck_assert(se.points[0].at_seconds == 0.0);
    ck_assert(se.points[1].at_seconds == 2.0);
    ck_assert(se.points[SP_SERIES_POINTS / 2 - 1].at_seconds
              == SP_SERIES_POINTS - 2);
    ck_assert(se.points[SP_SERIES_POINTS / 2].at_seconds
              == SP_SERIES_POINTS);
    ck_assert_uint_eq(se.nclasses, 1);
    sp_series_free(&se);
}
END_TEST

/* Only the SP_SERIES_TOP best classes of a census go into its point. */
START_TEST(test_series_top_only)
{
    struct sp_series se;
    uint64_t inst[SP_SERIES_TOP + 6];
    sp_series_init(&se);
    for (size_t k = 0; k < SP_ARRAY_LEN(inst); k++) {
        inst[k] = 1000 + k;
    }
    struct sp_report *r = census_at(1, "gc", inst, SP_ARRAY_LEN(inst));
    ck_assert(sp_series_add(&se, r));
    ck_assert_uint_eq(se.points[0].n, SP_SERIES_TOP);
    ck_assert_uint_eq(se.nclasses, SP_SERIES_TOP);
    /* The largest (C69, 1069 instances) first, C6 last; C0-C5 out. */
    ck_assert_str_eq(se.classes[0].key, "m\x1f" "C69");
    ck_assert_str_eq(se.classes[SP_SERIES_TOP - 1].key, "m\x1f" "C6");
    sp_report_free(r);
    sp_series_free(&se);
}
END_TEST

/* A snapshot report of a session: every session key, the peak and the
 * series, exactly. */
static struct sp_report *
session_report(struct sp_series *se)
{
    uint64_t a[] = {100, 300}, b[] = {500, 200};
    struct sp_report *r1 = census_at(0.5, "gc", a, 2);
    struct sp_report *r2 = census_at(1.5, "signal", b, 2);

    sp_series_init(se);
    ck_assert(sp_series_add(se, r1));
    ck_assert(sp_series_add(se, r2));
    struct sp_session_info *ss = &r2->session;
    ss->kind = "snapshot";
    strcpy(ss->session, "20261122T060702-41");
    ss->snapshot = 2;
    strcpy(ss->written_at, "2026-11-22T06:07:04.250Z");
    ss->interval_us = 1500000;
    ss->signal = "SIGUSR2";
    ss->max_pause_us = 50;
    ss->censuses_aborted = 1;
    ss->censuses_skipped = 3;
    ss->has_peak = true;
    ss->peak = r2->chosen;
    ss->peak_savings = 7000;
    ss->series = se;
    sp_report_free(r1);
    return r2;
}

START_TEST(test_json_session)
{
    struct sp_series se;
    struct sp_report *r = session_report(&se);
    struct sp_buf b;

    sp_buf_init(&b);
    sp_report_json(r, &b);
    ck_assert(sp_buf_ok(&b));
    const char *want_head =
        "  \"census_seconds_total\": 0.004200,\n"
        "  \"kind\": \"snapshot\",\n"
        "  \"session\": \"20261122T060702-41\",\n"
        "  \"snapshot\": 2,\n"
        "  \"written_at\": \"2026-11-22T06:07:04.250Z\",\n"
        "  \"sampling\": {\"interval_seconds\": 1.500000, \"signal\": "
            "\"SIGUSR2\", \"dormant\": false, \"max_pause_seconds\": "
            "0.000050},\n"
        "  \"censuses_aborted\": 1,\n"
        "  \"censuses_skipped\": 3,\n"
        "  \"census\": {\n"
        "    \"trigger\": \"signal\",\n"
        "    \"at_seconds\": 1.500000,\n"
        "    \"duration_seconds\": 0.003100,\n"
        "    \"objects_visited\": 52311,\n"
        "    \"rss_bytes\": 1001500\n"
        "  },\n"
        "  \"peak\": {\n"
        "    \"trigger\": \"signal\",\n"
        "    \"at_seconds\": 1.500000,\n"
        "    \"rss_bytes\": 1001500,\n"
        "    \"total_savings_bytes\": 7000\n"
        "  },\n"
        "  \"total_savings_bytes\": 7000,\n";
    ck_assert_msg(strstr(b.data, want_head) != NULL, "%s", b.data);
    const char *want_tail =
        "  \"slotted_classes\": [],\n"
        "  \"series\": {\n"
        "    \"at_seconds\": [0.500000, 1.500000],\n"
        "    \"trigger\": [\"gc\", \"signal\"],\n"
        "    \"rss_bytes\": [1000500, 1001500],\n"
        "    \"total_savings_bytes\": [4000, 7000],\n"
        "    \"classes\": [\n"
        "      {\"module\": \"m\", \"qualname\": \"C1\", \"instances\": "
            "[300, 200], \"savings_bytes\": [3000, 2000]},\n"
        "      {\"module\": \"m\", \"qualname\": \"C0\", \"instances\": "
            "[100, 500], \"savings_bytes\": [1000, 5000]}\n"
        "    ]\n"
        "  },\n"
        "  \"allocations\": null\n"
        "}\n";
    size_t nt = strlen(want_tail);
    ck_assert(b.len >= nt);
    ck_assert_str_eq(b.data + b.len - nt, want_tail);
    sp_buf_free(&b);
    sp_report_free(r);
    sp_series_free(&se);
}
END_TEST

START_TEST(test_text_session)
{
    struct sp_series se;
    struct sp_report *r = session_report(&se);
    char line[300];

    text_line(r, 20, 2, line, sizeof(line));
    ck_assert_str_eq(line, "census: snapshot on signal, 1.500 s after "
                     "start, 52,311 objects visited in 3.1 ms; profiler "
                     "memory 1.2 MiB");
    text_line(r, 20, 3, line, sizeof(line));
    ck_assert_str_eq(line, "snapshot 2 of session 20261122T060702-41, "
                     "written 2026-11-22T06:07:04.250Z");
    text_line(r, 20, 4, line, sizeof(line));
    ck_assert_str_eq(line, "peak so far: 6.8 KiB (7,000 B) potential "
                     "saving, 1.500 s "
                     "after start");
    text_line(r, 20, 5, line, sizeof(line));
    ck_assert_str_eq(line, "max_pause=0.1 ms: 1 census stopped, 3 skipped "
                     "by back-off");

    struct sp_buf b;
    sp_buf_init(&b);
    sp_report_text(r, 20, &b);
    ck_assert(sp_buf_ok(&b));
    const char *growth =
        "\ngrowth over 2 censuses (instances at seconds after start; - = "
        "not in that census's top 64):\n"
        "  1. m.C0: 100 @0.5s -> 500 @1.5s\n"
        "  2. m.C1: 300 @0.5s -> 200 @1.5s\n";
    size_t ng = strlen(growth);
    ck_assert(b.len >= ng);
    ck_assert_str_eq(b.data + b.len - ng, growth);
    sp_buf_free(&b);
    sp_report_free(r);
    sp_series_free(&se);
}
END_TEST

/* The text shows seconds as the JSON holds them (six decimals), so text
 * rendered from the JSON (slotprof report) equals the library's. */
START_TEST(test_text_seconds_as_in_json)
{
    struct sp_report *r = sample_report();
    struct sp_buf t, j;
    r->chosen.duration_seconds = 0.00104965;   /* 1.04965 ms: JSON 0.001050 */
    r->chosen.at_seconds = 2.0004996;          /* JSON 2.000500 */
    sp_buf_init(&t);
    sp_buf_init(&j);
    sp_report_text(r, 20, &t);
    sp_report_json(r, &j);
    ck_assert_ptr_nonnull(strstr(j.data, "\"duration_seconds\": 0.001050"));
    ck_assert_ptr_nonnull(strstr(j.data, "\"at_seconds\": 2.000500"));
    ck_assert_msg(strstr(t.data, "2.001 s after start") != NULL
                  && strstr(t.data, "in 1.1 ms") != NULL, "%s", t.data);
    sp_buf_free(&t);
    sp_buf_free(&j);
    sp_report_free(r);
}
END_TEST

/* ---------------------------------------------------------- allocations */

/* sample_report() with allocation data: two classes counted, three
 * frames (one native), a site per class and an [unsampled] remainder. */
static struct sp_report *
alloc_report(void)
{
    struct sp_report *r = sample_report();
    struct sp_allocs *a = &r->allocs;

    a->present = true;
    a->counting = "tp_alloc";
    a->frees_exact = true;
    a->sample_every = 1024;
    a->max_depth = 64;
    a->samples = 101;
    a->nclasses = 2;
    a->classes = sp_calloc(2, sizeof(*a->classes));
    a->classes[0] = (struct sp_alloc_class){sp_strdup("shop"),
        sp_strdup("Order"), 250000, 150000, 100000, 120000, 98};
    a->classes[1] = (struct sp_alloc_class){sp_strdup("geo"),
        sp_strdup("Point"), 5000, 0, 5000, 5000, 3};
    a->nframes = 3;
    a->frames = sp_calloc(3, sizeof(*a->frames));
    a->frames[0] = (struct sp_frame){sp_strdup("<module>"),
        sp_strdup("/app/main.py"), 3, false};
    a->frames[1] = (struct sp_frame){sp_strdup("Shop.order"),
        sp_strdup("/app/shop.py"), 40, false};
    a->frames[2] = (struct sp_frame){sp_strdup("make_point"),
        sp_strdup("/usr/lib/geo.so"), 0, true};
    a->nsites = 3;
    a->sites = sp_calloc(3, sizeof(*a->sites));
    a->sites[0].module = sp_strdup("shop");
    a->sites[0].qualname = sp_strdup("Order");
    a->sites[0].frames = sp_malloc(2 * sizeof(uint32_t));
    a->sites[0].frames[0] = 0;
    a->sites[0].frames[1] = 1;
    a->sites[0].nframes = 2;
    a->sites[0].samples = 98;
    a->sites[0].allocations = 250000;
    a->sites[0].instances = 100000;
    a->sites[0].savable_bytes = 8800000;
    a->sites[1].module = sp_strdup("geo");
    a->sites[1].qualname = sp_strdup("Point");
    a->sites[1].frames = sp_malloc(2 * sizeof(uint32_t));
    a->sites[1].frames[0] = 0;
    a->sites[1].frames[1] = 2;
    a->sites[1].nframes = 2;
    a->sites[1].samples = 3;
    a->sites[1].allocations = 5000;
    a->sites[1].instances = 4000;
    a->sites[1].savable_bytes = 256000;
    a->sites[2].module = sp_strdup("geo");
    a->sites[2].qualname = sp_strdup("Point");
    a->sites[2].instances = 1000;
    a->sites[2].savable_bytes = 64000;
    r->nslotted = 1;
    r->slotted = sp_calloc(1, sizeof(*r->slotted));
    r->slotted[0] = (struct sp_slotted_class){sp_strdup("geo"),
        sp_strdup("Vec"), 10, 640};
    return r;
}

START_TEST(test_json_allocations)
{
    struct sp_report *r = alloc_report();
    struct sp_buf b;
    sp_buf_init(&b);
    sp_report_json(r, &b);
    ck_assert(sp_buf_ok(&b));
    const char *want_slotted =
        "  \"slotted_classes\": [\n"
        "    {\"module\": \"geo\", \"qualname\": \"Vec\", \"instances\": 10, "
        "\"bytes\": 640}\n"
        "  ],\n";
    ck_assert_msg(strstr(b.data, want_slotted) != NULL, "%s", b.data);
    const char *want_tail =
        "  \"allocations\": {\n"
        "    \"counting\": \"tp_alloc\",\n"
        "    \"frees_exact\": true,\n"
        "    \"sample_every\": 1024,\n"
        "    \"native\": false,\n"
        "    \"max_depth\": 64,\n"
        "    \"samples\": 101,\n"
        "    \"classes\": [\n"
        "      {\"module\": \"shop\", \"qualname\": \"Order\", \"allocated\": "
        "250000, \"freed\": 150000, \"live\": 100000, \"peak_live\": 120000, "
        "\"samples\": 98},\n"
        "      {\"module\": \"geo\", \"qualname\": \"Point\", \"allocated\": "
        "5000, \"freed\": 0, \"live\": 5000, \"peak_live\": 5000, "
        "\"samples\": 3}\n"
        "    ],\n"
        "    \"frames\": [\n"
        "      {\"function\": \"<module>\", \"file\": \"/app/main.py\", "
        "\"line\": 3, \"native\": false},\n"
        "      {\"function\": \"Shop.order\", \"file\": \"/app/shop.py\", "
        "\"line\": 40, \"native\": false},\n"
        "      {\"function\": \"make_point\", \"file\": \"/usr/lib/geo.so\", "
        "\"line\": null, \"native\": true}\n"
        "    ],\n"
        "    \"sites\": [\n"
        "      {\"module\": \"shop\", \"qualname\": \"Order\", \"frames\": "
        "[0, 1], \"samples\": 98, \"allocations\": 250000, \"instances\": "
        "100000, \"savable_bytes\": 8800000},\n"
        "      {\"module\": \"geo\", \"qualname\": \"Point\", \"frames\": "
        "[0, 2], \"samples\": 3, \"allocations\": 5000, \"instances\": 4000, "
        "\"savable_bytes\": 256000},\n"
        "      {\"module\": \"geo\", \"qualname\": \"Point\", \"frames\": [], "
        "\"samples\": 0, \"allocations\": 0, \"instances\": 1000, "
        "\"savable_bytes\": 64000}\n"
        "    ]\n"
        "  }\n"
        "}\n";
    size_t nt = strlen(want_tail);
    ck_assert(b.len >= nt);
    ck_assert_str_eq(b.data + b.len - nt, want_tail);
    sp_buf_free(&b);
    sp_report_free(r);
}
END_TEST

START_TEST(test_text_allocations)
{
    struct sp_report *r = alloc_report();
    struct sp_buf b;
    sp_buf_init(&b);
    sp_report_text(r, 20, &b);
    ck_assert(sp_buf_ok(&b));
    const char *want_tail =
        "\nallocations since start (exact; stacks sampled every ~1,024 "
        "allocations, 101 in all):\n"
        "  class                                       allocated        "
        "freed    peak live     live now\n"
        "  shop.Order                                    250,000      "
        "150,000      120,000      100,000\n"
        "  geo.Point                                       5,000            "
        "0        5,000        5,000\n"
        "\nwhere the savings are created (sampled; innermost frame first):\n"
        "  1. shop.Order\n"
        "     100.0%    8.4 MiB  Shop.order (shop.py:40) <- <module> "
        "(main.py:3)\n"
        "  2. geo.Point\n"
        "      80.0%  250.0 KiB  make_point [geo.so] <- <module> "
        "(main.py:3)\n"
        "      20.0%   62.5 KiB  [unsampled]\n";
    size_t nt = strlen(want_tail);
    ck_assert_msg(b.len >= nt && strcmp(b.data + b.len - nt, want_tail) == 0,
                  "%s", b.data);
    sp_buf_free(&b);

    /* Frees missed: said once, before the table. */
    r->allocs.frees_exact = false;
    sp_buf_init(&b);
    sp_report_text(r, 20, &b);
    ck_assert_ptr_nonnull(strstr(b.data, "warning: some frees were not seen"));
    sp_buf_free(&b);
    /* Counting off: no section. */
    sp_allocs_free(&r->allocs);
    sp_buf_init(&b);
    sp_report_text(r, 20, &b);
    ck_assert_ptr_null(strstr(b.data, "allocations since start"));
    sp_buf_free(&b);
    sp_report_free(r);
}
END_TEST

static Suite *
report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("model");

    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_sort_order);
    tcase_add_test(tc, test_sort_ties_by_file_then_stable);
    tcase_add_test(tc, test_sort_many);
    tcase_add_test(tc, test_total_savings);
    tcase_add_test(tc, test_free);
    suite_add_tcase(s, tc);

    tc = tcase_create("json");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_json_sample);
    tcase_add_test(tc, test_json_empty);
    tcase_add_test(tc, test_json_odd_values);
    suite_add_tcase(s, tc);

    tc = tcase_create("text");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_text_sample);
    tcase_add_test(tc, test_text_top_cut);
    tcase_add_test(tc, test_text_top_all);
    tcase_add_test(tc, test_not_yours_summed_up);
    tcase_add_test(tc, test_text_empty);
    tcase_add_test(tc, test_text_human_bytes);
    tcase_add_test(tc, test_text_negative_saving_in_table);
    tcase_add_test(tc, test_text_blocked_listed_not_counted);
    tcase_add_test(tc, test_text_dataclass_weakref_slot);
    tcase_add_test(tc, test_text_allocator_warning);
    tcase_add_test(tc, test_text_class_column);
    tcase_add_test(tc, test_text_where_and_trigger);
    tcase_add_test(tc, test_text_control_chars);
    tcase_add_test(tc, test_text_empty_slots_tuple);
    tcase_add_test(tc, test_json_allocations);
    tcase_add_test(tc, test_text_seconds_as_in_json);
    tcase_add_test(tc, test_text_allocations);
    suite_add_tcase(s, tc);

    tc = tcase_create("session");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_series_points_and_classes);
    tcase_add_test(tc, test_series_decimation);
    tcase_add_test(tc, test_series_top_only);
    tcase_add_test(tc, test_json_session);
    tcase_add_test(tc, test_text_session);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(report_suite());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
