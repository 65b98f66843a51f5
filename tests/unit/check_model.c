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

static Suite *
model_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("block");

    tcase_set_timeout(tc, 10);
    tcase_add_loop_test(tc, test_block, 0, (int)SP_ARRAY_LEN(cases));
    tcase_add_test(tc, test_monotonic);
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
