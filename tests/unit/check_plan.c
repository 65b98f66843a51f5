/*
 * check_plan.c -- the whole-hierarchy planner (profiler/plan.c) on
 * hand-built hierarchies: where each name is declared, which forms, which
 * blockers, how many slots each instance ends up with.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------ fixture */

#define MAXN 8

struct fx {
    struct sp_pnode nodes[MAXN];
    int mro[MAXN][MAXN];
    size_t nnodes;
    struct sp_report r;
    struct sp_class classes[MAXN];
    int class_node[MAXN];
    bool has_dict[MAXN], varsize[MAXN], has_weak[MAXN], names_ok[MAXN];
    const char *base_name[MAXN];
    struct sp_plan_out out[MAXN];
    struct sp_plan_in in;
};

static struct fx F;

static int
node(const char *qualname, int layout_parent, bool editable)
{
    int k = (int)F.nnodes++;
    struct sp_pnode *n = &F.nodes[k];
    memset(n, 0, sizeof(*n));
    n->module = "app";
    n->qualname = qualname;
    n->editable = editable;
    n->layout_parent = layout_parent;
    /* MRO: self, then the layout chain (tests add mixins by hand). */
    size_t m = 0;
    for (int p = k; p >= 0; p = F.nodes[p].layout_parent) {
        F.mro[k][m++] = p;
    }
    n->mro = F.mro[k];
    n->nmro = m;
    return k;
}

/* A class with live instances: names given as "name:count" pairs. */
static struct sp_class *
cls(int nodeidx, uint64_t instances, const char *names[], const uint64_t *c,
    size_t nnames)
{
    size_t i = F.r.nclasses++;
    struct sp_class *k = &F.classes[i];
    memset(k, 0, sizeof(*k));
    k->module = strdup("app");
    k->qualname = strdup(F.nodes[nodeidx].qualname);
    k->instances = instances;
    k->attrs = calloc(nnames + 1, sizeof(*k->attrs));
    for (size_t j = 0; j < nnames; j++) {
        k->attrs[j].name = strdup(names[j]);
        k->attrs[j].instances = c ? c[j] : instances;
    }
    k->nattrs = nnames;
    F.class_node[i] = nodeidx;
    F.base_name[i] = "object";
    return k;
}

static void
run(bool dataclass_ok)
{
    F.r.classes = F.classes;
    F.in.nodes = F.nodes;
    F.in.nnodes = F.nnodes;
    F.in.class_node = F.class_node;
    F.in.base_has_dict = F.has_dict;
    F.in.base_varsize = F.varsize;
    F.in.base_has_weakref = F.has_weak;
    F.in.base_names_ok = F.names_ok;
    F.in.base_name = F.base_name;
    F.in.dataclass_slots_ok = dataclass_ok;
    ck_assert(sp_plan_build(&F.r, &F.in, F.out));
}

static void
setup(void)
{
    memset(&F, 0, sizeof(F));
}

/* The classes own their names, attributes, plan and issues. */
static void
teardown(void)
{
    for (size_t i = 0; i < F.r.nclasses; i++) {
        sp_class_free(&F.classes[i]);
    }
}

static void
assert_names(char **got, size_t n, const char *const *want, size_t nwant)
{
    ck_assert_uint_eq(n, nwant);
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(got[i], want[i]);
    }
}

static const struct sp_issue *
issue(const struct sp_class *c, const char *code)
{
    for (size_t i = 0; i < c->nissues; i++) {
        if (strcmp(c->issues[i].code, code) == 0) {
            return &c->issues[i];
        }
    }
    return NULL;
}

/* ------------------------------------------------------------ tests */

