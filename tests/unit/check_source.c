/*
 * check_source.c -- what profiler/source.c reads out of Python source:
 * class statement lines by qualname (nesting, <locals>, decorators,
 * prefixes of other names), the `self.X` stores of a class's own code
 * (as __static_attributes__ has them), class-body assignments, and
 * attribute stores anywhere -- through strings, comments, brackets,
 * continuations and the statement forms that assign.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static char path[64];

static void
write_file(const char *text)
{
    snprintf(path, sizeof(path), "/tmp/check_source.%d.py", (int)getpid());
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    sp_source_reset();
}

static void
teardown(void)
{
    unlink(path);
    sp_source_reset();
}

static const char classes_src[] =
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
    "s = '''\n"                                 /* 21 */
    "class InString:\n"                         /* 22 */
    "'''\n"                                     /* 23 */
    "class Last(Order): pass";                  /* 24, no newline */

static int
line_of(const char *qualname)
{
    const struct sp_source *s = sp_source_get(path);
    ck_assert_ptr_nonnull(s);
    return sp_source_class_line(s, sp_source_class(s, qualname));
}

START_TEST(test_class_lines)
{
    write_file(classes_src);
    ck_assert_int_eq(line_of("Order"), 3);
    ck_assert_int_eq(line_of("OrderLine"), 6);
    ck_assert_int_eq(line_of("Product"), 11);
    ck_assert_int_eq(line_of("Last"), 24);
    ck_assert_int_eq(line_of("OrderLine.Meta"), 7);
    ck_assert_int_eq(line_of("make.<locals>.Meta"), 15);
    ck_assert_int_eq(line_of("amake.<locals>.Local"), 20);
}
END_TEST

START_TEST(test_class_not_found)
{
    write_file(classes_src);
    ck_assert_int_eq(line_of("Missing"), 0);
    ck_assert_int_eq(line_of("Order.Meta"), 0);
    ck_assert_int_eq(line_of("Ord"), 0);
    ck_assert_int_eq(line_of("InString"), 0);
    ck_assert_ptr_null(sp_source_get("/nonexistent/x.py"));
    ck_assert_ptr_null(sp_source_get("/tmp"));
    ck_assert_int_eq(sp_source_class(NULL, "Order"), -1);
    ck_assert_int_eq(sp_source_class_line(NULL, 0), 0);
}
END_TEST

static const char stores_src[] =
    "class Scope:\n"                                    /* 1 */
    "    uses_locals = False\n"                         /* 2 */
    "    kind: str = 'scope'\n"                         /* 3 */
    "    names: dict\n"                                 /* 4 */
    "    a = b = 0\n"                                   /* 5 */
    "    def __init__(self, x):\n"                      /* 6 */
    "        self.names = {}; self.ret = None\n"        /* 7 */
    "        self.count += 1\n"                         /* 8 */
    "        self.typed: int = 3\n"                     /* 9 */
    "        (self.p, self.q) = x\n"                    /* 10 */
    "        self.d[0] = 1\n"                           /* 11 */
    "        x.y = self.z\n"                            /* 12 */
    "        f(self.not_a_store)\n"                     /* 13 */
    "        a[self.key] = 1\n"                         /* 14 */
    "        if x: self.inline = 1\n"                   /* 15 */
    "        for self.loop in x: pass\n"                /* 16 */
    "        with x as self.ctx: pass\n"                /* 17 */
    "        setattr(self, 'dyn', 1); setattr(self, 'p%d' % 1, 2)\n" /* 18 */
    "        self.a.b = 1\n"                            /* 19 */
    "        s = 'self.in_string = 1'  # self.in_comment = 1\n" /* 20 */
    "        g(lambda k=self.lam: k)\n"                 /* 21 */
    "        self.cont = \\\n"                          /* 22 */
    "            1\n"                                   /* 23 */
    "        self.eq == 1\n"                            /* 24 */
    "        del self.gone\n"                           /* 25 */
    "        def inner():\n"                            /* 26 */
    "            self.nested = f'{x[\"a\"]}'\n"         /* 27 */
    "        class Other:\n"                            /* 28 */
    "            def m(self):\n"                        /* 29 */
    "                self.other = 1\n"                  /* 30 */
    "        self.after = 1\n"                          /* 31 */
    "\n"                                                /* 32 */
    "scopes = [Scope(()) for _ in range(3)]\n"          /* 33 */
    "scopes[0].uses_locals = True\n"                    /* 34 */
    "obj.attr.deep = 2\n"                               /* 35 */
    "setattr(obj, \"named\", 3)\n"                      /* 36 */
    "d = dict(key=1)\n";                                /* 37 */

