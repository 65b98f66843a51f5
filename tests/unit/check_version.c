/*
 * check_version.c -- which interpreters a build agrees to run in
 * (profiler/version.c), with the exact sentence the user sees otherwise.
 */
#include <check.h>
#include <stdlib.h>

#include "internal.h"

START_TEST(test_exact_match)
{
    char err[256] = "";
    ck_assert(sp_version_check("3.12.1", "3.12.1 (main, Jan  1 2024, "
                               "00:00:00) [GCC 12.2.0]", err, sizeof(err)));
    ck_assert(sp_version_check("3.12.1", "3.12.1", err, sizeof(err)));
    ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(test_other_micro_or_prefix)
{
    char err[256];
    ck_assert(!sp_version_check("3.11.7", "3.11.2 (main, Apr 28 2025) "
                                "[GCC 12.2.0]", err, sizeof(err)));
    ck_assert_str_eq(err, "this library was built for CPython 3.11.7 but "
                          "this is CPython 3.11.2; build one with 'make "
                          "PYTHON=/path/to/this/python' (running "
                          "unprofiled)");
    /* 3.1.1 must not accept 3.1.10 */
    ck_assert(!sp_version_check("3.1.1", "3.1.10 (x)", err, sizeof(err)));
    ck_assert(!sp_version_check("3.12.1", "3.12.1+ (x)", err, sizeof(err)));
}
END_TEST

START_TEST(test_free_threaded)
{
    char err[256];
    ck_assert(!sp_version_check("3.13.0", "3.13.0 experimental "
                                "free-threading build (main, Oct  8 2024)",
                                err, sizeof(err)));
    ck_assert_str_eq(err, "this is the free-threaded build of CPython "
                          "3.13.0 (python3.13t), whose object layout "
                          "slotprof does not support; running unprofiled");
    ck_assert(!sp_version_check("3.14.10", "3.14.10 free-threading build "
                                "(main, Oct 26 2026, 15:12:11) [GCC 16.2.0]",
                                err, sizeof(err)));
    ck_assert_str_eq(err, "this is the free-threaded build of CPython "
                          "3.14.10 (python3.14t), whose object layout "
                          "slotprof does not support; running unprofiled");
}
END_TEST

START_TEST(test_small_buffer)
{
    char err[16];
    ck_assert(!sp_version_check("3.12.1", "3.8.18", err, sizeof(err)));
    ck_assert_str_eq(err, "this library wa");
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("version");
    TCase *tc = tcase_create("version");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_exact_match);
    tcase_add_test(tc, test_other_micro_or_prefix);
    tcase_add_test(tc, test_free_threaded);
    tcase_add_test(tc, test_small_buffer);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