START_TEST(test_single_class)
{
    const char *n[] = {"a", "b", "c"};
    int a = node("A", -1, true);
    struct sp_class *c = cls(a, 1000, n, NULL, 3);
    run(true);
    const char *want[] = {"a", "b", "c"};
    assert_names(c->suggested_slots, c->nsuggested, want, 3);
    ck_assert_uint_eq(c->nplan, 1);
    ck_assert_str_eq(c->plan[0].qualname, "A");
    ck_assert_int_eq(c->plan[0].form, SP_FORM_SLOTS);
    assert_names(c->plan[0].names, c->plan[0].nnames, want, 3);
    ck_assert_int_eq(c->verdict, SP_VERDICT_SAFE);
    ck_assert_uint_eq(c->nissues, 0);
    ck_assert_uint_eq(F.out[0].nslots, 3);
    ck_assert(!F.out[0].add_weakref);
    ck_assert(F.out[0].removable);
}
END_TEST

START_TEST(test_chain_declares_shared_names_in_base)
{
    const char *nb[] = {"created"};
    const char *nl[] = {"created", "total"};
    int base = node("Base", -1, true);
    int leaf = node("Leaf", base, true);
    struct sp_class *cl = cls(leaf, 500, nl, NULL, 2);
    struct sp_class *cb = cls(base, 200, nb, NULL, 1);
    run(true);
    ck_assert_uint_eq(cl->nplan, 2);
    ck_assert_str_eq(cl->plan[0].qualname, "Base");    /* base first */
    const char *wb[] = {"created"};
    const char *wl[] = {"total"};
    assert_names(cl->plan[0].names, cl->plan[0].nnames, wb, 1);
    ck_assert_str_eq(cl->plan[1].qualname, "Leaf");
    assert_names(cl->plan[1].names, cl->plan[1].nnames, wl, 1);
    const char *all[] = {"created", "total"};
    assert_names(cl->suggested_slots, cl->nsuggested, all, 2);
    ck_assert_uint_eq(F.out[0].nslots, 2);
    ck_assert_uint_eq(cb->nplan, 1);
    ck_assert_uint_eq(F.out[1].nslots, 1);
    ck_assert_int_eq(cl->verdict, SP_VERDICT_SAFE);
}
END_TEST

START_TEST(test_siblings_share_only_what_all_carry)
{
    const char *na[] = {"z", "x"};
    const char *nb[] = {"z", "y"};
    int base = node("Base", -1, true);
    int a = node("A", base, true);
    int b = node("B", base, true);
    struct sp_class *ca = cls(a, 300, na, NULL, 2);
    struct sp_class *cb = cls(b, 200, nb, NULL, 2);
    run(true);
    const char *wz[] = {"z"}, *wx[] = {"x"}, *wy[] = {"y"};
    ck_assert_uint_eq(ca->nplan, 2);
    assert_names(ca->plan[0].names, ca->plan[0].nnames, wz, 1);
    assert_names(ca->plan[1].names, ca->plan[1].nnames, wx, 1);
    assert_names(cb->plan[0].names, cb->plan[0].nnames, wz, 1);
    assert_names(cb->plan[1].names, cb->plan[1].nnames, wy, 1);
    ck_assert_uint_eq(F.out[0].nslots, 2);
    ck_assert_uint_eq(F.out[1].nslots, 2);
}
END_TEST

START_TEST(test_base_instances_without_name_keep_it_in_subclass)
{
    const char *nb[] = {"a"};
    const char *nl[] = {"a", "b"};
    int base = node("Base", -1, true);
    int leaf = node("Leaf", base, true);
    struct sp_class *cl = cls(leaf, 100, nl, NULL, 2);
    cls(base, 100, nb, NULL, 1);
    run(true);
    const char *wa[] = {"a"}, *wb[] = {"b"};
    assert_names(cl->plan[0].names, cl->plan[0].nnames, wa, 1);
    assert_names(cl->plan[1].names, cl->plan[1].nnames, wb, 1);
}
END_TEST