START_TEST(test_self_stores)
{
    const char *names[32];
    static const char *const want[] = {
        "names", "ret", "count", "typed", "p", "q", "inline", "loop",
        "ctx", "dyn", "cont", "gone", "nested", "after"};
    write_file(stores_src);
    const struct sp_source *s = sp_source_get(path);
    ck_assert_ptr_nonnull(s);
    int c = sp_source_class(s, "Scope");
    ck_assert_int_eq(c, 0);
    size_t n = sp_source_self_stores(s, c, names, 32);
    ck_assert_uint_eq(n, SP_ARRAY_LEN(want));
    for (size_t i = 0; i < n && i < SP_ARRAY_LEN(want); i++) {
        ck_assert_str_eq(names[i], want[i]);
    }
    /* The nested class's own method stores are its own. */
    int o = sp_source_class(s, "Scope.__init__.<locals>.Other");
    ck_assert_int_eq(sp_source_class_line(s, o), 28);
    n = sp_source_self_stores(s, o, names, 32);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(names[0], "other");
}
END_TEST

START_TEST(test_class_defaults)
{
    write_file(stores_src);
    const struct sp_source *s = sp_source_get(path);
    int c = sp_source_class(s, "Scope");
    ck_assert_int_eq(sp_source_default_line(s, c, "uses_locals"), 2);
    ck_assert_int_eq(sp_source_default_line(s, c, "kind"), 3);
    ck_assert_int_eq(sp_source_default_line(s, c, "names"), 0);
    ck_assert_int_eq(sp_source_default_line(s, c, "a"), 5);
    ck_assert_int_eq(sp_source_default_line(s, c, "b"), 5);
    ck_assert_int_eq(sp_source_default_line(s, c, "ret"), 0);
}
END_TEST

START_TEST(test_stores_anywhere)
{
    write_file(stores_src);
    const struct sp_source *s = sp_source_get(path);
    ck_assert_int_eq(sp_source_store_line(s, "uses_locals"), 34);
    ck_assert_int_eq(sp_source_store_line(s, "y"), 12);
    ck_assert_int_eq(sp_source_store_line(s, "deep"), 35);
    ck_assert_int_eq(sp_source_store_line(s, "b"), 19);
    ck_assert_int_eq(sp_source_store_line(s, "named"), 36);
    ck_assert_int_eq(sp_source_store_line(s, "names"), 7);
    /* Loads, calls, subscripts, strings, comments, lambda defaults,
     * comparisons and keyword arguments are not stores. */
    static const char *const not_stores[] = {
        "z", "not_a_store", "key", "d", "in_string", "in_comment", "lam",
        "eq", "attr", "kind", "p%d"};
    for (size_t i = 0; i < SP_ARRAY_LEN(not_stores); i++) {
        ck_assert_msg(sp_source_store_line(s, not_stores[i]) == 0, "%s",
                      not_stores[i]);
    }
}
END_TEST

static const char facts_src[] =
    "import weakref, pickle\n"                              /* 1 */
    "class Record:\n"                                       /* 2 */
    "    def __init__(self, row):\n"                        /* 3 */
    "        for k, v in row.items():\n"                    /* 4 */
    "            setattr(self, k, v)\n"                     /* 5 */
    "class Event:\n"                                        /* 6 */
    "    def as_dict(self):\n"                              /* 7 */
    "        return dict(self.__dict__)\n"                  /* 8 */
    "class Fmt:\n"                                          /* 9 */
    "    def setup(self):\n"                                /* 10 */
    "        a = {}; a.update(vars(self.__class__))\n"      /* 11 */
    "class Circle(Shape):\n"                                /* 12 */
    "    def describe(self):\n"                             /* 13 */
    "        return super().describe() + super(Circle, self).x\n" /* 14 */
    "class Plain:\n"                                        /* 15 */
    "    def f(self, o):\n"                                 /* 16 */
    "        return vars(o), o.__dict__, super(Plain, self)\n" /* 17 */
    "ws = weakref.WeakSet()\n"                              /* 18 */
    "x = pickle.dumps(obj, 2); y = pickle.dumps(obj, 0)\n"  /* 19 */
    "z = pickle.loads(x)\n"                                 /* 20 */
    "d = Config.__dict__\n";                                /* 21 */

