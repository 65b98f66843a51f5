/*
 * check_history.c -- the run's names per class (profiler/history.c): a
 * name seen at an earlier census stays in later plans, in the run's
 * first-seen order, with the most instances that carried it; the most
 * instances of the class and when; classes told apart by module and
 * qualname.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static struct sp_history H;

static void
setup(void)
{
    sp_history_init(&H);
}

static void
teardown(void)
{
    sp_history_free(&H);
}

/* A one-class census report: names with their counts. */
static struct sp_report *
census(const char *qualname, uint64_t instances, double at,
       const char *const *names, const uint64_t *counts, size_t n)
{
    struct sp_report *r = sp_calloc(1, sizeof(*r));
    ck_assert_ptr_nonnull(r);
    r->chosen.at_seconds = at;
    r->classes = sp_calloc(1, sizeof(*r->classes));
    r->nclasses = 1;
    struct sp_class *c = &r->classes[0];
    c->module = sp_strdup("app");
    c->qualname = sp_strdup(qualname);
    c->instances = instances;
    c->attrs = sp_calloc(n + 1, sizeof(*c->attrs));
    for (size_t i = 0; i < n; i++) {
        c->attrs[i].name = sp_strdup(names[i]);
        c->attrs[i].instances = counts[i];
    }
    c->nattrs = n;
    return r;
}

static void
assert_attrs(const struct sp_class *c, const char *const *names,
             const uint64_t *now, const uint64_t *max, size_t n)
{
    ck_assert_uint_eq(c->nattrs, n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(c->attrs[i].name, names[i]);
        ck_assert_uint_eq(c->attrs[i].instances, now[i]);
        ck_assert_uint_eq(c->attrs[i].max_instances, max[i]);
    }
}

START_TEST(test_first_census_unchanged)
{
    static const char *const n[] = {"a", "b"};
    static const uint64_t k[] = {10, 4};
    struct sp_report *r = census("Node", 10, 0.5, n, k, 2);
    ck_assert(sp_history_merge(&H, &r->classes[0], 0.5));
    assert_attrs(&r->classes[0], n, k, k, 2);
    ck_assert_uint_eq(r->classes[0].max_instances, 10);
    ck_assert(r->classes[0].max_at_seconds == 0.5);
    sp_report_free(r);
}
END_TEST

START_TEST(test_names_of_earlier_censuses_stay)
{
    /* Phase 1: 1,000 nodes, one in ten has `document`.  Phase 2: 100
     * nodes, none has it, and `extra` appears. */
    static const char *const n1[] = {"tag", "document"};
    static const uint64_t k1[] = {1000, 100};
    struct sp_report *r1 = census("Node", 1000, 1.0, n1, k1, 2);
    ck_assert(sp_history_merge(&H, &r1->classes[0], 1.0));
    ck_assert(sp_history_note(&H, r1));

    static const char *const n2[] = {"extra", "tag"};
    static const uint64_t k2[] = {5, 100};
    struct sp_report *r2 = census("Node", 100, 2.0, n2, k2, 2);
    ck_assert(sp_history_merge(&H, &r2->classes[0], 2.0));
    static const char *const want[] = {"tag", "document", "extra"};
    static const uint64_t now[] = {100, 0, 5};
    static const uint64_t max[] = {1000, 100, 5};
    assert_attrs(&r2->classes[0], want, now, max, 3);
    ck_assert_uint_eq(r2->classes[0].max_instances, 1000);
    ck_assert(r2->classes[0].max_at_seconds == 1.0);
    sp_report_free(r1);
    sp_report_free(r2);
}
END_TEST

START_TEST(test_planned_names_are_not_seen_names)
{
    /* A name the plan added (0 instances: code sets it) is not recorded
     * as seen: it comes back from the code, not from the history. */
    static const char *const n[] = {"a", "planned"};
    static const uint64_t k[] = {10, 0};
    struct sp_report *r1 = census("C", 10, 1.0, n, k, 2);
    ck_assert(sp_history_note(&H, r1));
    struct sp_report *r2 = census("C", 10, 2.0, n, k, 1);
    ck_assert(sp_history_merge(&H, &r2->classes[0], 2.0));
    ck_assert_uint_eq(r2->classes[0].nattrs, 1);
    sp_report_free(r1);
    sp_report_free(r2);
}
END_TEST

START_TEST(test_classes_apart)
{
    static const char *const a[] = {"x"};
    static const uint64_t k[] = {3};
    struct sp_report *r1 = census("A", 3, 1.0, a, k, 1);
    ck_assert(sp_history_note(&H, r1));
    struct sp_report *r2 = census("B", 3, 2.0, NULL, NULL, 0);
    ck_assert(sp_history_merge(&H, &r2->classes[0], 2.0));
    ck_assert_uint_eq(r2->classes[0].nattrs, 0);
    ck_assert(sp_history_merge(NULL, &r2->classes[0], 2.0));
    sp_report_free(r1);
    sp_report_free(r2);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("history");
    TCase *tc = tcase_create("history");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_first_census_unchanged);
    tcase_add_test(tc, test_names_of_earlier_censuses_stay);
    tcase_add_test(tc, test_planned_names_are_not_seen_names);
    tcase_add_test(tc, test_classes_apart);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