START_TEST(test_class_variable_blocks)
{
    const char *n[] = {"x", "y"};
    const char *cv[] = {"x"};
    int a = node("A", -1, true);
    F.nodes[a].class_vars = cv;
    F.nodes[a].nclass_vars = 1;
    struct sp_class *c = cls(a, 1000, n, NULL, 2);
    run(true);
    ck_assert_int_eq(c->verdict, SP_VERDICT_BLOCKED);
    const struct sp_issue *is = issue(c, "class-variable");
    ck_assert_ptr_nonnull(is);
    ck_assert(is->blocks);
    ck_assert_str_eq(is->detail,
                     "'x' is a class attribute of A (not plain data: it "
                     "cannot move into __init__) and an instance "
                     "attribute: __slots__ naming it raises ValueError "
                     "('x' in __slots__ conflicts with class variable)");
}
END_TEST

START_TEST(test_default_in_slotted_base_blocks)
{
    /* Base (slotted already) keeps class attribute x; Leaf instances set
     * x: the plan cannot move Base's attribute, and once Leaf loses its
     * __dict__ setting x raises. */
    const char *n[] = {"x"};
    const uint64_t cnt[] = {50};
    static const struct sp_pdefault df[] = {{"x", 4, NULL, 0}};
    int base = node("Base", -1, true);
    F.nodes[base].has_slots = true;
    F.nodes[base].defaults = df;
    F.nodes[base].ndefaults = 1;
    int leaf = node("Leaf", base, true);
    struct sp_class *c = cls(leaf, 100, n, cnt, 1);
    run(true);
    ck_assert_int_eq(c->verdict, SP_VERDICT_BLOCKED);
    const struct sp_issue *is = issue(c, "class-default-slotted");
    ck_assert_ptr_nonnull(is);
    ck_assert(is->blocks);
    ck_assert_str_eq(is->detail,
                     "app.Base declares __slots__ already and keeps 'x' as a "
                     "class attribute, which instances also set: once the "
                     "plan removes the __dict__, setting it raises "
                     "AttributeError ('Leaf' object attribute 'x' is "
                     "read-only); move it out of Base by hand");
    ck_assert_uint_eq(c->nplan, 1);
    ck_assert_str_eq(c->plan[0].qualname, "Leaf");
}
END_TEST

START_TEST(test_default_set_on_instances_moves)
{
    /* class Scope: uses_locals = False, set on 1 of 1000 instances at
     * some census: a slot, the attribute moved, review. */
    const char *n[] = {"names", "ret", "uses_locals"};
    const uint64_t cnt[] = {1000, 1000, 0};
    static const struct sp_pdefault df[] = {{"uses_locals", 3, NULL, 0}};
    int a = node("Scope", -1, true);
    F.nodes[a].file = "/app/checker.py";
    F.nodes[a].has_init = true;
    F.nodes[a].defaults = df;
    F.nodes[a].ndefaults = 1;
    struct sp_class *c = cls(a, 1000, n, cnt, 3);
    c->attrs[2].max_instances = 1;
    c->max_instances = 1000;
    run(true);
    const char *want[] = {"names", "ret", "uses_locals"};
    assert_names(c->plan[0].names, c->plan[0].nnames, want, 3);
    ck_assert_uint_eq(c->plan[0].nmoved, 1);
    ck_assert_str_eq(c->plan[0].moved[0].name, "uses_locals");
    ck_assert_int_eq(c->plan[0].moved[0].line, 3);
    ck_assert_uint_eq(F.out[0].nslots, 3);
    ck_assert_int_eq(c->verdict, SP_VERDICT_REVIEW);
    const struct sp_issue *is = issue(c, "class-default-moved");
    ck_assert_ptr_nonnull(is);
    ck_assert(!is->blocks);
    ck_assert_str_eq(is->detail,
                     "class attribute Scope.uses_locals (checker.py:3) is an "
                     "instance attribute too: instances set it (1 of 1,000 "
                     "at one census).  The plan makes it a slot, takes it "
                     "out of the body of Scope, and has Scope.__init__ set "
                     "self.uses_locals to that value first, unless it is set "
                     "already.  Scope.uses_locals then names the slot, not "
                     "the value, and an instance made without running "
                     "__init__ lacks it");
    ck_assert_uint_eq(c->plan[0].ninits, 1);
    ck_assert_str_eq(c->plan[0].inits[0].name, "uses_locals");
    ck_assert_str_eq(c->plan[0].inits[0].from_qualname, "Scope");
    ck_assert(!c->plan[0].add_init);
}
END_TEST