START_TEST(test_class_facts_and_uses)
{
    write_file(facts_src);
    const struct sp_source *s = sp_source_get(path);
    ck_assert_ptr_nonnull(s);
    int rec = sp_source_class(s, "Record"), ev = sp_source_class(s, "Event");
    int fmt = sp_source_class(s, "Fmt"), cir = sp_source_class(s, "Circle");
    int pl = sp_source_class(s, "Plain");
    ck_assert_int_eq(sp_source_class_fact(s, rec, "dynamic"), 5);
    ck_assert_int_eq(sp_source_class_fact(s, ev, "dynamic"), 8);
    ck_assert_int_eq(sp_source_class_fact(s, fmt, "classdict"), 11);
    ck_assert_int_eq(sp_source_class_fact(s, fmt, "dynamic"), 0);
    ck_assert_int_eq(sp_source_class_fact(s, cir, "super0"), 14);
    /* Another object's dict, explicit super(): not the class's own. */
    ck_assert_int_eq(sp_source_class_fact(s, pl, "dynamic"), 0);
    ck_assert_int_eq(sp_source_class_fact(s, pl, "super0"), 0);
    ck_assert_int_eq(sp_source_class_fact(s, pl, "classdict"), 0);
    ck_assert_int_eq(sp_source_use_line(s, "weakref"), 1);
    ck_assert_int_eq(sp_source_use_line(s, "pickle-protocol"), 19);
    ck_assert_int_eq(sp_source_use_line(s, "pickle-load"), 20);
    ck_assert_int_eq(sp_source_use_line(s, "classdict:Config"), 21);
    ck_assert_int_eq(sp_source_use_line(s, "classdict:o"), 17);
}
END_TEST

START_TEST(test_cached_once)
{
    write_file("class A:\n    pass\n");
    const struct sp_source *s = sp_source_get(path);
    ck_assert_ptr_nonnull(s);
    /* Rewritten on disk: the index of the first read stays. */
    FILE *f = fopen(path, "w");
    fputs("\n\nclass A:\n    pass\n", f);
    fclose(f);
    ck_assert_ptr_eq(sp_source_get(path), s);
    ck_assert_int_eq(sp_source_class_line(s, sp_source_class(s, "A")), 1);
}
END_TEST

START_TEST(test_hostile_text)
{
    /* Unterminated strings and brackets, a NUL byte, stray dedents and
     * deep nesting: fewer facts, never a crash. */
    static char deep[8192];
    size_t k = 0;
    for (int i = 0; i < 300 && k + 64 < sizeof(deep); i++) {
        k += (size_t)snprintf(deep + k, sizeof(deep) - k, "%*sclass C%d:\n",
                              i, "", i);
    }
    write_file(deep);
    ck_assert_ptr_nonnull(sp_source_get(path));
    write_file("x = '''never ends\nclass A:\n");
    const struct sp_source *s = sp_source_get(path);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(sp_source_class(s, "A"), -1);
    write_file("f(((\nclass B:\n  self.x = 1\n");
    ck_assert_ptr_nonnull(sp_source_get(path));
    write_file("class D:\n        x = 1\n  y = 2\n    z = 3\n\\");
    ck_assert_ptr_nonnull(sp_source_get(path));
    write_file("f'{'\nclass E: pass\n");
    ck_assert_ptr_nonnull(sp_source_get(path));
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("source");
    TCase *tc = tcase_create("source");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_class_lines);
    tcase_add_test(tc, test_class_not_found);
    tcase_add_test(tc, test_self_stores);
    tcase_add_test(tc, test_class_defaults);
    tcase_add_test(tc, test_stores_anywhere);
    tcase_add_test(tc, test_class_facts_and_uses);
    tcase_add_test(tc, test_cached_once);
    tcase_add_test(tc, test_hostile_text);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
