/*
 * check_sourceloc.c -- finding `class X` for a qualname in a source file
 * (profiler/sourceloc.c): nesting, functions' <locals>, decorators, names
 * that are prefixes of others, and files that do not exist.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

static char path[64];

static const char source[] =
    "import dataclasses\n"                      /* 1 */
    "\n"                                        /* 2 */
    "class Order:\n"                            /* 3 */
    "    pass\n"                                /* 4 */
    "\n"                                        /* 5 */
    "class OrderLine(Order):\n"                 /* 6 */
    "    class Meta:\n"                         /* 7 */
    "        pass\n"                            /* 8 */
    "\n"                                        /* 9 */
    "@dataclasses.dataclass\n"                  /* 10 */
    "class Product :\n"                         /* 11 */
    "    x: int\n"                              /* 12 */
    "\n"                                        /* 13 */
    "def make():\n"                             /* 14 */
    "    class Meta(object):\n"                 /* 15 */
    "        pass\n"                            /* 16 */
    "    return Meta\n"                         /* 17 */
    "\n"                                        /* 18 */
    "async  def amake():\n"                     /* 19 */
    "\tclass Local: pass\n"                     /* 20 */
    "class Last(Order): pass";                  /* 21, no newline */

static void
setup(void)
{
    snprintf(path, sizeof(path), "/tmp/check_sourceloc.%d.py", (int)getpid());
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(source, f);
    fclose(f);
}

static void
teardown(void)
{
    unlink(path);
}

START_TEST(test_top_level)
{
    ck_assert_int_eq(sp_sourceloc_class_line(path, "Order"), 3);
    ck_assert_int_eq(sp_sourceloc_class_line(path, "OrderLine"), 6);
    ck_assert_int_eq(sp_sourceloc_class_line(path, "Product"), 11);
    ck_assert_int_eq(sp_sourceloc_class_line(path, "Last"), 21);
}
END_TEST

START_TEST(test_nested)
{
    ck_assert_int_eq(sp_sourceloc_class_line(path, "OrderLine.Meta"), 7);
    ck_assert_int_eq(sp_sourceloc_class_line(path, "make.<locals>.Meta"), 15);
    ck_assert_int_eq(sp_sourceloc_class_line(path, "amake.<locals>.Local"),
                     20);
}
END_TEST

START_TEST(test_not_found)
{
    ck_assert_int_eq(sp_sourceloc_class_line(path, "Missing"), 0);
    ck_assert_int_eq(sp_sourceloc_class_line(path, "Order.Meta"), 0);
    ck_assert_int_eq(sp_sourceloc_class_line(path, "Ord"), 0);
    ck_assert_int_eq(sp_sourceloc_class_line("/nonexistent/x.py", "Order"),
                     0);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("sourceloc");
    TCase *tc = tcase_create("sourceloc");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_top_level);
    tcase_add_test(tc, test_nested);
    tcase_add_test(tc, test_not_found);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