START_TEST(test_default_stored_by_code_moves)
{
    /* No instance ever set it, but code elsewhere assigns .uses_locals:
     * the name joins the plan (0 instances), the attribute moves. */
    const char *n[] = {"names"};
    static const struct sp_pdefault df[] = {
        {"uses_locals", 3, "/app/main.py", 9}};
    int a = node("Scope", -1, true);
    F.nodes[a].file = "/app/checker.py";
    F.nodes[a].defaults = df;
    F.nodes[a].ndefaults = 1;
    struct sp_class *c = cls(a, 1000, n, NULL, 1);
    run(true);
    ck_assert_uint_eq(c->nattrs, 2);
    ck_assert_str_eq(c->attrs[1].name, "uses_locals");
    ck_assert_uint_eq(c->attrs[1].instances, 0);
    const char *want[] = {"names", "uses_locals"};
    assert_names(c->plan[0].names, c->plan[0].nnames, want, 2);
    assert_names(c->suggested_slots, c->nsuggested, want, 2);
    ck_assert_uint_eq(c->plan[0].nmoved, 1);
    ck_assert_uint_eq(F.out[0].nslots, 2);
    const struct sp_issue *is = issue(c, "class-default-moved");
    ck_assert_ptr_nonnull(is);
    ck_assert_str_eq(is->detail,
                     "class attribute Scope.uses_locals (checker.py:3) is an "
                     "instance attribute too: no instance set it while "
                     "profiled, but main.py:9 assigns .uses_locals.  The plan "
                     "makes it a slot, takes it out of the body of Scope, "
                     "and gives Scope.__init__ (calling "
                     "super().__init__(*args, **kwargs)) set "
                     "self.uses_locals to that value first, unless it is set "
                     "already.  Scope.uses_locals then names the slot, not "
                     "the value, and an instance made without running "
                     "__init__ lacks it");
    ck_assert(c->plan[0].add_init);
    /* Nothing after Scope takes arguments: object.__init__ would
     * refuse them once Scope has an __init__. */
    ck_assert(!c->plan[0].init_args);
    ck_assert_int_eq(c->verdict, SP_VERDICT_REVIEW);
}
END_TEST

START_TEST(test_constant_stays)
{
    /* A class constant nobody sets on an instance stays where it is: no
     * slot, nothing moved, the plan is safe. */
    const char *n[] = {"tag", "value"};
    static const struct sp_pdefault df[] = {{"id", 26, NULL, 0}};
    int a = node("ScalarNode", -1, true);
    F.nodes[a].defaults = df;
    F.nodes[a].ndefaults = 1;
    struct sp_class *c = cls(a, 1000, n, NULL, 2);
    run(true);
    assert_names(c->plan[0].names, c->plan[0].nnames, n, 2);
    ck_assert_uint_eq(c->plan[0].nmoved, 0);
    ck_assert_int_eq(c->verdict, SP_VERDICT_SAFE);
    ck_assert_uint_eq(c->nissues, 0);
}
END_TEST

