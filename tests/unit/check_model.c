/*
 * check_model.c -- allocator arithmetic (profiler/model.c).  Every
 * saving the report claims is a difference of sp_model_block() sums, so
 * each boundary of both allocators is pinned here: pymalloc's 16-byte
 * classes up to 512 B, glibc's chunk rounding above.
 */
#include "internal.h"

#include <check.h>              /* Check */
#include <stdlib.h>             /* EXIT_SUCCESS, EXIT_FAILURE */

static const struct {
    uint64_t request;
    uint64_t block;
} cases[] = {
    {0, 16},            /* PyObject_Malloc(0): a unique 16-byte block */
    {1, 16},
    {16, 16},
    {17, 32},
    {24, 32},
    {512, 512},         /* largest pymalloc request */
    {513, 528},         /* glibc: 513 + 8 rounded up to 16 */
    {520, 528},         /* 520 + 8 = 528 exactly */
    {521, 544},
};

START_TEST(test_block)
{
    ck_assert_msg(sp_model_block(cases[_i].request) == cases[_i].block,
                  "sp_model_block(%llu) = %llu, want %llu",
                  (unsigned long long)cases[_i].request,
                  (unsigned long long)sp_model_block(cases[_i].request),
                  (unsigned long long)cases[_i].block);
}
END_TEST

START_TEST(test_monotonic)
{
    /* A bigger request never costs less. */
    for (uint64_t n = 1; n < 4096; n++) {
        ck_assert_uint_le(sp_model_block(n - 1), sp_model_block(n));
        ck_assert_uint_ge(sp_model_block(n), n);
    }
}
END_TEST

/* Pool shares, against RSS measured per instance (helper measurements on
 * this machine, 200,000 objects): 3.8's 4 KiB pools make a 272 B block
 * cost 4096/14 B; 3.10's 16 KiB pools 16384/60. */
START_TEST(test_cost_pools)
{
    sp_model_set_pool_size(4096);
    ck_assert_uint_eq(sp_model_cost(272), (4096u * 256 + 7) / 14);
    ck_assert_uint_eq(sp_model_bytes(sp_model_cost(272)), 293);   /* 292.57 */
    ck_assert_uint_eq(sp_model_cost(48), (4096u * 256 + 42) / 84);
    sp_model_set_pool_size(16384);
    ck_assert_uint_eq(sp_model_cost(272), (16384u * 256 + 30) / 60);
    ck_assert_uint_eq(sp_model_bytes(sp_model_cost(64)), 64);      /* 64.25 */
    /* malloc'd blocks: the chunk, no pool. */
    ck_assert_uint_eq(sp_model_cost(600), 608u << SP_COST_SHIFT);
    sp_model_set_pool_size(0);
    ck_assert_uint_eq(sp_model_cost(272), 272u << SP_COST_SHIFT);
}
END_TEST

START_TEST(test_bytes_rounding)
{
    ck_assert_uint_eq(sp_model_bytes(0), 0);
    ck_assert_uint_eq(sp_model_bytes(127), 0);
    ck_assert_uint_eq(sp_model_bytes(128), 1);
    ck_assert_uint_eq(sp_model_bytes(256 * 1000 + 300), 1001);
}
END_TEST

static Suite *
model_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("block");

    tcase_set_timeout(tc, 10);
    tcase_add_loop_test(tc, test_block, 0, (int)SP_ARRAY_LEN(cases));
    tcase_add_test(tc, test_monotonic);
    tcase_add_test(tc, test_cost_pools);
    tcase_add_test(tc, test_bytes_rounding);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(model_suite());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
