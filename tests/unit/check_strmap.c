/*
 * check_strmap.c -- the (tag, string) -> integer map (profiler/strmap.c):
 * put/get, duplicates keep the first value, tags separate sets, growth
 * through many keys.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

START_TEST(test_put_get)
{
    struct sp_strmap m;
    int64_t v = 0;
    sp_strmap_init(&m);
    ck_assert(!sp_strmap_get(&m, 0, "a", &v));
    ck_assert_int_eq(sp_strmap_put(&m, 0, "a", 7), 1);
    ck_assert_int_eq(sp_strmap_put(&m, 0, "a", 9), 0);
    ck_assert(sp_strmap_get(&m, 0, "a", &v));
    ck_assert_int_eq(v, 7);
    ck_assert(!sp_strmap_get(&m, 1, "a", &v));      /* other tag */
    ck_assert_int_eq(sp_strmap_put(&m, 1, "a", 3), 1);
    ck_assert(sp_strmap_get(&m, 1, "a", &v));
    ck_assert_int_eq(v, 3);
    ck_assert(!sp_strmap_get(&m, 0, "", NULL));
    ck_assert_int_eq(sp_strmap_put(&m, 0, "", 1), 1);
    ck_assert(sp_strmap_get(&m, 0, "", NULL));
    ck_assert_uint_eq(m.len, 3);
    sp_strmap_free(&m);
}
END_TEST

START_TEST(test_many)
{
    static char keys[20000][8];
    struct sp_strmap m;
    int64_t v;
    sp_strmap_init(&m);
    for (int i = 0; i < 20000; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k%d", i);
        ck_assert_int_eq(sp_strmap_put(&m, (uint64_t)(i % 3), keys[i], i), 1);
    }
    for (int i = 0; i < 20000; i++) {
        ck_assert(sp_strmap_get(&m, (uint64_t)(i % 3), keys[i], &v));
        ck_assert_int_eq(v, i);
        ck_assert(!sp_strmap_get(&m, (uint64_t)(i % 3 + 1), keys[i], &v));
    }
    ck_assert_uint_eq(m.len, 20000);
    sp_strmap_free(&m);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("strmap");
    TCase *tc = tcase_create("strmap");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_put_get);
    tcase_add_test(tc, test_many);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