START_TEST(test_default_in_base_moves_in_base)
{
    /* Node._document = None in the base; Text instances set it later in
     * the run: declared in the base (every class below carries it) and
     * moved there. */
    const char *n[] = {"data", "_document"};
    const uint64_t cnt[] = {100, 0};
    static const struct sp_pdefault df[] = {{"_document", 5, NULL, 0}};
    int base = node("Node", -1, true);
    F.nodes[base].defaults = df;
    F.nodes[base].ndefaults = 1;
    F.nodes[base].has_init = false;
    int leaf = node("Text", base, true);
    F.nodes[leaf].has_init = true;
    static const char *const text_code[] = {"data"};   /* self.data = */
    F.nodes[leaf].mentions = text_code;
    F.nodes[leaf].nmentions = 1;
    struct sp_class *c = cls(leaf, 100, n, cnt, 2);
    c->attrs[1].max_instances = 10;
    run(true);
    ck_assert_uint_eq(c->nplan, 2);
    const char *wb[] = {"_document"}, *wl[] = {"data"};
    ck_assert_str_eq(c->plan[0].qualname, "Node");
    assert_names(c->plan[0].names, c->plan[0].nnames, wb, 1);
    ck_assert_uint_eq(c->plan[0].nmoved, 1);
    ck_assert_str_eq(c->plan[0].moved[0].name, "_document");
    /* Node's own instances (none now, but a Node() is possible) read it
     * too: Node gets an __init__ that sets it. */
    ck_assert_uint_eq(c->plan[0].ninits, 1);
    ck_assert(c->plan[0].add_init);
    assert_names(c->plan[1].names, c->plan[1].nnames, wl, 1);
    ck_assert_uint_eq(c->plan[1].nmoved, 0);
    /* Text.__init__ runs for Text instances (it need not call Node's):
     * it sets the default. */
    ck_assert_uint_eq(c->plan[1].ninits, 1);
    ck_assert_str_eq(c->plan[1].inits[0].name, "_document");
    ck_assert_str_eq(c->plan[1].inits[0].from_qualname, "Node");
    ck_assert(!c->plan[1].add_init);
    ck_assert_int_eq(c->verdict, SP_VERDICT_REVIEW);
}
END_TEST

START_TEST(test_class_attribute_order_in_mro)
{
    /* A method named like a slot: which comes first in the MRO decides
     * what breaks.  Mixin M (a method 'x') before Base, which declares x:
     * setting raises.  A method 'y' in Base, the slot y in Leaf: reading
     * an unset y raises. */
    const char *n[] = {"x", "y"};
    const uint64_t cnt[] = {100, 40};
    const char *cvx[] = {"x"}, *cvy[] = {"y"};
    int base = node("Base", -1, true);
    int leaf = node("Leaf", base, true);
    int mix = node("M", -1, true);
    /* Leaf(M, Base): MRO Leaf, M, Base; layout chain Leaf -> Base. */
    F.mro[leaf][0] = leaf;
    F.mro[leaf][1] = mix;
    F.mro[leaf][2] = base;
    F.nodes[leaf].nmro = 3;
    F.nodes[mix].class_vars = cvx;
    F.nodes[mix].nclass_vars = 1;
    F.nodes[base].class_vars = cvy;
    F.nodes[base].nclass_vars = 1;
    F.nodes[mix].has_slots = true;
    static const char *const leaf_code[] = {"y"};      /* self.y = */
    F.nodes[leaf].mentions = leaf_code;
    F.nodes[leaf].nmentions = 1;
    struct sp_class *c = cls(leaf, 100, n, cnt, 2);
    run(true);
    ck_assert_int_eq(c->verdict, SP_VERDICT_BLOCKED);
    bool saw_set = false, saw_read = false;
    for (size_t i = 0; i < c->nissues; i++) {
        const char *d = c->issues[i].detail;
        saw_set |= strcmp(d, "class attribute M.x comes before the slot 'x' "
                             "declared in Base in the MRO of Leaf: setting it "
                             "on an instance raises AttributeError ('Leaf' "
                             "object attribute 'x' is read-only)") == 0;
        saw_read |= strcmp(d, "the slot 'y' declared in Leaf comes before "
                              "class attribute Base.y in the MRO of Leaf: "
                              "reading it on an instance that never set it "
                              "raises AttributeError instead of giving "
                              "Base.y") == 0;
    }
    ck_assert_msg(saw_set && saw_read, "issues: %s | %s",
                  c->nissues > 0 ? c->issues[0].detail : "",
                  c->nissues > 1 ? c->issues[1].detail : "");
}
END_TEST

START_TEST(test_weakref_added_once_at_the_top)
{
    const char *n[] = {"a"};
    int base = node("Base", -1, true);
    int leaf = node("Leaf", base, true);
    struct sp_class *c = cls(leaf, 100, n, NULL, 1);
    c->weakrefs = 3;
    run(true);
    const char *want[] = {"a", "__weakref__"};
    assert_names(c->plan[0].names, c->plan[0].nnames, want, 2);
    ck_assert_uint_eq(c->plan[1].nnames, 0);
    ck_assert(F.out[0].add_weakref);
    ck_assert_uint_eq(F.out[0].nslots, 1);
}
END_TEST

START_TEST(test_weakref_not_needed_when_base_has_it)
{
    const char *n[] = {"a"};
    int a = node("A", -1, true);
    struct sp_class *c = cls(a, 100, n, NULL, 1);
    c->weakrefs = 3;
    F.has_weak[0] = true;
    run(true);
    ck_assert_uint_eq(c->nsuggested, 1);
    ck_assert(!F.out[0].add_weakref);
}
END_TEST

START_TEST(test_stdlib_base_blocks)
{
    const char *n[] = {"a"};
    int base = node("Thread", -1, false);
    F.nodes[base].module = "threading";
    int leaf = node("Worker", base, true);
    struct sp_class *c = cls(leaf, 100, n, NULL, 1);
    run(true);
    ck_assert_int_eq(c->verdict, SP_VERDICT_BLOCKED);
    const struct sp_issue *is = issue(c, "base-not-editable");
    ck_assert_ptr_nonnull(is);
    ck_assert_str_eq(is->detail,
                     "threading.Thread has no __slots__ and is not your code "
                     "(standard library, installed package or builtin "
                     "module; mine=PATH makes a package yours): its "
                     "instances keep a __dict__");
}
END_TEST

START_TEST(test_tuple_subclass)
{
    int p = node("P", -1, true);
    struct sp_class *c = cls(p, 100, NULL, NULL, 0);
    F.varsize[0] = true;
    F.base_name[0] = "tuple";
    run(true);
    ck_assert_uint_eq(c->nplan, 1);
    ck_assert_int_eq(c->plan[0].form, SP_FORM_EMPTY_SLOTS);
    ck_assert_int_eq(c->verdict, SP_VERDICT_SAFE);
    ck_assert_uint_eq(F.out[0].nslots, 0);
}
END_TEST

START_TEST(test_tuple_subclass_with_attributes_blocks)
{
    const char *n[] = {"label"};
    int p = node("P", -1, true);
    struct sp_class *c = cls(p, 100, n, NULL, 1);
    F.varsize[0] = true;
    F.base_name[0] = "tuple";
    run(true);
    const struct sp_issue *is = issue(c, "varsize-base");
    ck_assert_ptr_nonnull(is);
    ck_assert_str_eq(is->detail,
                     "nonempty __slots__ not supported for subtype of "
                     "'tuple' (CPython raises TypeError), and 1 attribute "
                     "names are set on instances");
}
END_TEST

/* 3.15: tuple takes named slots (the backend says so: base_names_ok). */
START_TEST(test_tuple_subclass_with_attributes_315)
{
    const char *n[] = {"label"};
    int p = node("P", -1, true);
    struct sp_class *c = cls(p, 100, n, NULL, 1);
    F.varsize[0] = true;
    F.names_ok[0] = true;
    F.base_name[0] = "tuple";
    run(true);
    ck_assert_ptr_null(issue(c, "varsize-base"));
    ck_assert_int_eq(c->verdict, SP_VERDICT_SAFE);
    ck_assert_uint_eq(c->nplan, 1);
    ck_assert_int_eq(c->plan[0].form, SP_FORM_SLOTS);
    ck_assert_uint_eq(c->plan[0].nnames, 1);
    ck_assert_str_eq(c->plan[0].names[0], "label");
    ck_assert_uint_eq(F.out[0].nslots, 1);
}
END_TEST

START_TEST(test_dataclass_form)
{
    const char *n[] = {"a", "b"};
    const char *fields[] = {"a", "b"};
    const char *cv[] = {"b"};       /* b has a default */
    int d = node("D", -1, true);
    F.nodes[d].dataclass = true;
    F.nodes[d].fields = fields;
    F.nodes[d].nfields = 2;
    F.nodes[d].class_vars = cv;
    F.nodes[d].nclass_vars = 1;
    struct sp_class *c = cls(d, 100, n, NULL, 2);
    run(true);
    ck_assert_int_eq(c->plan[0].form, SP_FORM_DATACLASS);
    ck_assert_int_eq(c->verdict, SP_VERDICT_SAFE);
}
END_TEST

START_TEST(test_dataclass_weakref)
{
    /* weakref_slot=True is 3.11+: on 3.10 a weakly referenced dataclass
     * needs __slots__ by hand. */
    const char *n[] = {"a"};
    const char *fields[] = {"a"};
    for (int ok311 = 0; ok311 <= 1; ok311++) {
        teardown();         /* the previous round's classes */
        setup();
        int d = node("D", -1, true);
        F.nodes[d].dataclass = true;
        F.nodes[d].fields = fields;
        F.nodes[d].nfields = 1;
        struct sp_class *c = cls(d, 100, n, NULL, 1);
        c->weakrefs = 5;
        F.in.dataclass_weakref_ok = ok311;
        run(true);
        ck_assert_int_eq(c->plan[0].form,
                         ok311 ? SP_FORM_DATACLASS : SP_FORM_SLOTS);
        const char *want[] = {"a", "__weakref__"};
        assert_names(c->plan[0].names, c->plan[0].nnames, want, 2);
    }
}
END_TEST

START_TEST(test_dataclass_before_310_conflicts_with_defaults)
{
    const char *n[] = {"a", "b"};
    const char *fields[] = {"a", "b"};
    const char *cv[] = {"b"};
    int d = node("D", -1, true);
    F.nodes[d].dataclass = true;
    F.nodes[d].fields = fields;
    F.nodes[d].nfields = 2;
    F.nodes[d].class_vars = cv;
    F.nodes[d].nclass_vars = 1;
    struct sp_class *c = cls(d, 100, n, NULL, 2);
    run(false);
    ck_assert_int_eq(c->plan[0].form, SP_FORM_SLOTS);
    ck_assert_ptr_nonnull(issue(c, "class-variable"));
    ck_assert_int_eq(c->verdict, SP_VERDICT_BLOCKED);
}
END_TEST

START_TEST(test_dataclass_extra_attribute)
{
    const char *n[] = {"a", "cache"};
    const char *fields[] = {"a"};
    int d = node("D", -1, true);
    F.nodes[d].dataclass = true;
    F.nodes[d].fields = fields;
    F.nodes[d].nfields = 1;
    struct sp_class *c = cls(d, 100, n, NULL, 2);
    run(true);
    ck_assert_int_eq(c->plan[0].form, SP_FORM_SLOTS);
    ck_assert_ptr_nonnull(issue(c, "dataclass-extra-attribute"));
    ck_assert_int_eq(c->verdict, SP_VERDICT_REVIEW);
}
END_TEST

START_TEST(test_mixin_gets_empty_slots)
{
    const char *n[] = {"a"};
    int base = node("Base", -1, true);
    int mixin = node("Mixin", -1, true);
    int c_ = node("C", base, true);
    /* MRO: C, Mixin, Base */
    F.mro[c_][0] = c_;
    F.mro[c_][1] = mixin;
    F.mro[c_][2] = base;
    F.nodes[c_].nmro = 3;
    struct sp_class *c = cls(c_, 100, n, NULL, 1);
    run(true);
    ck_assert_uint_eq(c->nplan, 3);
    ck_assert_str_eq(c->plan[0].qualname, "Base");
    ck_assert_str_eq(c->plan[1].qualname, "Mixin");
    ck_assert_uint_eq(c->plan[1].nnames, 0);
    ck_assert_str_eq(c->plan[2].qualname, "C");
    ck_assert_int_eq(c->verdict, SP_VERDICT_SAFE);
    ck_assert_uint_eq(F.out[0].nslots, 1);
}
END_TEST

START_TEST(test_mixin_with_own_instances_conflicts)
{
    /* Mixin has instances carrying m, so it would declare m; for C the
     * mixin is off the layout chain: lay-out conflict. */
    const char *nc[] = {"a", "m"};
    const char *nm[] = {"m"};
    int base = node("Base", -1, true);
    int mixin = node("Mixin", -1, true);
    int c_ = node("C", base, true);
    F.mro[c_][0] = c_;
    F.mro[c_][1] = mixin;
    F.mro[c_][2] = base;
    F.nodes[c_].nmro = 3;
    struct sp_class *c = cls(c_, 100, nc, NULL, 2);
    cls(mixin, 100, nm, NULL, 1);
    run(true);
    ck_assert_ptr_nonnull(issue(c, "layout-conflict"));
    ck_assert_int_eq(c->verdict, SP_VERDICT_BLOCKED);
}
END_TEST

START_TEST(test_base_has_dict)
{
    const char *n[] = {"code"};
    int e = node("AppError", -1, true);
    struct sp_class *c = cls(e, 100, n, NULL, 1);
    F.has_dict[0] = true;
    F.base_name[0] = "Exception";
    run(true);
    ck_assert(!F.out[0].removable);
    const struct sp_issue *is = issue(c, "base-has-dict");
    ck_assert_ptr_nonnull(is);
    ck_assert_str_eq(is->detail, "its builtin base Exception carries a "
                                 "__dict__ of its own: no __slots__ can "
                                 "remove it");
}
END_TEST

START_TEST(test_issue_dedup)
{
    struct sp_class c;
    memset(&c, 0, sizeof(c));
    ck_assert(sp_class_add_issue(&c, "x", false, "same %d", 1));
    ck_assert(sp_class_add_issue(&c, "x", false, "same %d", 1));
    ck_assert(sp_class_add_issue(&c, "x", false, "other"));
    ck_assert_uint_eq(c.nissues, 2);
    sp_class_free(&c);
}
END_TEST

static Suite *
plan_suite(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("plan");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_single_class);
    tcase_add_test(tc, test_chain_declares_shared_names_in_base);
    tcase_add_test(tc, test_siblings_share_only_what_all_carry);
    tcase_add_test(tc, test_base_instances_without_name_keep_it_in_subclass);
    tcase_add_test(tc, test_class_variable_blocks);
    tcase_add_test(tc, test_default_in_slotted_base_blocks);
    tcase_add_test(tc, test_default_set_on_instances_moves);
    tcase_add_test(tc, test_default_stored_by_code_moves);
    tcase_add_test(tc, test_constant_stays);
    tcase_add_test(tc, test_default_in_base_moves_in_base);
    tcase_add_test(tc, test_class_attribute_order_in_mro);
    tcase_add_test(tc, test_weakref_added_once_at_the_top);
    tcase_add_test(tc, test_weakref_not_needed_when_base_has_it);
    tcase_add_test(tc, test_stdlib_base_blocks);
    tcase_add_test(tc, test_tuple_subclass);
    tcase_add_test(tc, test_tuple_subclass_with_attributes_blocks);
    tcase_add_test(tc, test_tuple_subclass_with_attributes_315);
    tcase_add_test(tc, test_dataclass_form);
    tcase_add_test(tc, test_dataclass_weakref);
    tcase_add_test(tc, test_dataclass_before_310_conflicts_with_defaults);
    tcase_add_test(tc, test_dataclass_extra_attribute);
    tcase_add_test(tc, test_mixin_gets_empty_slots);
    tcase_add_test(tc, test_mixin_with_own_instances_conflicts);
    tcase_add_test(tc, test_base_has_dict);
    tcase_add_test(tc, test_issue_dedup);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(plan_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
